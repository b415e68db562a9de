/**
 * The agent's one access decision (access.ts) and PDU processing
 * (process.ts) over a small MIB: reads per version, the caps, and a SET in
 * its phases, where a failure in any phase leaves nothing reserved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import snmp from 'net-snmp';
import { decide, type Principal } from '../../src/snmp/access.js';
import { MibView } from '../../src/snmp/mib-view.js';
import { DEFAULT_LIMITS, ERR, processPdu, v1Status, type Outcome, type ProcessContext, type SetHandler, type SetTest } from '../../src/snmp/process.js';
import { decodeMessage, TAG, type RequestPdu } from '../../src/snmp/wire.js';
import { GET, GETBULK, GETNEXT, SET, communityMessage, int, pdu, str, type VarbindIn } from '../helpers/snmp-packets.js';

const BASE = '1.3.6.1.4.1.99999';
const RO: Principal = { name: 'public', model: 'community', access: 'ro' };
const RW: Principal = { name: 'private', model: 'community', access: 'rw' };
const A = snmp.MaxAccess;

test('decide: reads need read-only objects; writes a read-write principal and object', () => {
  for (const who of [RO, RW]) {
    assert.equal(decide(who, 'read', A['not-accessible']), 'noAccess');
    assert.equal(decide(who, 'read', A['accessible-for-notify']), 'noAccess');
    assert.equal(decide(who, 'read', A['read-only']), 'ok');
    assert.equal(decide(who, 'read', A['read-write']), 'ok');
    assert.equal(decide(who, 'write', A['not-accessible']), 'noAccess');
  }
  assert.equal(decide(RO, 'write', A['read-write']), 'noAccess');
  assert.equal(decide(RW, 'write', A['read-only']), 'notWritable');
  assert.equal(decide(RW, 'write', A['read-write']), 'ok');
  assert.equal(decide({ ...RW, model: 'usm' }, 'write', A['read-create']), 'ok');
});

test('v1Status maps v2 errors as RFC 2576 4.4 says', () => {
  assert.equal(v1Status(ERR.noAccess), ERR.noSuchName);
  assert.equal(v1Status(ERR.notWritable), ERR.noSuchName);
  assert.equal(v1Status(ERR.noCreation), ERR.noSuchName);
  assert.equal(v1Status(ERR.wrongValue), ERR.badValue);
  assert.equal(v1Status(ERR.inconsistentValue), ERR.badValue);
  assert.equal(v1Status(ERR.commitFailed), ERR.genErr);
  assert.equal(v1Status(ERR.tooBig), ERR.tooBig);
});

function mib(): MibView {
  const m = snmp.createMib();
  const done = (r: { done(): void }): void => r.done();
  m.registerProvider({ name: 'ro', type: 1, oid: `${BASE}.1`, scalarType: TAG.INTEGER, maxAccess: A['read-only'], handler: done });
  m.setScalarValue('ro', 1);
  m.registerProvider({
    name: 'tbl',
    type: 2,
    oid: `${BASE}.2.1`,
    maxAccess: 0,
    tableColumns: [
      { number: 1, name: 'idx', type: TAG.INTEGER, maxAccess: A['not-accessible'] },
      { number: 2, name: 'val', type: TAG.INTEGER, maxAccess: A['read-write'] },
      { number: 3, name: 'big', type: TAG.COUNTER64, maxAccess: A['read-only'] },
    ],
    tableIndex: [{ columnName: 'idx' }],
    handler: done,
  });
  for (let i = 1; i <= 300; i++) m.addTableRow('tbl', [i, i * 10, Buffer.from([0, 0, 0, 1, 0, 0, 0, 0])]);
  return new MibView(m);
}

interface Spy {
  handler: SetHandler;
  calls: number;
  reserved: number;
  commits: number;
  releases: number;
}

/** A handler that reserves on a passing test, like piman's, and reports what happened. */
function spy(result: 'ok' | 'fail' | 'commitThrows' | 'commitRejects'): Spy {
  const s: Spy = {
    calls: 0,
    reserved: 0,
    commits: 0,
    releases: 0,
    handler: (): SetTest => {
      s.calls++;
      if (result === 'fail') return { ok: false, index: 0, status: ERR.inconsistentValue };
      s.reserved++;
      const release = (): void => {
        s.releases++;
        s.reserved--;
      };
      return {
        ok: true,
        release,
        commit: () => {
          s.commits++;
          if (result === 'commitThrows') throw new Error('boom');
          release();
          return result === 'commitRejects' ? Promise.reject(new Error('disk full')) : Promise.resolve();
        },
      };
    },
  };
  return s;
}

