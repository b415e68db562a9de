import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openTransferSocket } from '../../src/tftp/launch.js';

test('a transfer socket for an impossible peer (port 0) is refused with an error, not thrown out of a callback', async () => {
  await assert.rejects(openTransferSocket('127.0.0.1', '127.0.0.1', 0), /cannot open a transfer socket: .*Port/);
});

test('a transfer socket binds an ephemeral port on the given address, connected to the peer', async () => {
  const s = await openTransferSocket('127.0.0.1', '127.0.0.1', 9);
  try {
    assert.equal(s.address().address, '127.0.0.1');
    assert.ok(s.address().port > 0);
    assert.deepEqual(s.remoteAddress(), { address: '127.0.0.1', family: 'IPv4', port: 9 });
  } finally {
    s.close();
  }
});
