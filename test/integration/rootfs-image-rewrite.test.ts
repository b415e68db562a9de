/**
 * An image rewritten in place (not renamed over) while a Pi receives it: the
 * stream cannot promise one whole version, so the install is aborted with
 * the reason instead of being confirmed (README "Images").
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtemp, rm, appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRootfs } from '../helpers/rootfs-fixture.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';
import { LineClient } from '../helpers/line-client.js';

const work = await mkdtemp(join(tmpdir(), 'piman-rewrite-'));
const fx = await makeRootfs(work, { bigBytes: 24 * 1024 * 1024 });
const { cluster, servers, controlPort, installPort } = await startInstall({ rootfs: fx.archive, progressIntervalMs: 0 });
const clients: LineClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await servers.stop();
  await rm(work, { recursive: true, force: true });
});

test('an image file rewritten in place mid-stream aborts the install with the reason; the mark stays', async () => {
  netboot(cluster);
  const c = await LineClient.connect(controlPort, '127.0.0.1');
  clients.push(c);
  await c.commands(1);
  c.send('IS_UNINSTALLED\n');
  assert.deepEqual((await c.commands(2)).slice(1), ['format']);
  await new Promise<void>((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: installPort, localAddress: '127.0.0.1' });
    let bytes = 0;
    let rewritten = false;
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      if (!rewritten && bytes > 1024 * 1024) {
        rewritten = true;
        s.pause();
        // Appending changes size and mtime of the very file (inode) the stream reads.
        void appendFile(fx.archive, Buffer.alloc(4096, 7)).then(() => s.resume(), reject);
      }
    });
    s.on('error', () => undefined);
    s.on('close', () => resolve());
    s.setTimeout(30_000, () => (s.destroy(), reject(new Error('rootfs fetch timed out'))));
    s.end();
  });
  await waitForState(cluster, PI, 'failed');
  const p = cluster.port(PI)!;
  assert.match(p.lastError, /rewritten in place during the stream.*renaming/);
  assert.equal(p.reinstall, true, 'the mark stays: the Pi is formatted again');
  assert.equal(p.archiveSent, false);
  assert.equal(p.installedImage, '');
});
