/**
 * piman's agent driven by the net-snmp npm client: table ends, GETBULK
 * clamping, all-or-nothing SETs, busy ports, wrong types, bad communities,
 * and packets that used to crash net-snmp's agent.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import fc from 'fast-check';
import snmp, { type Session, type Varbind } from 'net-snmp';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';
import { MemoryStateStore, type ClusterSnapshot } from '../../src/store/state-store.js';
import { PIMAN_PORT_ENTRY, PIMAN_SWITCH_ENTRY, PORT_COL, SNMP_GROUP, SWITCH_COL, SNMP_STATS, portColumnOid } from '../../src/agent/oids.js';
import type { ClusterEvent } from '../../src/cluster/cluster.js';

let f: AgentFixture;
let pub: Session;
let priv: Session;
const open: Session[] = [];

function session(community: string, opts: { timeout?: number; retries?: number } = {}): Session {
  const s = snmp.createSession('127.0.0.1', community, { port: f.agent.port, version: snmp.Version2c, timeout: opts.timeout ?? 3000, retries: opts.retries ?? 1 });
  s.on('error', () => undefined);
  open.push(s);
  return s;
}

before(async () => {
  f = await startAgentFixture();
  pub = session('public');
  priv = session('private');
});
after(async () => {
  for (const s of open) s.close();
  await f?.stop();
});

const get = (s: Session, oids: string[]): Promise<Varbind[]> =>
  new Promise((res, rej) => s.get(oids, (e, v) => (e ? rej(e) : res(v ?? []))));
const getNext = (s: Session, oids: string[]): Promise<Varbind[]> =>
  new Promise((res, rej) => s.getNext(oids, (e, v) => (e ? rej(e) : res(v ?? []))));
const getBulk = (s: Session, oids: string[], non: number, max: number): Promise<Varbind[]> =>
  new Promise((res, rej) => s.getBulk(oids, non, max, (e, v) => (e ? rej(e) : res(v ?? []))));
/** Resolves with the SET's error status (0 = noError). */
const set = (s: Session, vbs: Varbind[]): Promise<number> =>
  new Promise((res, rej) =>
    s.set(vbs, (e) => {
      if (!e) return res(0);
      const status = (e as { status?: number }).status;
      return typeof status === 'number' ? res(status) : rej(e);
    }),
  );
const int = (oid: string, value: number): Varbind => ({ oid, type: snmp.ObjectType.Integer, value });
const reinstallOid = (port: number, sw = 1): string => portColumnOid(PORT_COL.pimanPortReinstall, sw, port);

