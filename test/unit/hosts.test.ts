import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseHostsText, formatHostsHeaded, HostsError } from '../../src/config/hosts.js';
import type { SwitchInfo } from '../../src/cluster/types.js';

const switches: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 8 },
];

function problems(text: string): string[] {
  try {
    parseHostsText(text, 'hosts.csv', switches);
  } catch (e) {
    assert.ok(e instanceof HostsError);
    return [...e.problems];
  }
  assert.fail('expected rejection');
}

test('old format: mac;ip;hostname;last_used, port = last octet, first switch, any MAC spelling', () => {
  const hosts = parseHostsText('b827eb010203;10.0.0.7;pi7;2019-01-01\nDC-A6-32-01-36-C2;10.0.0.8;pi8;\nb8:27:eb:00:00:09;10.0.0.9;;\n', 'hosts.csv', switches);
  assert.deepEqual(hosts, [
    { switchIndex: 1, port: 7, mac: 'b8:27:eb:01:02:03', ip: '10.0.0.7', hostname: 'pi7' },
    { switchIndex: 1, port: 8, mac: 'dc:a6:32:01:36:c2', ip: '10.0.0.8', hostname: 'pi8' },
    { switchIndex: 1, port: 9, mac: 'b8:27:eb:00:00:09', ip: '10.0.0.9', hostname: null },
  ]);
});

test('headed format: switch by name or number, blank IP allowed, comments and blank lines skipped', () => {
  const text = '# rack A\nswitch,port,mac,ip,hostname\nsw1,3,b827eb000003,10.0.0.3,a3\n\nsw2,8,dca632000008,,b8\n2,1,dca632000001,10.0.1.1,b1\n';
  assert.deepEqual(parseHostsText(text, 'hosts.csv', switches), [
    { switchIndex: 1, port: 3, mac: 'b8:27:eb:00:00:03', ip: '10.0.0.3', hostname: 'a3' },
    { switchIndex: 2, port: 8, mac: 'dc:a6:32:00:00:08', ip: null, hostname: 'b8' },
    { switchIndex: 2, port: 1, mac: 'dc:a6:32:00:00:01', ip: '10.0.1.1', hostname: 'b1' },
  ]);
});

test('bad rows are reported with their line numbers, all at once', () => {
  const p = problems('b827eb010203;10.0.0.7;pi7\nnot-a-mac;10.0.0.8;x\nb827eb010209;10.0.0.300;x\nb827eb01020a;10.0.0.99;x\n');
  assert.deepEqual(p, [
    "hosts.csv: line 2: 'not-a-mac' is not a MAC address",
    "hosts.csv: line 3: '10.0.0.300' is not an IPv4 address",
    'hosts.csv: line 4: port 99 (last octet of 10.0.0.99) is not a port of switch sw1',
  ]);
});

test('duplicate MAC, IP or switch port is an error naming both lines', () => {
  const p = problems('switch,port,mac,ip,hostname\nsw1,1,b827eb000001,10.0.0.1,a\nsw1,2,b827eb000001,10.0.0.2,b\nsw1,3,b827eb000003,10.0.0.1,c\nsw1,1,b827eb000004,10.0.0.4,d\n');
  assert.deepEqual(p, [
    'hosts.csv: line 3: MAC b8:27:eb:00:00:01 already used on line 2',
    'hosts.csv: line 4: IP 10.0.0.1 already used on line 2',
    'hosts.csv: line 5: switch port sw1:1 already used on line 2',
  ]);
});

test('headed rows: unknown switch and out-of-range port', () => {
  const p = problems('switch,port,mac,ip,hostname\nsw9,1,b827eb000001,,\nsw2,9,b827eb000002,,\n');
  assert.match(p[0]!, /line 2: unknown switch 'sw9' \(known: sw1, sw2\)/);
  assert.match(p[1]!, /line 3: port '9' is not 1\.\.8 on sw2/);
});

test('a wrong header is refused', () => {
  assert.match(problems('switch,mac,port\nsw1,b827eb000001,1\n')[0]!, /header must be 'switch,port,mac,ip,hostname'/);
});

test('format then parse gives the same bindings', () => {
  const hosts = parseHostsText('switch,port,mac,ip,hostname\nsw1,3,b827eb000003,10.0.0.3,a3\nsw2,8,dca632000008,,\n', 'h', switches);
  assert.deepEqual(parseHostsText(formatHostsHeaded(hosts, switches), 'h', switches), hosts);
});

test('fuzz: hostile text yields bindings or HostsError, nothing else', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300, size: 'max' }), fc.boolean(), (body, headed) => {
      const text = (headed ? 'switch,port,mac,ip,hostname\n' : '') + body;
      try {
        const hosts = parseHostsText(text, 'h', switches);
        for (const h of hosts) assert.match(h.mac, /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
      } catch (e) {
        if (!(e instanceof HostsError)) throw e;
      }
    }),
    { numRuns: 3000 },
  );
});

test('with dhcp.subnets, a Pi address must be on piman\'s subnet or one of them (not the network or broadcast address)', () => {
  const sw = [{ index: 1, name: 'sw1', address: '10.0.0.2', ports: 8 }];
  const net = { address: '10.0.0.1', netmask: '255.255.255.0', relays: true, subnets: [{ network: '10.0.1.0', netmask: '255.255.255.0' }] };
  const head = 'switch,port,mac,ip,hostname\n';
  const ok = parseHostsText(head + 'sw1,1,b8:27:eb:00:00:01,10.0.0.11,\nsw1,2,b8:27:eb:00:00:02,10.0.1.12,\n', 'hosts.csv', sw, net);
  assert.equal(ok.length, 2);
  assert.throws(
    () => parseHostsText(head + 'sw1,3,b8:27:eb:00:00:03,10.0.2.13,\nsw1,4,b8:27:eb:00:00:04,10.0.1.255,\n', 'hosts.csv', sw, net),
    (e: unknown) =>
      e instanceof HostsError &&
      /line 2: IP 10\.0\.2\.13 is on neither piman's subnet 10\.0\.0\.1\/255\.255\.255\.0 nor one of dhcp\.subnets/.test(e.problems[0]!) &&
      /line 3: IP 10\.0\.1\.255 is the subnet's network or broadcast address/.test(e.problems[1]!),
  );
});
