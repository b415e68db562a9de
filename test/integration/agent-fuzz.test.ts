/**
 * Fuzz of the agent's whole request path over UDP: at least 100,000 mixed
 * SNMPv1/v2c/v3 packets (valid requests of every kind, SETs, v3 discovery,
 * authPriv, absurd OIDs, and mutations of all of them), while a Pi's hello
 * on the control channel (same process, as in the daemon) is answered
 * within 100 ms the whole time (99 in 100; the rest within 1 s, as the
 * machine may be shared). The agent must never throw and must still
 * answer at the end. FUZZ_SEED=n replays a run; FUZZ_PACKETS changes the count.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import snmp from 'net-snmp';
import { startAgentFixture, startProbeControl, V3_USER } from '../helpers/agent-fixture.js';
import { PIMAN_PORT_ENTRY, PORT_COL, portColumnOid } from '../../src/agent/oids.js';
import { LineClient } from '../helpers/line-client.js';
import {
  GET, GETBULK, GETNEXT, SET, communityMessage, exchange, int, oid, pdu, readReply, str, tlv, udpClient, v3AuthPriv, v3Message, type VarbindIn,
} from '../helpers/snmp-packets.js';

const PACKETS = Number(process.env.FUZZ_PACKETS ?? 100_000);
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const PI = { switchIndex: 2, port: 6, mac: 'dc:a6:32:09:09:0a', ip: '127.0.0.10', hostname: 'pi-fuzz' };

/** mulberry32: small, seedable, good enough to pick mutations. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test(`fuzz: ${PACKETS} mixed packets through the whole request path; the control channel answers within 100 ms (seed ${SEED})`, { timeout: 180_000 }, async (t) => {
  const f = await startAgentFixture({ extraHosts: [PI] });
  const control = await startProbeControl(f.cluster);
  const client = await udpClient();
  t.after(async () => {
    client.close();
    await control.stop();
    await f.stop();
  });
  const rand = rng(SEED);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const port = f.agent.port;

  // Learn the engine for valid v3 requests.
  const disc = readReply((await exchange(client, port, v3Message({ msgId: 1, engineId: Buffer.alloc(0), user: '', pdu: pdu(GET, 1, []) })))!);
  const engineId = disc.engineId!;

  const oids = ['1.3.6.1', '1.3.6.1.2.1.1.1.0', '1.3.6.1.2.1.1.3.0', PIMAN_PORT_ENTRY, `${PIMAN_PORT_ENTRY}.2.1.7`, '1.3.6.1.6.3.10.2.1.1.0', '0.0', '2.999.1', '1.3.6.1.4.1.8072.9999.9999.314.1.4.1'];
  const writable = [PORT_COL.pimanPortReinstall, PORT_COL.pimanPortRestart, PORT_COL.pimanPortPower, PORT_COL.pimanPortHostname];
  const values = [int(1), int(2), int(3), int(-1), str('x'), tlv(0x40, Buffer.from([1, 2, 3, 4])), Buffer.from([0x05, 0x00]), tlv(0x41, Buffer.from([1]))];
  const varbinds = (n: number): VarbindIn[] => Array.from({ length: n }, () => [pick(oids)] as const);
  const valid = (): Buffer => {
    const kind = Math.floor(rand() * 10);
    const comm = pick(['public', 'private', 'public', 'wrong', '']);
    switch (kind) {
      case 0:
        return communityMessage(0, comm, pdu(pick([GET, GETNEXT]), Math.floor(rand() * 2 ** 31), varbinds(1 + Math.floor(rand() * 4))));
      case 1:
      case 2:
        return communityMessage(1, comm, pdu(pick([GET, GETNEXT]), Math.floor(rand() * 2 ** 31), varbinds(1 + Math.floor(rand() * 4))));
      case 3:
        return communityMessage(1, comm, pdu(GETBULK, 7, varbinds(1 + Math.floor(rand() * 3)), Math.floor(rand() * 3), Math.floor(rand() * 2000)));
      case 4: {
        const col = pick(writable);
        // ports 9..24 of switch 1: no Pi there, and cycles are fast in the fixture
        const target = portColumnOid(col, pick([1, 1, 2, 3]), 9 + Math.floor(rand() * 20));
        return communityMessage(pick([0, 1]), pick(['private', 'public']), pdu(SET, 9, [[target, pick(values)]]));
      }
      case 5:
        return v3Message({ msgId: Math.floor(rand() * 2 ** 31), engineId: pick([engineId, Buffer.alloc(0), Buffer.from('80001f8805', 'hex')]), user: pick(['', 'nobody', V3_USER.name]), flags: pick([0, 4, 5, 7]), pdu: pdu(pick([GET, GETNEXT, GETBULK]), 3, varbinds(1)) });
      case 6:
        return v3AuthPriv({
          msgId: Math.floor(rand() * 2 ** 31), engineId, boots: disc.engineBoots!, time: disc.engineTime!, user: V3_USER.name,
          auth: snmp.AuthProtocols.sha256, authKey: V3_USER.authKey, priv: snmp.PrivProtocols.aes, privKey: V3_USER.privKey,
          pdu: pdu(pick([GET, GETNEXT, GETBULK]), 5, varbinds(1 + Math.floor(rand() * 3)), 0, 10),
          ...(rand() < 0.3 ? { signWith: 'not-the-key' } : {}),
        });
      case 7:
        // long OIDs: around snmpd's bound of 128, and absurd
        return communityMessage(1, 'public', pdu(pick([GET, GETNEXT, SET]), 11, [[[1, 3, ...new Array<number>(pick([126, 127, 200, 3000])).fill(1)], int(1)]]));
      case 8:
        return communityMessage(1, 'public', pdu(GETNEXT, 12, varbinds(pick([0, 1, 127, 128, 129, 300]))));
      default:
        return Buffer.from(Array.from({ length: Math.floor(rand() * 80) }, () => Math.floor(rand() * 256)));
    }
  };
  const mutate = (b: Buffer): Buffer => {
    const m = Buffer.from(b);
    const n = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < n; i++) {
      const at = Math.floor(rand() * m.length);
      const how = rand();
      if (how < 0.5) m[at] = Math.floor(rand() * 256);
      else if (how < 0.7) m[at] = pick([0x00, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff]);
      else if (how < 0.85) return m.subarray(0, at);
      else m[at] = m[at]! ^ 0x80;
    }
    return m;
  };
  // One huge OID (60,000 sub-identifiers) now and then, built once.
  const huge = communityMessage(1, 'public', pdu(GET, 13, [[[1, 3, ...new Array<number>(59_998).fill(1)]]]));

  // Made beforehand, so the event loop the agent shares with the control channel only sends and answers.
  const packets: Buffer[] = [];
  for (let i = 0; i < PACKETS; i++) {
    const p = i % 5000 === 4999 ? huge : rand() < 0.5 ? valid() : mutate(valid());
    packets.push(p.length ? p : Buffer.from([0]));
  }

  // The control-channel probe, all along.
  const latencies: number[] = [];
  let probing = true;
  const probe = (async () => {
    while (probing) {
      const t0 = performance.now();
      const c = await LineClient.connect(control.address().port, PI.ip);
      try {
        await c.waitFor((ls) => ls.length > 0, 'the date command', 2000);
        latencies.push(performance.now() - t0);
      } finally {
        c.close();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  client.on('message', () => undefined);
  const start = f.agent.stats.inPkts;
  let sent = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  while (f.agent.stats.inPkts - start < PACKETS) {
    for (let i = 0; i < 64; i++) client.send(packets[sent++ % packets.length]!, port, '127.0.0.1');
    // Let the agent (and the probe) run; wait for this burst or 20 ms (the kernel may drop a few).
    const target = sent;
    const until = performance.now() + 20;
    await new Promise((r) => setImmediate(r));
    while (f.agent.stats.inPkts - start < target && performance.now() < until) await new Promise((r) => setTimeout(r, 1));
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  probing = false;
  await probe;
  const processed = f.agent.stats.inPkts - start;
  const sorted = [...latencies].sort((a, b) => a - b);
  const pct = (q: number): string => (sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN).toFixed(1);
  t.diagnostic(`hello latency p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms, max ${pct(1)} ms; over 100 ms: ${sorted.filter((x) => x >= 100).length}`);
  t.diagnostic(`${processed} packets in ${seconds.toFixed(1)} s (${((cpu.user + cpu.system) / processed).toFixed(0)} µs CPU each, sending and answering), ${latencies.length} hellos, slowest ${Math.max(...latencies).toFixed(1)} ms; seed ${SEED}`);
  assert.ok(processed >= PACKETS);
  assert.equal(f.agent.stats.internalErrors, 0, 'no request threw inside the agent');
  assert.ok(latencies.length >= 5, 'the probe ran');
  // 99 in 100 hellos within 100 ms, and never a stall: on a machine shared with other
  // jobs a lone hello can wait for a CPU longer than that whatever the agent does.
  assert.ok(Number(pct(0.99)) < 100, `p99 of the hellos ${pct(0.99)} ms (seed ${SEED})`);
  assert.ok(Number(pct(1)) < 1000, `slowest hello ${pct(1)} ms (seed ${SEED})`);
  // Still the agent it was (asked from a fresh socket: late fuzz replies may still arrive on the other).
  const fresh = await udpClient();
  t.after(() => fresh.close());
  const after = readReply((await exchange(fresh, port, communityMessage(1, 'public', pdu(GET, 99, [['1.3.6.1.2.1.1.5.0']]))))!);
  assert.equal(after.requestId, 99);
  assert.equal(after.varbinds[0]!.value.toString(), 'piman-test');
});
