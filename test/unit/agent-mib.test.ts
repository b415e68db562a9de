/** mibs/PIMAN-MIB.txt: lint-clean, loadable by the net-snmp tools, and the agent's OIDs match it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runTool, MIB_ARGS } from '../helpers/snmp-tools.js';
import { mibSearchPath, pimanMibDir } from '../../src/snmp/mib-path.js';
import { GENERAL, NOTIFICATION, PIMAN_GENERAL, PIMAN_MIB, PIMAN_PORT_ENTRY, PIMAN_SWITCH_ENTRY, PIMAN_UNKNOWN_MAC_ENTRY, PORT_COL, SWITCH_COL, UNKNOWN_MAC_COL } from '../../src/agent/oids.js';
import { execFile } from 'node:child_process';

test('smilint -l 3 reports nothing', async () => {
  const r = await new Promise<{ code: number; out: string }>((resolve) => {
    execFile('smilint', ['-l', '3', `${pimanMibDir()}/PIMAN-MIB.txt`], { env: { ...process.env, SMIPATH: mibSearchPath() }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? 1 : 0, out: stdout + stderr }),
    );
  });
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out.trim(), '');
});

test('snmptranslate -Tp prints the tree', async () => {
  const r = await runTool('snmptranslate', [...MIB_ARGS, '-Tp', 'PIMAN-MIB::pimanMIB']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /pimanMIB\(314\)/);
  assert.match(r.stdout, /-RW- EnumVal +pimanPortReinstall\(6\)/);
  assert.match(r.stdout, /-R-- String +pimanUnknownMacFirstSeen\(5\)\n.*Textual Convention: DateAndTime/);
  assert.match(r.stdout, /-R-- Counter +pimanUnknownMacRequests\(7\)/);
});

test('every OID the agent serves has the name the MIB gives it', async () => {
  const expect: Record<string, string> = { pimanMIB: PIMAN_MIB };
  for (const [name, n] of Object.entries(GENERAL)) expect[name] = `${PIMAN_GENERAL}.${n}`;
  for (const [name, n] of Object.entries(SWITCH_COL)) expect[name] = `${PIMAN_SWITCH_ENTRY}.${n}`;
  for (const [name, n] of Object.entries(PORT_COL)) expect[name] = `${PIMAN_PORT_ENTRY}.${n}`;
  for (const [name, n] of Object.entries(UNKNOWN_MAC_COL)) expect[name] = `${PIMAN_UNKNOWN_MAC_ENTRY}.${n}`;
  for (const [name, oid] of Object.entries(NOTIFICATION)) expect[name] = oid;
  const names = Object.keys(expect);
  const r = await runTool('snmptranslate', [...MIB_ARGS, '-On', ...names.map((n) => `PIMAN-MIB::${n}`)]);
  assert.equal(r.code, 0, r.stderr);
  const got = r.stdout.split('\n').filter((l) => l.trim() !== '');
  assert.deepEqual(got, names.map((n) => `.${expect[n]}`));
});
