/**
 * A SET with the read community is refused and counted in
 * snmpInBadCommunityUses (RFC 3418: a known community used for an operation
 * it does not allow), as snmpd does. Black-box: Debian's snmpset and snmpget
 * against the agent's UDP port.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';
import { runTool, v2c } from '../helpers/snmp-tools.js';

let f: AgentFixture;
before(async () => {
  f = await startAgentFixture();
});
after(async () => {
  await f?.stop();
});

/** snmpInBadCommunityUses.0 (SNMPv2-MIB, 1.3.6.1.2.1.11.5.0), read with the read community. */
async function badUses(): Promise<number> {
  const r = await runTool('snmpget', [...v2c('public', f.target), '-Oqv', '1.3.6.1.2.1.11.5.0']);
  assert.equal(r.code, 0, r.stderr);
  const n = Number(r.stdout.trim());
  assert.ok(Number.isInteger(n), `a counter: ${r.stdout}`);
  return n;
}

test('a SET with the read community is refused, changes nothing and counts one snmpInBadCommunityUses', async () => {
  const before = await badUses();
  const r = await runTool('snmpset', [...v2c('public', f.target), 'PIMAN-MIB::pimanPortReinstall.1.9', 'i', '1']);
  assert.notEqual(r.code, 0, 'snmpset with the read community must fail');
  assert.match(r.stderr + r.stdout, /noAccess|authorizationError|notWritable/i);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 9 })?.reinstall, false);
  assert.equal(await badUses(), before + 1);
});

test('a SET with the write community is not counted as a bad community use', async () => {
  const before = await badUses();
  const r = await runTool('snmpset', [...v2c('private', f.target), 'PIMAN-MIB::pimanPortReinstall.1.10', 'i', '1']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(f.cluster.port({ switchIndex: 1, port: 10 })?.reinstall, true);
  assert.equal(await badUses(), before);
});