function ctx(view: MibView, setHandler: SetHandler | null = null): ProcessContext {
  return { view, limits: DEFAULT_LIMITS, setHandler };
}

function req(version: 0 | 1, type: number, vbs: readonly VarbindIn[], a = 0, b = 0): RequestPdu {
  const m = decodeMessage(communityMessage(version, 'c', pdu(type, 1, vbs, a, b)));
  assert.ok(m && m.version !== 3);
  return m.pdu;
}

const values = (o: Outcome): string[] => {
  assert.equal(o.kind, 'values');
  return o.kind === 'values' ? o.varbinds.map((v) => `${v.oid}=${v.type === TAG.COUNTER64 ? 'c64' : String(v.value ?? v.type)}`) : [];
};

test('GET and GETNEXT in v2c: exceptions per varbind; in v1: noSuchName and Counter64 skipped', async () => {
  const view = mib();
  const c = ctx(view);
  assert.deepEqual(values(await processPdu(c, false, RO, req(1, GET, [[`${BASE}.1.0`], [`${BASE}.2.1.2.999`], [`${BASE}.7.0`]]))), [
    `${BASE}.1.0=1`,
    `${BASE}.2.1.2.999=${TAG.NO_SUCH_INSTANCE}`,
    `${BASE}.7.0=${TAG.NO_SUCH_OBJECT}`,
  ]);
  assert.deepEqual(await processPdu(c, true, RO, req(0, GET, [[`${BASE}.1.0`], [`${BASE}.7.0`]])), { kind: 'error', status: ERR.noSuchName, index: 2, echo: true });
  assert.deepEqual(await processPdu(c, true, RO, req(0, GET, [[`${BASE}.2.1.3.1`]])), { kind: 'error', status: ERR.noSuchName, index: 1, echo: true }, 'no Counter64 in v1');
  assert.deepEqual(values(await processPdu(c, false, RO, req(1, GETNEXT, [[`${BASE}.2.1.2.300`]]))), [`${BASE}.2.1.3.1=c64`]);
  assert.deepEqual(await processPdu(c, true, RO, req(0, GETNEXT, [[`${BASE}.2.1.2.300`]])), { kind: 'error', status: ERR.noSuchName, index: 1, echo: true });
  // the index column is not-accessible: never shown
  assert.deepEqual(values(await processPdu(c, false, RO, req(1, GETNEXT, [[`${BASE}.2`]]))), [`${BASE}.2.1.2.1=10`]);
});

test('caps: more than 128 varbinds is tooBig; a GETBULK reply holds at most 100 varbinds', async () => {
  const view = mib();
  const c = ctx(view);
  const many = new Array(129).fill(null).map(() => [`${BASE}.1.0`] as const);
  assert.deepEqual(await processPdu(c, false, RO, req(1, GETNEXT, many)), { kind: 'error', status: ERR.tooBig, index: 0, echo: false });
  assert.deepEqual(await processPdu(c, true, RO, req(0, GETNEXT, many)), { kind: 'error', status: ERR.tooBig, index: 0, echo: true });
  const bulk = await processPdu(c, false, RO, req(1, GETBULK, new Array(40).fill(null).map(() => [BASE] as const), 0, 1_000_000));
  assert.equal(values(bulk).length, 100);
  const oneCursor = await processPdu(c, false, RO, req(1, GETBULK, [[BASE]], 0, 1_000_000));
  assert.equal(values(oneCursor).length, DEFAULT_LIMITS.maxRepetitions, 'max-repetitions clamped');
});

const setReq = (version: 0 | 1, vbs: readonly VarbindIn[]): RequestPdu => req(version, SET, vbs);

