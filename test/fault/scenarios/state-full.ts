/**
 * The state folder full (a small tmpfs filled to ENOSPC), then read-only
 * (remounted ro), under a running lab: every change that must be on disk is
 * refused with an error and the old state kept, and piman keeps running:
 *  - a reinstall mark SET through the agent (commitFailed, no mark),
 *  - the control channel (the Pi is told nothing and the port stays as it was),
 *  - a DHCP pool lease (no ACK, also not for the REQUEST retransmitted after
 *    the failed write, and no lease in memory; on the full folder the
 *    journal's one line may still fit, and then the lease must be on disk).
 * Then the folder is writable again and the same three changes go through.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { Lab, labParts } from '../../../src/lab/lab.js';
import { until } from '../../../src/lab/run-lab.js';
import { openAgentSession, setReinstall } from '../../../src/lab/lab-snmp.js';
import { silentLogger } from '../../../src/log.js';
import { decodeDhcp, type DhcpPacket } from '../../../src/dhcp/packet.js';
import { LEASE_FILE, LEASE_JOURNAL, LeaseStore } from '../../../src/dhcp/leases.js';
import type { DhcpPart } from '../../../src/dhcp/part.js';
import { dhcpFromConfig } from '../../../src/parts.js';
import { pi4Discover, pi4Request } from '../../vectors/dhcp-pi.js';
import { LineClient, withTimeout } from '../../helpers/line-client.js';
import type { ScenarioCount } from '../tally.js';
import { eventually } from '../../helpers/eventually.js';

const POOL = { start: '127.0.9.1', end: '127.0.9.20' };
/** A new client for each step: a renewal of a stored lease is ACKed without a write (src/dhcp/server.ts). */
const POOL_MACS = { full: '02:00:00:00:09:01', readOnly: '02:00:00:00:09:02', writable: '02:00:00:00:09:03' };

/**
 * Fills the folder to ENOSPC. A state write that was in flight during the
 * fill frees the old file's pages when it renames over it (the next write
 * would then fit): so wait until no writer's temp file is left, and fill again.
 */
async function fill(dir: string): Promise<void> {
  await fillOnce(dir, 'filler');
  await eventually(() => !readdirSync(dir).some((n) => n.endsWith('.tmp')), 'state writes in flight to end', 5000);
  await fillOnce(dir, 'filler2');
}

async function fillOnce(dir: string, name: string): Promise<void> {
  const fh = await open(join(dir, name), 'w');
  try {
    for (;;) await fh.write(Buffer.alloc(16 * 1024));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOSPC') throw e;
  } finally {
    await fh.close();
  }
}