function nextEvent(pred: (e: ClusterEvent) => boolean, ms = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out waiting for a cluster event'))), ms);
    const off = f.cluster.on((e) => {
      if (pred(e)) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

test('GETNEXT crosses table ends: last row of a column -> next column, switch table -> port table, last object -> endOfMibView', async () => {
  const [a, b, c] = await getNext(pub, [
    portColumnOid(PORT_COL.pimanPortMacAddress, 2, 8),
    `${PIMAN_SWITCH_ENTRY}.${SWITCH_COL.pimanSwitchTimeouts}.2`,
    // the port table's last column (pimanPortHealthThreshold), last row
    `${PIMAN_PORT_ENTRY}.${PORT_COL.pimanPortHealthThreshold}.2.8`,
  ]);
  assert.equal(a!.oid, portColumnOid(PORT_COL.pimanPortIpAddress, 1, 1));
  assert.equal(b!.oid, portColumnOid(PORT_COL.pimanPortMacAddress, 1, 1));
  // the snmpEngine group follows PIMAN-MIB; past it is the end of the MIB
  assert.match(c!.oid, /^1\.3\.6\.1\.6\.3\.10\.2\.1\.1\.0$/);
  // then snmpUnknownContexts and the usmStats group; past usmStatsDecryptionErrors is the end of the MIB
  const [contexts] = await getNext(pub, ['1.3.6.1.6.3.10.2.1.4.0']);
  assert.equal(contexts!.oid, '1.3.6.1.6.3.12.1.5.0');
  const [usm] = await getNext(pub, ['1.3.6.1.6.3.12.1.5.0']);
  assert.equal(usm!.oid, '1.3.6.1.6.3.15.1.1.1.0');
  const [end] = await getNext(pub, ['1.3.6.1.6.3.15.1.1.6.0']);
  assert.equal(end!.type, snmp.ObjectType.EndOfMibView);
  const [beyond] = await getNext(pub, ['2.1']);
  assert.equal(beyond!.type, snmp.ObjectType.EndOfMibView);
  assert.equal(beyond!.oid, '2.1');
});

test('GET of a missing row is noSuchInstance; of a missing object noSuchObject', async () => {
  const [row, obj] = await get(pub, [reinstallOid(999), '1.3.6.1.4.1.8072.9999.9999.314.1.9.0']);
  assert.equal(row!.type, snmp.ObjectType.NoSuchInstance);
  assert.equal(obj!.type, snmp.ObjectType.NoSuchObject);
});

test('GETBULK with a huge max-repetitions still gets an answer (clamped)', async () => {
  // net-snmp's client nests the repetitions of each repeater in an array
  const vbs = (await getBulk(pub, [PIMAN_PORT_ENTRY], 0, 100_000)).flat() as Varbind[];
  assert.ok(vbs.length > 0 && vbs.length <= 50, `${vbs.length} varbinds`);
  assert.equal(vbs[0]!.oid, portColumnOid(PORT_COL.pimanPortMacAddress, 1, 1));
});

test('a walk of pimanSwitchTable shows each switch request queue (zero for a switch without stats)', async (t) => {
  const stats = { inFlight: 4, queued: 120, requests: 300, retried: 7, timedOut: 9, answering: true };
  Object.assign(f.sw1, { stats: () => stats });
  t.after(() => void delete (f.sw1 as { stats?: unknown }).stats);
  const cells = new Map<string, unknown>();
  await new Promise<void>((res, rej) =>
    pub.subtree(PIMAN_SWITCH_ENTRY, 20, (vbs) => vbs.forEach((v) => cells.set(v.oid.slice(PIMAN_SWITCH_ENTRY.length + 1), v.value)), (e) => (e ? rej(e) : res())),
  );
  const row = (sw: number): number[] =>
    [SWITCH_COL.pimanSwitchRequestsInFlight, SWITCH_COL.pimanSwitchRequestsQueued, SWITCH_COL.pimanSwitchRequests, SWITCH_COL.pimanSwitchRetries, SWITCH_COL.pimanSwitchTimeouts].map((c) =>
      Number(cells.get(`${c}.${sw}`)),
    );
  assert.deepEqual(row(1), [4, 120, 300, 7, 9]);
  assert.deepEqual(row(2), [0, 0, 0, 0, 0]);
  assert.equal(cells.get(`${SWITCH_COL.pimanSwitchName}.1`)?.toString(), 'sw1');
});

test('a walk of the port table with subtree() sees every port once per column', async () => {
  const seen: string[] = [];
  await new Promise<void>((res, rej) =>
    pub.subtree(PIMAN_PORT_ENTRY, 20, (vbs) => void seen.push(...vbs.map((v) => v.oid)), (e) => (e ? rej(e) : res())),
  );
  // 32 ports, 24 readable columns (10 of state, boot attempts, 3 of images, 10 of health)
  assert.equal(seen.length, 32 * 24);
  assert.equal(new Set(seen).size, seen.length);
});

test('a multi-varbind SET is all-or-nothing: one bad varbind and nothing changes', async () => {
  const calls = f.sw1.calls.length;
  assert.equal(await set(priv, [int(reinstallOid(10), 1), int(reinstallOid(999), 1)]), snmp.ErrorStatus.NoCreation);
  assert.equal(await set(priv, [int(reinstallOid(10), 1), int(reinstallOid(11), 3)]), snmp.ErrorStatus.WrongValue);
  assert.equal(
    await set(priv, [int(reinstallOid(10), 1), int(portColumnOid(PORT_COL.pimanPortRestart, 1, 10), 1)]),
    snmp.ErrorStatus.InconsistentValue,
    'two power actions for one port',
  );
  assert.equal(f.cluster.port({ switchIndex: 1, port: 10 })?.reinstall, false);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 11 })?.reinstall, false);
  assert.equal(f.sw1.calls.length, calls);
});

test('a valid multi-varbind SET applies every varbind', async () => {
  const both = Promise.all([12, 13].map((p) => nextEvent((e) => e.port.port === p && e.port.switchIndex === 1 && e.effect.type === 'stateChanged' && e.effect.to === 'poweringOn')));
  assert.equal(await set(priv, [int(reinstallOid(12), 1), int(reinstallOid(13), 1)]), 0);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 12 })?.reinstall, true);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 13 })?.reinstall, true);
  await both;
  // cancel one of them again
  assert.equal(await set(priv, [int(reinstallOid(13), 2)]), 0);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 13 })?.reinstall, false);
});

test('a SET while the port power-cycles answers inconsistentValue; restart reads false(2)', async () => {
  f.sw1.delayMs = 200;
  const on = nextEvent((e) => e.port.port === 14 && e.port.switchIndex === 1 && e.effect.type === 'stateChanged' && e.effect.to === 'poweringOn');
  try {
    assert.equal(await set(priv, [int(portColumnOid(PORT_COL.pimanPortRestart, 1, 14), 1)]), 0);
    assert.equal(await set(priv, [int(reinstallOid(14), 1)]), snmp.ErrorStatus.InconsistentValue);
    assert.equal(await set(priv, [int(portColumnOid(PORT_COL.pimanPortPower, 1, 14), 2)]), snmp.ErrorStatus.InconsistentValue);
    assert.equal(f.cluster.port({ switchIndex: 1, port: 14 })?.reinstall, false);
    const [restart] = await get(pub, [portColumnOid(PORT_COL.pimanPortRestart, 1, 14)]);
    assert.equal(restart!.value, 2);
    await on;
  } finally {
    f.sw1.delayMs = 0;
  }
});

