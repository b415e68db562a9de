import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import fc from 'fast-check';
import snmp from 'net-snmp';
import { reportableMsgId, wrongDigestReport } from '../../src/snmp/usm-report.js';

/** A real authPriv GET as net-snmp's client sends it (to a socket that never answers). */
async function capturedV3Request(): Promise<Buffer> {
  const sink = createSocket('udp4');
  sink.bind(0, '127.0.0.1');
  await once(sink, 'listening');
  const got = once(sink, 'message') as Promise<[Buffer]>;
  const user = { name: 'admin', level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha256, authKey: 'auth-pass-phrase', privProtocol: snmp.PrivProtocols.aes, privKey: 'priv-pass-phrase' };
  const s = snmp.createV3Session('127.0.0.1', user, { port: sink.address().port, timeout: 200, retries: 0 });
  s.on('error', () => undefined);
  s.get(['1.3.6.1.2.1.1.5.0'], () => undefined);
  const [packet] = await got;
  s.close();
  sink.close();
  return packet;
}

/** TLVs inside `b[start, end)`: tag, content start and end. */
function children(b: Buffer, start: number, end: number): { tag: number; start: number; end: number }[] {
  const out = [];
  let p = start;
  while (p < end) {
    const tag = b[p]!;
    let len = b[p + 1]!;
    let c = p + 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + b[c + i]!;
      c += n;
    }
    out.push({ tag, start: c, end: c + len });
    p = c + len;
  }
  return out;
}
const uint = (b: Buffer, t: { start: number; end: number }): number => [...b.subarray(t.start, t.end)].reduce((v, x) => v * 256 + x, 0);

const engine = { engineID: Buffer.from('8000b98380a1b2c3d4e5f60718', 'hex'), engineBoots: 1, engineTime: 10 };

test('the report answers a reportable v3 request: same msgID, noAuthNoPriv, our engine, usmStatsWrongDigests.0 = count', async () => {
  const req = await capturedV3Request();
  const msgId = reportableMsgId(req);
  assert.ok(msgId !== null, 'the client marks its request reportable');
  const rep = wrongDigestReport(req, engine, 7)!;
  const [msg] = children(rep, 0, rep.length);
  const [version, global, usmOctets, scoped] = children(rep, msg!.start, msg!.end);
  assert.equal(uint(rep, version!), 3);
  const [id, , flags, model] = children(rep, global!.start, global!.end);
  assert.equal(uint(rep, id!), msgId);
  assert.equal(uint(rep, flags!), 0, 'noAuthNoPriv, not reportable');
  assert.equal(uint(rep, model!), 3, 'USM');
  const [usm] = children(rep, usmOctets!.start, usmOctets!.end);
  const [engineId, boots, time, user] = children(rep, usm!.start, usm!.end);
  assert.deepEqual(rep.subarray(engineId!.start, engineId!.end), engine.engineID);
  assert.deepEqual([uint(rep, boots!), uint(rep, time!), user!.end - user!.start], [1, 10, 0]);
  const [, , pdu] = children(rep, scoped!.start, scoped!.end);
  assert.equal(pdu!.tag, 0xa8, 'Report-PDU');
  const [, , , vbl] = children(rep, pdu!.start, pdu!.end);
  const [vb] = children(rep, vbl!.start, vbl!.end);
  const [name, value] = children(rep, vb!.start, vb!.end);
  assert.deepEqual([...rep.subarray(name!.start, name!.end)], [0x2b, 6, 1, 6, 3, 15, 1, 1, 5, 0]);
  assert.equal(value!.tag, 0x41, 'Counter32');
  assert.equal(uint(rep, value!), 7);
});

test('no report for what is not a reportable v3 request: a report, v2c, garbage', async () => {
  const req = await capturedV3Request();
  const notReportable = Buffer.from(req);
  const [msg] = children(req, 0, req.length);
  const [, global] = children(req, msg!.start, msg!.end);
  const [, , flags] = children(req, global!.start, global!.end);
  notReportable[flags!.start] = notReportable[flags!.start]! & ~0x04;
  assert.equal(wrongDigestReport(notReportable, engine, 1), null);
  assert.equal(wrongDigestReport(wrongDigestReport(req, engine, 1)!, engine, 1), null, 'a report never answers a report');
  const v2c = Buffer.from('302602010104067075626c6963a019020412345678020100020100300b300906052b060102010500', 'hex');
  assert.equal(wrongDigestReport(v2c, engine, 1), null);
});

test('property: any bytes, whole or mutated requests, never throw', async () => {
  const req = await capturedV3Request();
  const mutated = fc.array(fc.tuple(fc.nat(req.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }).map((edits) => {
    const b = Buffer.from(req);
    for (const [i, v] of edits) b[i] = v;
    return b;
  });
  fc.assert(
    fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)), mutated), (b) => {
      const r = wrongDigestReport(b, engine, 3);
      if (r) assert.equal(reportableMsgId(r), null);
    }),
    { numRuns: 5000 },
  );
});