export async function stateFolderFull(t: TestContext, c: ScenarioCount): Promise<void> {
  if (process.getuid?.() !== 0) {
    t.skip('needs root to mount a small tmpfs as the state folder');
    return;
  }
  const mnt = await mkdtemp(join(tmpdir(), 'piman-fault-state-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', mnt]);
  let lab: Lab | null = null;
  // One hook, in this order: the lab's last state write must land before the mount goes.
  t.after(async () => {
    try {
      await lab?.stop();
    } finally {
      execFileSync('umount', ['-l', mnt]);
      await rm(mnt, { recursive: true, force: true });
    }
  });
  const log = silentLogger();
  let dhcpPartNow: DhcpPart | null = null;
  lab = await Lab.start({
    pis: 2,
    model: 4,
    log,
    switchLog: log,
    // The lab's own parts, with a handle on the DHCP part to read its leases.
    parts: labParts().map((f) => (f === dhcpFromConfig ? (ctx) => (dhcpPartNow = dhcpFromConfig(ctx)) : f)),
    configure: (raw) => {
      (raw as Record<string, unknown>)['state'] = mnt;
      raw['dhcp']!['pool'] = POOL;
    },
  });
  const cluster = lab.daemon.ctx.cluster;
  await lab.powerOnAll();
  await until(lab, () => cluster.ports().every((p) => p.state === 'up'), 60_000, 'both Pis up');
  // The lab's Pis stay up; the test speaks for Pi 1 on the control channel and for a pool client on DHCP.
  const pi1 = lab.hosts[0]!;
  const agent = openAgentSession('127.0.0.1', lab.ports.agent, 'private');
  t.after(() => agent.close());
  const links = Object.values(POOL_MACS).map((m) => [m, lab!.demux.link(m)] as const);
  t.after(() => links.forEach(([, l]) => l.close()));
  const linkOf = (m: string): ReturnType<Lab['demux']['link']> => links.find(([x]) => x === m)![1];
  const leases = (): string[] => (dhcpPartNow as DhcpPart | null)?.leases().map((l) => l.mac) ?? [];
  /** The MACs whose lease the state folder holds (snapshot and journal, as a start would read them). */
  const onDisk = async (): Promise<string[]> => (await LeaseStore.open(mnt)).list().map((l) => l.mac);
  let xid = 0x0f000000;
  /** Pi 1's boot ROM asked for an address (piman talks to a Pi on the control channel only after a netboot). */
  const netboot = (): void => void cluster.apply({ switchIndex: 1, port: 1 }, { type: 'dhcp', pxe: true }).persisted.catch(() => undefined);

  /** DISCOVER then REQUEST twice (a retransmission); resolves with the replies to each REQUEST. */
  const askLease = async (poolMac: string): Promise<[DhcpPacket | null, DhcpPacket | null]> => {
    xid++;
    const dhcp = linkOf(poolMac);
    const mac = poolMac.split(':').map((h) => parseInt(h, 16));
    const offer = await reply(dhcp, () => pi4Discover(mac, xid), 2, 3000);
    assert.ok(offer, 'an OFFER from the pool (no write needed for that)');
    const ip = [...offer.yiaddr.split('.').map(Number)];
    const req = (): Buffer => pi4Request(ip, [127, 0, 0, 1], mac, xid);
    const first = await reply(dhcp, req, 5, 1500);
    const again = await reply(dhcp, req, 5, 1500);
    return [first, again];
  };

  const refusedEverything = async (how: string, poolMac: string): Promise<void> => {
    const cluster0 = await readFile(join(mnt, 'cluster.json'), 'utf8');
    const leases0 = await readFile(join(mnt, LEASE_FILE), 'utf8').catch(() => '');
    const journal0 = await readFile(join(mnt, LEASE_JOURNAL), 'utf8').catch(() => '');
    const before1 = cluster.port({ switchIndex: 1, port: 1 })!;
    // 1. The agent refuses the SET and sets no mark.
    await assert.rejects(setReinstall(agent, 1, 2), (e: Error) => /CommitFailed|commitFailed|14/i.test(e.message + String((e as { status?: number }).status)), `${how}: SET refused`);
    assert.equal(cluster.port({ switchIndex: 1, port: 2 })!.reinstall, false, `${how}: no mark after a refused SET`);
    // 2. The control channel tells the Pi nothing and leaves the port as it was.
    netboot();
    const ctl = await LineClient.connect(lab.ports.control, pi1.ip);
    ctl.send('IS_UNINSTALLED\n');
    await withTimeout(ctl.closed, 5000, `${how}: piman closes the control connection it cannot record`);
    assert.ok(!ctl.lines.includes('format'), `${how}: a Pi was told format without its mark on disk`);
    const after1 = cluster.port({ switchIndex: 1, port: 1 })!;
    assert.deepEqual({ state: after1.state, reinstall: after1.reinstall }, { state: before1.state, reinstall: before1.reinstall }, `${how}: port 1 kept its state`);
    // 3. A pool lease is ACKed only once it is on disk. A full folder may still take the journal's
    // one line (tmpfs: room left in its last page): then the lease is stored and the ACK is right.
    // Otherwise: no ACK, not even for the retransmitted REQUEST, and no lease in memory.
    const [first, again] = await askLease(poolMac);
    const stored = (await onDisk()).includes(poolMac);
    if (first !== null || again !== null) assert.ok(stored, `${how}: a lease that is not on disk was ACKed`);
    else assert.ok(!leases().includes(poolMac), `${how}: the refused lease stayed in memory`);
    if (how === 'state folder read-only') assert.equal(first, null, `${how}: a lease was ACKed on a read-only folder`);
    // Nothing else on disk changed.
    assert.equal(await readFile(join(mnt, 'cluster.json'), 'utf8'), cluster0);
    assert.equal(await readFile(join(mnt, LEASE_FILE), 'utf8').catch(() => ''), leases0);
    if (!stored) assert.equal(await readFile(join(mnt, LEASE_JOURNAL), 'utf8').catch(() => ''), journal0);
  };

  await fill(mnt);
  c.faults++;
  await refusedEverything('state folder full', POOL_MACS.full);
  await rm(join(mnt, 'filler'));
  await rm(join(mnt, 'filler2'));
  execFileSync('mount', ['-o', 'remount,ro', mnt]);
  c.faults++;
  await refusedEverything('state folder read-only', POOL_MACS.readOnly);
  execFileSync('mount', ['-o', 'remount,rw', mnt]);

  // Writable again: the same changes go through.
  await setReinstall(agent, 1, 2);
  assert.equal(cluster.port({ switchIndex: 1, port: 2 })!.reinstall, true);
  const [ack] = await askLease(POOL_MACS.writable);
  assert.ok(ack, 'the lease is ACKed once it can be stored');
  assert.ok((await onDisk()).includes(POOL_MACS.writable), 'the ACKed lease is on disk');
  netboot();
  const ctl = await LineClient.connect(lab.ports.control, pi1.ip);
  await ctl.commands(1, 5000);
  ctl.close();
  if (!cluster.ports().every((p) => p.state !== 'unknown')) c.crash('the lab lost its ports');
}

/** Sends `make()` and waits for a reply of DHCP message type `type`; null after `ms`. */
function reply(link: ReturnType<Lab['demux']['link']>, make: () => Buffer, type: number, ms: number): Promise<DhcpPacket | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => (off(), resolve(null)), ms);
    const off = link.onReply((msg) => {
      let p: DhcpPacket;
      try {
        p = decodeDhcp(msg);
      } catch {
        return;
      }
      if (p.options.get(53)?.[0] !== type) return;
      clearTimeout(timer);
      off();
      resolve(p);
    });
    void link.send(make());
  });
}
