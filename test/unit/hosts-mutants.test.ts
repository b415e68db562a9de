// Edge cases of hosts.csv parsing (both forms), loading and formatting,
// written to kill the mutants the older tests let live (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostsText, formatHostsHeaded, loadHosts, HostsError } from '../../src/config/hosts.js';
import type { SwitchInfo } from '../../src/cluster/types.js';

const switches: SwitchInfo[] = [
  { index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 },
  { index: 2, name: 'sw2', address: '10.0.0.3', ports: 8 },
];
const HEAD = 'switch,port,mac,ip,hostname\n';

function problems(text: string, sw: readonly SwitchInfo[] = switches): string[] {
  try {
    parseHostsText(text, 'hosts.csv', sw);
  } catch (e) {
    assert.ok(e instanceof HostsError);
    assert.equal(e.code, 'E_HOSTS');
    assert.equal(e.name, 'HostsError');
    assert.equal(e.message, e.problems.join('\n'));
    return [...e.problems];
  }
  assert.fail('expected rejection');
}

test('the headed form is recognised after comments and blank lines, in any case, with spaces and CRLF', () => {
  const text = '\r\n# comment, with a comma\r\n  \r\n Switch , PORT, Mac, IP, HostName\r\nsw2,1,dca632000001,10.0.1.1,b1\r\n';
  assert.deepEqual(parseHostsText(text, 'h', switches), [{ switchIndex: 2, port: 1, mac: 'dc:a6:32:00:00:01', ip: '10.0.1.1', hostname: 'b1' }]);
});

test('a wrong header names its own line, after comments', () => {
  const p = problems('# a\n\n# b\nswitch,port,mac,hostname,ip\nsw1,1,b827eb000001,,\n');
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^hosts\.csv: line 4: header must be/);
  assert.match(problems('switch,port,mac,ip\nsw1,1,b827eb000001,\n')[0]!, /line 1: header must be/, 'a missing column is a wrong header');
});

test('headed form with only a header has no hosts', () => {
  assert.deepEqual(parseHostsText(HEAD, 'h', switches), []);
  assert.deepEqual(parseHostsText('', 'h', switches), []);
});

test('old form: ports 1 and the last port of the first switch are fine, 0 and one past are not', () => {
  const ok = parseHostsText('b827eb000001;10.0.0.1;a\nb827eb000024;10.0.0.24;b\n', 'h', switches);
  assert.deepEqual(ok.map((h) => [h.switchIndex, h.port]), [[1, 1], [1, 24]]);
  const p = problems('b827eb000000;10.0.0.0;a\nb827eb000025;10.0.0.25;b\n');
  assert.equal(p.length, 2);
  assert.match(p[0]!, /^hosts\.csv: line 1: port 0 \(last octet of 10\.0\.0\.0\) is not a port of switch sw1$/);
  assert.match(p[1]!, /^hosts\.csv: line 2: port 25 /);
});

test('old form without any switch configured is refused row by row', () => {
  const p = problems('b827eb000001;10.0.0.1;a\n', []);
  assert.equal(p.length, 1);
  assert.match(p[0]!, /line 1: port 1 .* is not a port of switch \?/);
});

test('old form with missing columns reports what is missing', () => {
  const p = problems('b827eb000001\n;10.0.0.2\n');
  assert.deepEqual(p, ["hosts.csv: line 1: '' is not an IPv4 address", "hosts.csv: line 2: '' is not a MAC address"]);
});

test('headed form: switch by number 1..n only; ports 1..ports only, digits only', () => {
  const good = parseHostsText(`${HEAD}1,1,b827eb000001,,\n2,8,b827eb000002,,\n`, 'h', switches);
  assert.deepEqual(good.map((h) => [h.switchIndex, h.port]), [[1, 1], [2, 8]]);
  const bad = problems(`${HEAD}0,1,b827eb000001,,\n3,1,b827eb000002,,\nsw1,0,b827eb000003,,\nsw2,9,b827eb000004,,\nsw1,1.5,b827eb000005,,\nsw1,x,b827eb000006,,\nsw1, ,b827eb000007,,\n`);
  assert.equal(bad.length, 7);
  assert.match(bad[0]!, /^hosts\.csv: line 2: unknown switch '0' \(known: sw1, sw2\)$/);
  assert.match(bad[1]!, /^hosts\.csv: line 3: unknown switch '3'/);
  assert.match(bad[2]!, /^hosts\.csv: line 4: port '0' is not 1\.\.24 on sw1$/);
  assert.match(bad[3]!, /^hosts\.csv: line 5: port '9' is not 1\.\.8 on sw2$/);
  assert.match(bad[4]!, /line 6: port '1\.5'/);
  assert.match(bad[5]!, /line 7: port 'x'/);
  assert.match(bad[6]!, /line 8: port ''/);
});

