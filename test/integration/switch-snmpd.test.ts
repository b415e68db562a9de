/**
 * The SNMP switch client against an agent that is not ours: Debian snmpd
 * with a pass_persist program serving POWER-ETHERNET-MIB and Q-BRIDGE-MIB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { SnmpPoeSwitch, type SnmpSwitchOptions } from '../../src/switch/snmp-switch.js';
import { PimanError } from '../../src/errors.js';
import { startSnmpdSwitch, type SnmpdSwitch } from '../helpers/snmpd-switch.js';
import { loopbackSwitchOptions } from '../helpers/switch-options.js';

let agent: SnmpdSwitch;
const clients: SnmpPoeSwitch[] = [];

before(async () => {
  agent = await startSnmpdSwitch({ ports: 8 });
});
after(async () => {
  for (const c of clients) c.close();
  await agent?.stop();
});

function client(over: Partial<SnmpSwitchOptions> = {}): SnmpPoeSwitch {
  const c = new SnmpPoeSwitch(loopbackSwitchOptions(agent.port, over));
  clients.push(c);
  return c;
}

async function rejectsWith(p: Promise<unknown>, code: string, re: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof PimanError, `expected PimanError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, re);
    return true;
  });
}

test('v2c: SET off/on of pethPsePortAdminEnable reaches snmpd with the right OID and value', async () => {
  const sw = client();
  assert.equal(await sw.getPower(3), 'on');
  assert.equal(await sw.detection(3), 'deliveringPower');
  await sw.setPower(3, 'off');
  assert.equal(await sw.getPower(3), 'off');
  assert.equal(await sw.detection(3), 'disabled');
  await sw.setPower(3, 'on');
  const sets = (await agent.sets()).filter((s) => s.oid === '1.3.6.1.2.1.105.1.1.1.3.1.3');
  assert.deepEqual(
    sets.map((s) => s.value),
    [2, 1],
  );
});

test('forwarding table from Q-BRIDGE only, bridge ports mapped through dot1dBasePortIfIndex', async () => {
  const sw = client();
  await sw.setPower(5, 'off');
  const table = await sw.macTable();
  assert.deepEqual(table.get(1), ['dc:a6:32:00:00:01']);
  assert.deepEqual(table.get(8), ['dc:a6:32:00:00:08']);
  assert.equal(table.get(5), undefined, 'an unpowered Pi is not in the table');
  assert.equal(table.get(201), undefined, 'bridge port numbers never leak out');
  await sw.setPower(5, 'on');
  assert.deepEqual((await sw.macTable()).get(5), ['dc:a6:32:00:00:05']);
});

test('community@vlan: bridge tables use it as written, the PoE table without @vlan', async () => {
  // snmpd's "vlan@10" sees only BRIDGE-MIB and "vlan" only POWER-ETHERNET-MIB: a wrong split finds nothing.
  const sw = client({ community: 'vlan@10' });
  assert.equal((await sw.macTable()).size, 8);
  assert.equal(await sw.getPower(2), 'on');
  await sw.setPower(2, 'off');
  await sw.setPower(2, 'on');
  assert.equal((await client({ community: 'vlan' }).macTable()).size, 0, 'the plain community has no bridge view');
});

test('SNMPv3 authPriv (SHA/AES)', async () => {
  const u = agent.v3User;
  const sw = client({ version: '3', user: { name: u.name, authProtocol: 'sha', authKey: u.authKey, privProtocol: 'aes', privKey: u.privKey, access: 'rw' } });
  assert.equal(await sw.getPower(4), 'on');
  await sw.setPower(4, 'off');
  assert.equal(await sw.getPower(4), 'off');
  await sw.setPower(4, 'on');
  assert.equal((await sw.macTable()).get(4)?.[0], 'dc:a6:32:00:00:04');
});

test('SNMPv3 with a wrong key is refused', async () => {
  const u = agent.v3User;
  const sw = client({ version: '3', user: { name: u.name, authProtocol: 'sha', authKey: 'not-the-key', privProtocol: 'aes', privKey: u.privKey, access: 'rw' } });
  await rejectsWith(sw.getPower(1), 'E_SWITCH_REFUSED', /refused the SNMPv3 user 'pimanv3'/);
});

test('a port that does not exist: E_SWITCH_NO_PORT for GET and for SET', async () => {
  const sw = client();
  await rejectsWith(sw.getPower(99), 'E_SWITCH_NO_PORT', /port 99 is not a PoE port in power group 1/);
  await rejectsWith(sw.setPower(99, 'off'), 'E_SWITCH_NO_PORT', /port 99 is not a PoE port/);
  await rejectsWith(client({ powerGroup: 2 }).getPower(1), 'E_SWITCH_NO_PORT', /power group 2/);
});

test('a read-only community: the SET is refused', async () => {
  await rejectsWith(client({ community: 'public' }).setPower(1, 'off'), 'E_SWITCH_REFUSED', /refused to set switch port 1 off/);
});

test('a wrong community: snmpd stays silent, the error says so within the timeout', async () => {
  const start = Date.now();
  await rejectsWith(client({ community: 'nope', timeoutMs: 1500 }).getPower(1), 'E_SWITCH_TIMEOUT', /^switch sw1 \(127\.0\.0\.1:\d+\) did not answer within 1\.5 s/);
  assert.ok(Date.now() - start < 4000);
});