test('SET phase 1 (access): a refusal never reaches the handler, nothing is reserved', async () => {
  const view = mib();
  const s = spy('ok');
  const c = ctx(view, s.handler);
  const cases: [Principal, VarbindIn[], number][] = [
    [RO, [[`${BASE}.2.1.2.1`, int(1)]], ERR.noAccess],
    [RW, [[`${BASE}.2.1.2.1`, int(1)], [`${BASE}.1.0`, int(1)]], ERR.notWritable],
    [RW, [[`${BASE}.9.9`, int(1)]], ERR.notWritable],
    [RW, [[`${BASE}.1.1`, int(1)]], ERR.notWritable],
  ];
  for (const [who, vbs, status] of cases) {
    const o = await processPdu(c, false, who, setReq(1, vbs));
    assert.equal(o.kind === 'error' && o.status, status, JSON.stringify(vbs));
    assert.equal(o.kind === 'error' && o.index, vbs.length);
  }
  assert.equal(s.calls, 0);
  assert.equal(s.reserved, 0);
  const v1 = await processPdu(c, true, RO, setReq(0, [[`${BASE}.2.1.2.1`, int(1)]]));
  assert.equal(v1.kind === 'error' && v1.status, ERR.noSuchName);
});

test('SET phase 2 (test): a refusal reserves nothing and names the varbind', async () => {
  const s = spy('fail');
  const o = await processPdu(ctx(mib(), s.handler), false, RW, setReq(1, [[`${BASE}.2.1.2.1`, str('x')]]));
  assert.deepEqual(o, { kind: 'error', status: ERR.inconsistentValue, index: 1, echo: true });
  assert.equal(s.calls, 1);
  assert.equal(s.reserved, 0);
});

test('SET phase 3 (commit): a commit that throws or rejects releases every reservation, commitFailed', async () => {
  for (const mode of ['commitThrows', 'commitRejects'] as const) {
    const s = spy(mode);
    const o = await processPdu(ctx(mib(), s.handler), false, RW, setReq(1, [[`${BASE}.2.1.2.1`, int(5)]]));
    assert.deepEqual(o, { kind: 'error', status: ERR.commitFailed, index: 1, echo: true }, mode);
    assert.equal(s.reserved, 0, mode);
    assert.equal(s.releases, 1, `${mode}: released exactly once`);
  }
});

test('SET success: one test, one commit, the request echoed with noError', async () => {
  const s = spy('ok');
  const o = await processPdu(ctx(mib(), s.handler), false, RW, setReq(1, [[`${BASE}.2.1.2.1`, int(5)], [`${BASE}.2.1.2.999`, int(5)]]));
  assert.deepEqual(o, { kind: 'error', status: ERR.noError, index: 0, echo: true });
  assert.equal(s.calls, 1);
  assert.equal(s.commits, 1);
  assert.equal(s.reserved, 0);
});

test('lookups are linear: a GET of 128 sub-identifiers 10,000 times stays fast', () => {
  const view = mib();
  const long = [1, 3, 6, 1, 4, 1, 99999, 2, 1, 2, ...new Array<number>(118).fill(5)];
  const t0 = performance.now();
  for (let i = 0; i < 10_000; i++) view.find(long);
  assert.ok(performance.now() - t0 < 500, `${(performance.now() - t0).toFixed(0)} ms`);
});

test("net-snmp's Mib tree has the shape MibView reads (pinned version; fails when an upgrade changes it)", () => {
  const view = mib();
  const scalar = view.find([1, 3, 6, 1, 4, 1, 99999, 1, 0]);
  assert.ok(scalar.node && MibView.isInstance(scalar.node));
  assert.equal(scalar.node.oid, `${BASE}.1.0`);
  assert.deepEqual(scalar.node.address, [1, 3, 6, 1, 4, 1, 99999, 1, 0]);
  assert.equal(scalar.node.value, 1);
  assert.equal(scalar.node.valueType, TAG.INTEGER);
  assert.equal(scalar.provider?.provider?.name, 'ro');
  assert.equal(MibView.providerOf(scalar.node), scalar.provider);
  const cell = view.find([1, 3, 6, 1, 4, 1, 99999, 2, 1, 2, 7]);
  assert.ok(cell.node && MibView.isInstance(cell.node));
  assert.equal(cell.node.value, 70);
  assert.equal(cell.provider?.provider?.name, 'tbl');
  assert.equal(view.maxAccess(cell.provider!, cell.node.address), A['read-write']);
  assert.equal(view.index.size, 301 + 300, 'one scalar, two readable columns of 300 rows (the index column holds no instances)');
});