test('cancelling a reinstall while the install runs answers inconsistentValue', async () => {
  const key = { switchIndex: 2, port: 3 };
  for (const ev of [{ type: 'markReinstall' }, { type: 'powerOn' }, { type: 'dhcp', pxe: true }, { type: 'hello' }, { type: 'decision', action: 'format' }] as const) {
    f.cluster.apply(key, ev);
  }
  assert.equal(f.cluster.port(key)?.state, 'installing');
  assert.equal(await set(priv, [int(reinstallOid(3, 2), 2)]), snmp.ErrorStatus.InconsistentValue);
  assert.equal(f.cluster.port(key)?.reinstall, true);
});

test('a value of the wrong type answers wrongType and changes nothing', async () => {
  assert.equal(await set(priv, [{ oid: reinstallOid(15), type: snmp.ObjectType.OctetString, value: '1' }]), snmp.ErrorStatus.WrongType);
  assert.equal(await set(priv, [{ oid: reinstallOid(15), type: snmp.ObjectType.Gauge, value: 1 }]), snmp.ErrorStatus.WrongType);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 15 })?.reinstall, false);
});

test('a wrong community gets no answer and is counted in snmpInBadCommunityNames', async () => {
  const bad = session('not-a-community', { timeout: 300, retries: 0 });
  await assert.rejects(get(bad, [reinstallOid(1)]), /timed out/i);
  const [count] = await get(pub, [`${SNMP_GROUP}.${SNMP_STATS.snmpInBadCommunityNames}.0`]);
  assert.ok(Number(count!.value) >= 1);
});

/** A v2c GET of one OID whose BER content bytes are `oidBytes`. */
function rawGet(oidBytes: number[]): Buffer {
  const o = Buffer.from([0x06, oidBytes.length, ...oidBytes]);
  const vb = Buffer.concat([Buffer.from([0x30, o.length + 2]), o, Buffer.from([0x05, 0x00])]);
  const vbl = Buffer.concat([Buffer.from([0x30, vb.length]), vb]);
  const pdu = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00]), vbl]);
  const pduT = Buffer.concat([Buffer.from([0xa0, pdu.length]), pdu]);
  const body = Buffer.concat([Buffer.from([0x02, 0x01, 0x01, 0x04, 0x06]), Buffer.from('public'), pduT]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

test('a GET whose OID starts with byte 0x78 (throws inside net-snmp) is dropped; the agent keeps answering', async (t) => {
  const sock = dgram.createSocket('udp4');
  t.after(() => sock.close());
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const send = (b: Buffer): Promise<void> => new Promise((r, j) => sock.send(b, f.agent.port, '127.0.0.1', (e) => (e ? j(e) : r())));
  await send(rawGet([0x78, 0x01]));
  // random corruptions of a valid request: none may take the agent down
  const valid = rawGet([0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00]);
  const packets = fc.sample(
    fc.oneof(
      fc.uint8Array({ minLength: 0, maxLength: 80 }).map((a) => Buffer.from(a)),
      fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })).map(([i, b]) => {
        const c = Buffer.from(valid);
        c[i] = b;
        return c;
      }),
      fc.uint8Array({ minLength: 1, maxLength: 12 }).map((oid) => rawGet([...oid])),
    ),
    { numRuns: 400, seed: 314 },
  );
  for (const p of packets) await send(p);
  const [descr] = await get(pub, ['1.3.6.1.2.1.1.1.0']);
  assert.match(String(descr!.value), /^piman /);
  const [errs] = await get(pub, [`${SNMP_GROUP}.${SNMP_STATS.snmpInASNParseErrs}.0`]);
  assert.ok(Number(errs!.value) >= 1);
});

test('when the mark cannot be stored the SET answers commitFailed, the mark is undone and nothing is power-cycled', async (t) => {
  class FailingStore extends MemoryStateStore {
    fail = false;
    override save(snapshot: () => ClusterSnapshot): Promise<void> {
      return this.fail ? Promise.reject(new Error('disk full')) : super.save(snapshot);
    }
  }
  const store = new FailingStore();
  const g = await startAgentFixture({ store });
  t.after(() => {
    store.fail = false;
    return g.stop();
  });
  const s = snmp.createSession('127.0.0.1', 'private', { port: g.agent.port, version: snmp.Version2c, timeout: 3000, retries: 0 });
  s.on('error', () => undefined);
  t.after(() => s.close());
  store.fail = true;
  assert.equal(await set(s, [int(reinstallOid(7), 1)]), snmp.ErrorStatus.CommitFailed);
  assert.equal(g.cluster.port({ switchIndex: 1, port: 7 })?.reinstall, false);
  assert.equal(g.sw1.calls.length, 0);
  assert.equal(g.power.isBusy({ switchIndex: 1, port: 7 }), false);
});
