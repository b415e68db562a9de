import { test } from 'node:test';
import assert from 'node:assert/strict';
import { transferWorkers } from '../../src/tftp/part.js';

test("tftp.workers 'auto' is one transfer thread per CPU up to 4, none on a single CPU; numbers are taken as they are", () => {
  assert.deepEqual([1, 2, 3, 4, 16].map((cpus) => transferWorkers('auto', cpus)), [0, 2, 3, 4, 4]);
  assert.equal(transferWorkers(0, 16), 0);
  assert.equal(transferWorkers(7, 2), 7);
});
