/**
 * Lab.stop lets go of everything even when the daemon cannot save its
 * state on the way out (a full or removed state folder): the simulated
 * switch and the DHCP demux free their ports, and the error still reaches
 * the caller. Before, the failure left them open and a test that had
 * failed in such a folder (test/fault's "state folder full") kept the
 * runner alive until its 300 s timeout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Lab } from '../../src/lab/lab.js';
import { silentLogger } from '../../src/log.js';
import { PimanError } from '../../src/errors.js';

/** True when a UDP socket can bind 127.0.0.1:port now (nothing holds it). */
function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

test('a lab whose state cannot be saved at stop still frees its switch and DHCP ports, and says why', async () => {
  const lab = await Lab.start({ pis: 1, model: 4, log: silentLogger(), switchLog: silentLogger(), keep: true });
  try {
    // The daemon saves its state on the way out: a file where the state folder was makes that fail.
    const state = join(lab.dir, 'state');
    await rm(state, { recursive: true, force: true });
    await writeFile(state, 'not a folder');
    await lab.daemon.ctx.cluster.apply({ switchIndex: 1, port: 1 }, { type: 'dhcp', pxe: true }).persisted.catch(() => undefined);
    await assert.rejects(lab.stop(), (e: unknown) => e instanceof PimanError && e.code === 'E_STATE_IO');
    assert.equal(await udpFree(lab.ports.switch), true, 'the simulated switch still holds its port');
    assert.equal(await udpFree(lab.ports.dhcpClient), true, 'the DHCP demux still holds its port');
  } finally {
    await rm(lab.dir, { recursive: true, force: true });
  }
});
