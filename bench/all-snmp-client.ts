/**
 * SNMP client of bench/all.ts, run inside a server namespace (the agents
 * listen on its 127.0.0.1): `all-snmp-client.ts PORT OID SECONDS` prints one
 * JSON line: GET/s sequential and with 16 in flight (net-snmp client), and
 * with 16 in flight from the lean load generator of bench/snmp-load.ts (the
 * server is the limit there, not the client),
 * and the OID of the first cell that answers under OID (a table or a cell).
 */
import snmp, { type Session, type Varbind } from 'net-snmp';
import { loadGen } from './snmp-load.js';

const [portText, base, secondsText] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText ?? 1);

function session(timeout = 2000): Session {
  const s = snmp.createSession('127.0.0.1', 'public', { port, version: snmp.Version2c, timeout, retries: 2 });
  s.on('error', () => undefined);
  return s;
}
const get = (s: Session, oid: string): Promise<Varbind[]> => new Promise((res, rej) => s.get([oid], (e, v) => (e ? rej(e) : res(v ?? []))));
const getNext = (s: Session, oid: string): Promise<Varbind[]> => new Promise((res, rej) => s.getNext([oid], (e, v) => (e ? rej(e) : res(v ?? []))));

const s = session();
const [first] = await getNext(s, base!);
if (!first || snmp.isVarbindError(first)) throw new Error(`nothing under ${base} on port ${port}`);
const oid = first.oid;
// warm-up (JIT, caches), then sequential GETs for `seconds`
for (let i = 0; i < 200; i++) await get(s, oid);
let n = 0;
const end = performance.now() + seconds * 1000;
while (performance.now() < end) {
  await get(s, oid);
  n++;
}
let m = 0;
const end16 = performance.now() + seconds * 1000;
await Promise.all(
  Array.from({ length: 16 }, async () => {
    while (performance.now() < end16) {
      await get(s, oid);
      m++;
    }
  }),
);
s.close();
const gen = await loadGen(port, 'public', oid, 16, seconds);
process.stdout.write(JSON.stringify({ oid, sequential: n / seconds, client16: m / seconds, inFlight16: gen.perSec, lost: gen.lost }) + '\n');