test('headed form: a bad MAC or IP is reported with the value', () => {
  const p = problems(`${HEAD}sw1,1,nope,,\nsw1,2,b827eb000002,10.0.0.256,\nsw1,3,b827eb000003,10.0.0.3,\n`);
  assert.deepEqual(p, ["hosts.csv: line 2: 'nope' is not a MAC address", "hosts.csv: line 3: '10.0.0.256' is not an IPv4 address"]);
});

test('rows without an IP never clash with each other; the same port number on two switches is fine', () => {
  const hosts = parseHostsText(`${HEAD}sw1,1,b827eb000001,,\nsw2,1,b827eb000002,,\n`, 'h', switches);
  assert.deepEqual(hosts.map((h) => [h.switchIndex, h.port, h.ip, h.hostname]), [[1, 1, null, null], [2, 1, null, null]]);
});

test('a row that clashes in several ways reports each', () => {
  const p = problems(`${HEAD}sw1,1,b827eb000001,10.0.0.1,a\nsw1,1,b827eb000001,10.0.0.1,b\n`);
  assert.deepEqual(p, [
    'hosts.csv: line 3: MAC b8:27:eb:00:00:01 already used on line 2',
    'hosts.csv: line 3: IP 10.0.0.1 already used on line 2',
    'hosts.csv: line 3: switch port sw1:1 already used on line 2',
  ]);
});

test('text the CSV reader cannot read is one problem naming the file', () => {
  const p = problems(`${HEAD}sw1,1,"b827eb000001,,\n`);
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^hosts\.csv: ./);
});

test('loadHosts: a missing file is no hosts, a readable one is parsed, an unreadable one is an error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-hosts-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  assert.deepEqual(await loadHosts(join(dir, 'missing.csv'), switches), []);
  const file = join(dir, 'hosts.csv');
  await writeFile(file, `${HEAD}sw1,4,b827eb000004,10.0.0.4,p4\n`);
  assert.deepEqual(await loadHosts(file, switches), [{ switchIndex: 1, port: 4, mac: 'b8:27:eb:00:00:04', ip: '10.0.0.4', hostname: 'p4' }]);
  await assert.rejects(loadHosts(dir, switches), (e: unknown) => e instanceof HostsError && e.problems.length === 1 && e.problems[0]!.startsWith(`${dir}: cannot read: `));
  await assert.rejects(loadHosts(file, []), (e: unknown) => e instanceof HostsError && /unknown switch 'sw1'/.test(e.problems[0]!));
});

test('formatHostsHeaded: header line, one line per host, blanks for missing values, switch number when unnamed', () => {
  const text = formatHostsHeaded(
    [
      { switchIndex: 2, port: 5, mac: 'b8:27:eb:00:00:05', ip: null, hostname: null },
      { switchIndex: 7, port: 1, mac: 'b8:27:eb:00:00:01', ip: '10.0.0.1', hostname: 'x' },
    ],
    switches,
  );
  const lines = text.split('\n');
  assert.equal(lines.length, 4, 'three lines and a final newline');
  assert.equal(lines[3], '');
  assert.deepEqual(lines[0]!.split(','), ['switch', 'port', 'mac', 'ip', 'hostname']);
  assert.deepEqual(lines[1]!.split(','), ['sw2', '5', 'b8:27:eb:00:00:05', '', '']);
  assert.deepEqual(lines[2]!.split(','), ['7', '1', 'b8:27:eb:00:00:01', '10.0.0.1', 'x']);
  assert.equal(formatHostsHeaded([], switches), 'switch,port,mac,ip,hostname\n');
});

test('an indented comment before the header does not hide the headed form', () => {
  assert.deepEqual(parseHostsText(`  # rack B\n${HEAD}sw1,12,b827eb000012,,\n`, 'h', switches), [{ switchIndex: 1, port: 12, mac: 'b8:27:eb:00:00:12', ip: null, hostname: null }]);
});

test('short rows: missing columns count as empty', () => {
  assert.deepEqual(parseHostsText('b827eb000007;10.0.0.7\n', 'h', switches), [{ switchIndex: 1, port: 7, mac: 'b8:27:eb:00:00:07', ip: '10.0.0.7', hostname: null }]);
  assert.deepEqual(parseHostsText(`${HEAD}sw1,3,b827eb000003\n`, 'h', switches), [{ switchIndex: 1, port: 3, mac: 'b8:27:eb:00:00:03', ip: null, hostname: null }]);
  assert.deepEqual(problems(`${HEAD}sw1\nsw1,4\n`), ["hosts.csv: line 2: port '' is not 1..24 on sw1", "hosts.csv: line 3: '' is not a MAC address"]);
});

test('a switch number is plain decimal digits', () => {
  assert.equal(parseHostsText(`${HEAD}01,1,b827eb000001,,\n`, 'h', switches)[0]!.switchIndex, 1);
  for (const bad of ['+1', '1e0', 'x1']) assert.ok(problems(`${HEAD}${bad},1,b827eb000001,,\n`)[0]!.includes(`unknown switch '${bad}'`), bad);
});
