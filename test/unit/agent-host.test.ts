/**
 * The generic agent host (src/snmp): walks across empty tables and table
 * ends on both read paths, port 0, and the crash guard on the socket.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import snmp, { type Session, type Varbind } from 'net-snmp';
import { startAgentHost, type AgentHost } from '../../src/snmp/agent-host.js';
import { guardSocket } from '../../src/snmp/guarded-dgram.js';

const BASE = '1.3.6.1.4.1.99999';

async function host(): Promise<AgentHost> {
  const h = await startAgentHost({ address: '127.0.0.1', port: 0, communities: [{ name: 'public', access: 'ro' }] });
  const T = snmp.ObjectType;
  const done = (r: { done(): void }): void => r.done();
  h.mib.registerProvider({ name: 'a', type: 1, oid: `${BASE}.1`, scalarType: T.Integer, maxAccess: 2, handler: done });
  h.mib.setScalarValue('a', 1);
  const table = (name: string, oid: string) =>
    h.mib.registerProvider({
      name,
      type: 2,
      oid,
      maxAccess: 0,
      tableColumns: [
        { number: 1, name: `${name}Index`, type: T.Integer, maxAccess: 0 },
        { number: 2, name: `${name}Value`, type: T.OctetString, maxAccess: 2 },
      ],
      tableIndex: [{ columnName: `${name}Index` }],
      handler: done,
    });
  table('empty', `${BASE}.2.1`);
  table('full', `${BASE}.3.1`);
  h.mib.addTableRow('full', [1, 'one']);
  h.mib.addTableRow('full', [2, 'two']);
  h.mib.registerProvider({ name: 'b', type: 1, oid: `${BASE}.4`, scalarType: T.Integer, maxAccess: 2, handler: done });
  h.mib.setScalarValue('b', 4);
  h.invalidateIndex();
  return h;
}

/** net-snmp walks with GETBULK; one repetition per request is the GETNEXT-like walk. */
function walk(s: Session, oid: string, repetitions: number): Promise<Varbind[]> {
  const out: Varbind[] = [];
  return new Promise((res, rej) => s.subtree(oid, repetitions, (vbs) => void out.push(...vbs), (e) => (e ? rej(e) : res(out))));
}

{
  test('walks skip an empty table and cross table ends', async (t) => {
    const h = await host();
    t.after(() => h.close());
    assert.ok(h.port > 0 && h.port !== 161, 'port 0 picks a free port');
    const s = snmp.createSession('127.0.0.1', 'public', { port: h.port, version: snmp.Version2c, timeout: 2000, retries: 1 });
    s.on('error', () => undefined);
    t.after(() => s.close());
    for (const repetitions of [1, 10]) {
      const got = await walk(s, BASE, repetitions);
      assert.deepEqual(
        got.map((v) => `${v.oid.slice(BASE.length + 1)}=${Buffer.isBuffer(v.value) ? v.value.toString() : String(v.value)}`),
        ['1.0=1', '3.1.2.1=one', '3.1.2.2=two', '4.0=4'],
      );
    }
    const [afterEmpty, end] = await new Promise<Varbind[]>((res, rej) =>
      s.getNext([`${BASE}.2`, `${BASE}.4.0`], (e, v) => (e ? rej(e) : res(v ?? []))),
    );
    assert.equal(afterEmpty!.oid, `${BASE}.3.1.2.1`);
    assert.equal(end!.type, snmp.ObjectType.EndOfMibView);
    // max-repetitions 0 and no non-repeaters: an empty answer, not silence
    const none = await new Promise<Varbind[]>((res, rej) => s.getBulk([BASE], 0, 0, (e, v) => (e ? rej(e) : res(v ?? []))));
    assert.deepEqual(none.flat(), []);
  });
}

test('guardSocket: a throwing message listener is reported, the socket keeps working', async (t) => {
  const errors: unknown[] = [];
  const sock = dgram.createSocket('udp4');
  guardSocket(sock, (e) => errors.push(e));
  t.after(() => sock.close());
  const got: string[] = [];
  sock.on('message', (m: Buffer) => {
    if (m.toString() === 'boom') throw new Error('parser blew up');
    got.push(m.toString());
  });
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const client = dgram.createSocket('udp4');
  t.after(() => client.close());
  const { port } = sock.address();
  const arrived = new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (got.includes('ok')) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  client.send('boom', port, '127.0.0.1');
  client.send('ok', port, '127.0.0.1');
  await Promise.race([arrived, new Promise((_, rej) => setTimeout(() => rej(new Error('no message')), 10_000))]);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /parser blew up/);
});
