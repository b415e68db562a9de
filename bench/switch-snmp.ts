/**
 * The switch client's two hot paths, against piman's simulated PoE switch
 * and against Debian snmpd (the peer, with the pass_persist PoE stand-in of
 * the tests) in the same run:
 *  - sequential pethPsePortAdminEnable GETs (SnmpPoeSwitch.getPower), and
 *  - a whole forwarding-table read (SnmpPoeSwitch.macTable: three GETBULK walks),
 *    which is what every mapper poll costs.
 * Also GETs of snmpd's own sysUpTime.0 (no pass_persist in the way), the
 * figure peers.md quotes. Prints a table and the ratios.
 *
 *   npx tsx bench/switch-snmp.ts [--seconds 3] [--ports 24]
 *
 * Bounded (about 6 x --seconds), everything it starts is stopped at exit.
 */
import snmp from 'net-snmp';
import { SimSwitch } from '../src/lab/sim-switch.js';
import { SnmpPoeSwitch } from '../src/switch/snmp-switch.js';
import { startSnmpdSwitch } from '../test/helpers/snmpd-switch.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2) args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const SECONDS = Number(args.get('seconds') ?? 3);
const PORTS = Number(args.get('ports') ?? 24);

function client(port: number): SnmpPoeSwitch {
  return new SnmpPoeSwitch({ name: 'bench', address: '127.0.0.1', port, version: '2c', community: 'private', user: undefined, powerGroup: 1, timeoutMs: 5000, retries: 1 });
}

/** Runs `op` back to back for SECONDS; returns operations per second. */
async function rate(op: (i: number) => Promise<unknown>): Promise<number> {
  const end = Date.now() + SECONDS * 1000;
  let n = 0;
  const start = process.hrtime.bigint();
  while (Date.now() < end) await op(n++);
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  const sim = await SimSwitch.start({ ports: PORTS, port: 0 });
  const peer = await startSnmpdSwitch({ ports: PORTS });
  const a = client(sim.port);
  const b = client(peer.port);
  const raw = snmp.createSession('127.0.0.1', 'public', { port: peer.port, version: snmp.Version2c, timeout: 5000 });
  raw.on('error', () => undefined);
  try {
    const rows: Array<[string, number, number]> = [];
    const getSim = await rate((i) => a.getPower((i % PORTS) + 1));
    const getPeer = await rate((i) => b.getPower((i % PORTS) + 1));
    rows.push(['getPower GET/s', getSim, getPeer]);
    const walkSim = await rate(() => a.macTable());
    const walkPeer = await rate(() => b.macTable());
    rows.push([`macTable reads/s (${PORTS} ports)`, walkSim, walkPeer]);
    const native = await rate(() => new Promise<void>((res, rej) => raw.get(['1.3.6.1.2.1.1.3.0'], (e) => (e ? rej(e) : res()))));

    console.log(`switch client bench, ${SECONDS} s per figure, ${PORTS} ports\n`);
    console.log('what'.padEnd(32) + 'sim switch'.padStart(12) + 'snmpd+pass'.padStart(12) + 'ratio'.padStart(8));
    for (const [what, s, p] of rows) console.log(what.padEnd(32) + s.toFixed(0).padStart(12) + p.toFixed(0).padStart(12) + (s / p).toFixed(2).padStart(8));
    console.log(`\nsnmpd native sysUpTime.0 GET/s (peers.md: ~8,000): ${native.toFixed(0)}; sim getPower / that = ${(getSim / native).toFixed(2)}`);
  } finally {
    raw.close();
    a.close();
    b.close();
    await sim.stop();
    await peer.stop();
  }
}

await main();
