import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkBootFolder } from '../../src/tftp/root-check.js';
import { PimanError } from '../../src/errors.js';

test('tftp.root must be an existing folder; the error names it and says what to set', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-tftp-root-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await checkBootFolder(dir);
  const missing = join(dir, 'boot');
  await assert.rejects(checkBootFolder(missing), (e: unknown) => e instanceof PimanError && e.code === 'E_CONFIG' && e.message.startsWith(`${missing}: TFTP boot folder does not exist; set tftp.root`));
  await writeFile(missing, 'not a folder');
  await assert.rejects(checkBootFolder(missing), /tftp\.root is not a folder/);
});
