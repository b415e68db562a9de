/** Control and rootfs servers over real sockets, with a scripted Pi. */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { makeRootfs } from '../helpers/rootfs-fixture.js';
import { startInstall, waitForState, netboot, PI } from '../helpers/install-cluster.js';
import { LineClient, withTimeout } from '../helpers/line-client.js';

const work = await mkdtemp(join(tmpdir(), 'piman-control-srv-'));
// 24 MiB of incompressible data: more than loopback socket buffers hold, so a
// Pi that stops reading really stops the stream mid-way.
const fx = await makeRootfs(work, { bigBytes: 24 * 1024 * 1024 });
const archive = await readFile(fx.archive);
const { cluster, servers, controlPort, installPort } = await startInstall({
  rootfs: fx.archive,
  controlTimeoutSeconds: 60,
  installTimeoutSeconds: 60,
  progressIntervalMs: 0,
});
const clients: LineClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await servers.stop();
  await rm(work, { recursive: true, force: true });
});
const pi = async (local = '127.0.0.1'): Promise<LineClient> => {
  if (local === '127.0.0.1') netboot(cluster); // the bound Pi: every boot starts with the boot ROM's DHCP
  const c = await LineClient.connect(controlPort, local);
  clients.push(c);
  return c;
};

/** Connects to the rootfs port; resolves with what arrived once the server closes. */
function fetchRootfs(opts: { stopAfter?: number } = {}): Promise<{ bytes: number; sha: string; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    let ended = false;
    const s = connect({ host: '127.0.0.1', port: installPort, localAddress: '127.0.0.1' });
    s.on('data', (d: Buffer) => {
      bytes += d.length;
      hash.update(d);
      if (opts.stopAfter !== undefined && bytes >= opts.stopAfter) s.destroy();
    });
    s.on('end', () => (ended = true));
    s.on('error', () => undefined);
    s.on('close', () => resolve({ bytes, sha: hash.digest('hex'), ended }));
    s.setTimeout(30_000, () => (s.destroy(), reject(new Error('rootfs fetch timed out'))));
    s.end(); // like `nc ... </dev/null`: the Pi half-closes at once; the stream must go on
  });
}

test('a peer that is not a Pi in hosts.csv gets nothing and is closed', async () => {
  const c = await pi('127.0.0.2');
  await withTimeout(c.closed, 10_000, 'server closes the unknown peer');
  assert.equal(c.bytes, 0);
  assert.equal(cluster.port(PI)!.state, 'unknown', 'no event for the bound Pi');
});

test('the rootfs is refused to a Pi that was not just told format', async () => {
  const r = await fetchRootfs();
  assert.equal(r.bytes, 0);
});

test('CRLF lines sent byte by byte: date + EOM, then format + EOM; the rootfs streams whole; IS_INSTALLED confirms', async () => {
  const c = await pi();
  const greeting = await c.commands(1);
  assert.match(greeting[0]!, /^busybox date -s \d{12}\.\d{2}$/);
  for (const b of Buffer.from('+ send IS_UNINSTALLED\r\nIS_UNINSTALLED\r\n')) {
    c.send(String.fromCharCode(b));
    await new Promise((r) => setImmediate(r));
  }
  assert.deepEqual((await c.commands(2)).slice(1), ['format']);
  const p = cluster.port(PI)!;
  assert.equal(p.state, 'installing');
  assert.equal(p.reinstall, true, 'an uninstalled Pi is marked until its install is confirmed');

  const progress: number[] = [];
  const sampler = setInterval(() => progress.push(cluster.port(PI)!.installProgress), 1);
  const sentEvent = new Promise<void>((res) => {
    const off = servers.hub.onArchiveSent(PI, () => (off(), res()));
  });
  const r = await fetchRootfs();
  await withTimeout(sentEvent, 10_000, 'server marks the archive sent');
  clearInterval(sampler);
  assert.equal(r.bytes, archive.length);
  assert.equal(r.sha, createHash('sha256').update(archive).digest('hex'));
  assert.equal(cluster.port(PI)!.archiveSent, true);
  assert.equal(cluster.port(PI)!.installProgress, 100);
  assert.ok(progress.every((v, i) => i === 0 || v >= progress[i - 1]!), 'progress never goes back');

  c.send('IS_FORMATTED\nsome mkfs output\nIS_INSTALLED\nMOUNTING\nFINISHED MOUNTING\n');
  await waitForState(cluster, PI, 'up');
  assert.equal(cluster.port(PI)!.reinstall, false);
  assert.equal(cluster.getCounters().installsDone, 1);
  c.close();
});

test('a Pi gone mid-stream: install aborted with the reason, mark kept, the next hello gets format', async () => {
  await cluster.apply(PI, { type: 'markReinstall' }).persisted;
  const c = await pi();
  await c.commands(1);
  c.send('IS_INSTALLED\n');
  assert.deepEqual((await c.commands(2)).slice(1), ['format']);
  const r = await fetchRootfs({ stopAfter: 1024 * 1024 });
  assert.ok(r.bytes < archive.length);
  await waitForState(cluster, PI, 'failed');
  const p = cluster.port(PI)!;
  assert.match(p.lastError, /closed the rootfs stream at \d+%/);
  assert.equal(p.reinstall, true);
  assert.ok(cluster.getCounters().installsFailed >= 1);
  c.close();

  const again = await pi();
  await again.commands(1);
  again.send('IS_INSTALLED\n');
  assert.deepEqual((await again.commands(2)).slice(1), ['format'], 'still marked: format again');
  again.close();
});

test('fuzz: random bytes and random line mixes never crash the server nor draw a decision without a status line', async () => {
  const junk = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 300, size: 'max' }).map((u) => Buffer.from(u)),
      fc.constantFrom('\n', '\r\n', '+ echo IS_INSTALLED\n', 'EOM\n', 'format\n', 'IS_FORMATTED\n', 'FINISHED MOUNTING\n').map((t) => Buffer.from(t)),
    ),
    { maxLength: 30, size: 'max' },
  );
  await fc.assert(
    fc.asyncProperty(junk, async (parts) => {
      const data = Buffer.concat(parts);
      fc.pre(!/(^|\n)\s*IS_(UN)?INSTALLED\s*(\r?\n|$)/.test(data.toString('utf8')));
      const c = await pi();
      await c.commands(1);
      c.socket.write(data);
      c.socket.write(randomBytes(64));
      c.socket.end();
      await withTimeout(c.closed, 10_000, 'server closes after the peer ended');
      assert.deepEqual(c.lines.filter((l) => l !== 'EOM').slice(1), [], 'no decision without IS_INSTALLED/IS_UNINSTALLED');
    }),
    { numRuns: 25 },
  );
  // Still serving.
  const c = await pi();
  await c.commands(1);
  c.send('IS_INSTALLED\n');
  assert.equal((await c.commands(2)).length, 2);
  c.close();
});

test('a silent control connection is closed after control.timeoutSeconds', async () => {
  const short = await startInstall({ rootfs: fx.archive, controlTimeoutSeconds: 0.5 });
  try {
    const c = await LineClient.connect(short.controlPort);
    clients.push(c);
    await c.commands(1);
    await withTimeout(c.closed, 15_000, 'idle connection closed');
    assert.ok(c.socket.destroyed);
  } finally {
    await short.servers.stop();
  }
});
