#!/usr/bin/env node
// A snmpd `pass_persist` program that stands in for a PoE switch, so the
// switch client is tested against real net-snmp encoding (snmpd 5.9), not
// only against our own simulated switch.
//
//   snmpd-poe-pass.mjs BASE_OID STATE_FILE PORTS GROUP
//
// snmpd starts one process per pass_persist line; both (POWER-ETHERNET-MIB
// and BRIDGE-MIB subtrees) share the state through STATE_FILE (JSON):
//   { power: { "<port>": 1|2 }, sets: [{ at, oid, value }] }
// Served: pethPsePortAdminEnable (.3, writable) and DetectionStatus (.6);
// dot1dBasePortIfIndex (bridge port = port + 200 -> ifIndex = port); and
// only Q-BRIDGE dot1qTpFdbPort (fdb id 1), where port P shows MAC
// dc:a6:32:00:00:P while it is powered. A SET on a port that does not
// exist answers not-writable, as several real switches do.
import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

const [base, stateFile, portsText, groupText] = process.argv.slice(2);
const PORTS = Number(portsText);
const GROUP = Number(groupText);
const PETH = '1.3.6.1.2.1.105.1.1.1';

const parse = (oid) => oid.replace(/^\./, '').split('.').map(Number);
const cmp = (a, b) => {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
};
const under = (oid, root) => root.length <= oid.length && root.every((v, i) => oid[i] === v);

function load() {
  if (!existsSync(stateFile)) return { power: {}, sets: [] };
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}
function save(st) {
  writeFileSync(stateFile + '.tmp', JSON.stringify(st));
  renameSync(stateFile + '.tmp', stateFile);
}
const powerOf = (st, p) => st.power[p] ?? 1;

/** Every served [oid, type, value], sorted, under this process's base. */
function rows() {
  const st = load();
  const out = [];
  for (let p = 1; p <= PORTS; p++) {
    out.push([[...parse(PETH), 3, GROUP, p], 'integer', powerOf(st, p)]);
    out.push([[...parse(PETH), 6, GROUP, p], 'integer', powerOf(st, p) === 1 ? 3 : 1]);
    out.push([[...parse('1.3.6.1.2.1.17.1.4.1.2'), p + 200], 'integer', p]);
    if (powerOf(st, p) === 1) out.push([[...parse('1.3.6.1.2.1.17.7.1.2.2.1.2'), 1, 0xdc, 0xa6, 0x32, 0, 0, p], 'integer', p + 200]);
  }
  const root = parse(base);
  return out.filter(([oid]) => under(oid, root)).sort((a, b) => cmp(a[0], b[0]));
}

const lines = [];
let waiting = null;
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  lines.push(l.trim());
  if (waiting) waiting();
});
rl.on('close', () => process.exit(0));
const next = () =>
  new Promise((resolve) => {
    const take = () => {
      if (lines.length > 0) {
        waiting = null;
        resolve(lines.shift());
      } else waiting = take;
    };
    take();
  });
const reply = (...l) => process.stdout.write(l.join('\n') + '\n');
const answer = (row) => (row ? reply('.' + row[0].join('.'), row[1], String(row[2])) : reply('NONE'));

for (;;) {
  const cmd = await next();
  if (cmd === 'PING') {
    reply('PONG');
  } else if (cmd === 'get') {
    const oid = parse(await next());
    answer(rows().find((r) => cmp(r[0], oid) === 0));
  } else if (cmd === 'getnext') {
    const oid = parse(await next());
    answer(rows().find((r) => cmp(r[0], oid) > 0));
  } else if (cmd === 'set') {
    const oid = parse(await next());
    const [type, valueText] = (await next()).split(/\s+/);
    const admin = [...parse(PETH), 3];
    const port = oid[oid.length - 1];
    if (!(under(oid, admin) && oid.length === admin.length + 2 && oid[admin.length] === GROUP && port >= 1 && port <= PORTS)) {
      reply('not-writable');
    } else if (type !== 'integer') {
      reply('wrong-type');
    } else if (valueText !== '1' && valueText !== '2') {
      reply('wrong-value');
    } else {
      const st = load();
      st.power[port] = Number(valueText);
      st.sets.push({ at: Date.now(), oid: oid.join('.'), value: Number(valueText) });
      save(st);
      reply('DONE');
    }
  } else if (cmd !== '') {
    reply('NONE');
  }
}
