// hosts.csv checked against piman's network (`piman config check`: host
// names, addresses on piman's subnet or a relay's dhcp.subnets) and the
// image column, written to kill the mutants the older tests let live once
// relays and images were added (README "Mutation testing").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseHostsText, formatHostsHeaded, loadHosts, isHostname, HostsError, type HostsNetwork } from '../../src/config/hosts.js';
import type { SwitchInfo } from '../../src/cluster/types.js';

const SW: SwitchInfo[] = [{ index: 1, name: 'sw1', address: '10.0.0.2', ports: 24 }];
const HEAD = 'switch,port,mac,ip,hostname\n';
const OWN: HostsNetwork = { address: '10.0.0.1', netmask: '255.255.255.0', relays: false };

/** One headed row on port 1 checked against `net`: the problem without its `file: line 2: ` prefix, or null when accepted. */
function rowProblem(ip: string, hostname: string, net: HostsNetwork = OWN): string | null {
  try {
    parseHostsText(`${HEAD}sw1,1,b8:27:eb:00:00:01,${ip},${hostname}\n`, 'hosts.csv', SW, net);
    return null;
  } catch (e) {
    assert.ok(e instanceof HostsError);
    assert.equal(e.problems.length, 1);
    const prefix = 'hosts.csv: line 2: ';
    assert.ok(e.problems[0]!.startsWith(prefix), e.problems[0]);
    return e.problems[0]!.slice(prefix.length);
  }
}

test('host names: RFC 1123 labels of letters, digits and inner hyphens, 1 to 63 characters, at most 253 in all', () => {
  for (const ok of ['a', 'A9', 'pi-01', 'p--1', 'rack-b.lab', '0pi', 'x'.repeat(63), `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`]) {
    assert.equal(isHostname(ok), true, ok);
  }
  for (const bad of ['', '-pi', 'pi-', 'pi_01', 'pi 1', 'pi.', '.pi', 'a..b', 'pi!', 'pï', 'x'.repeat(64), `${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`]) {
    assert.equal(isHostname(bad), false, bad);
  }
});

test('with the network given, a bad host name is refused with the rule it breaks; a row without a name passes', () => {
  assert.equal(
    rowProblem('10.0.0.11', 'pi_01'),
    "hostname 'pi_01' is not a valid host name (letters, digits and inner '-', labels of 1-63 characters, RFC 1123)",
  );
  assert.equal(rowProblem('10.0.0.11', ''), null);
  assert.equal(rowProblem('10.0.0.11', 'pi-01'), null);
  // Without the network (plain parse, as the daemon reads it), names are not checked.
  assert.equal(parseHostsText(`${HEAD}sw1,1,b8:27:eb:00:00:01,10.0.0.11,pi_01\n`, 'h', SW)[0]!.hostname, 'pi_01');
});

test('an address on piman\'s subnet passes; piman\'s own address, the network and the broadcast address do not', () => {
  assert.equal(rowProblem('10.0.0.11', 'pi1'), null);
  assert.equal(rowProblem('10.0.0.254', 'pi1'), null);
  assert.equal(rowProblem('', 'pi1'), null, 'no address: nothing to check');
  assert.equal(rowProblem('10.0.0.1', 'pi1'), "IP 10.0.0.1 is server.address, piman's own address");
  assert.equal(rowProblem('10.0.0.0', 'pi1'), "IP 10.0.0.0 is the subnet's network or broadcast address");
  assert.equal(rowProblem('10.0.0.255', 'pi1'), "IP 10.0.0.255 is the subnet's network or broadcast address");
});

test('without relays an address off piman\'s subnet is refused; with relays but no dhcp.subnets it is not checked', () => {
  assert.equal(rowProblem('10.0.1.12', 'pi1'), "IP 10.0.1.12 is outside piman's subnet 10.0.0.1/255.255.255.0 (no dhcp.relays configured)");
  assert.equal(
    rowProblem('10.0.2.12', 'pi1', { ...OWN, subnets: [{ network: '10.0.1.0', netmask: '255.255.255.0' }] }),
    "IP 10.0.2.12 is outside piman's subnet 10.0.0.1/255.255.255.0 (no dhcp.relays configured)",
    'the message names what is missing: relays',
  );
  for (const subnets of [undefined, []]) {
    const net: HostsNetwork = { ...OWN, relays: true, ...(subnets ? { subnets } : {}) };
    assert.equal(rowProblem('192.168.7.0', 'pi1', net), null, 'a relay\'s Pi may be anywhere when no subnet is configured');
    assert.equal(rowProblem('10.0.0.255', 'pi1', net), "IP 10.0.0.255 is the subnet's network or broadcast address", 'piman\'s own subnet is still checked');
  }
});

test('with relays and dhcp.subnets, a relayed address is judged by its own subnet\'s mask, whichever subnet it is on', () => {
  const net: HostsNetwork = {
    ...OWN,
    relays: true,
    subnets: [
      { network: '10.0.1.0', netmask: '255.255.255.128' },
      { network: '172.16.0.0', netmask: '255.255.0.0' },
    ],
  };
  assert.equal(rowProblem('10.0.1.5', 'pi1', net), null);
  assert.equal(rowProblem('10.0.1.127', 'pi1', net), "IP 10.0.1.127 is the subnet's network or broadcast address", 'the /25 broadcast, a host in a /24');
  assert.equal(rowProblem('10.0.1.128', 'pi1', net), "IP 10.0.1.128 is on neither piman's subnet 10.0.0.1/255.255.255.0 nor one of dhcp.subnets");
  assert.equal(rowProblem('172.16.3.255', 'pi1', net), null, 'a host in the /16, though .255 would end a /24');
  assert.equal(rowProblem('172.16.0.0', 'pi1', net), "IP 172.16.0.0 is the subnet's network or broadcast address");
  assert.equal(rowProblem('172.16.255.255', 'pi1', net), "IP 172.16.255.255 is the subnet's network or broadcast address");
  assert.equal(rowProblem('10.0.0.11', 'pi1', net), null, 'piman\'s own subnet stays allowed');
});

test('image column: the cell must name one of install.images; without the list any well-formed name passes; no cell, no image key', () => {
  const text = 'switch,port,mac,ip,hostname,IMAGE\nsw1,1,b8:27:eb:00:00:01,,,research\nsw1,2,b8:27:eb:00:00:02,,,\n';
  const hosts = parseHostsText(text, 'hosts.csv', SW, undefined, ['course', 'research']);
  assert.deepEqual(hosts, [
    { switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: null, hostname: null, image: 'research' },
    { switchIndex: 1, port: 2, mac: 'b8:27:eb:00:00:02', ip: null, hostname: null },
  ]);
  assert.equal(parseHostsText(text, 'hosts.csv', SW)[0]!.image, 'research');
  assert.throws(
    () => parseHostsText(text, 'hosts.csv', SW, undefined, ['course', 'lab']),
    (e: unknown) => e instanceof HostsError && e.problems.length === 1 && e.problems[0] === "hosts.csv: line 2: image 'research' is not in install.images of piman.yaml (course, lab)",
  );
  assert.throws(
    () => parseHostsText('switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,,,-x\n', 'hosts.csv', SW),
    (e: unknown) => e instanceof HostsError && e.problems[0] === "hosts.csv: line 2: '-x' is not an image name (1-32 letters, digits, _ . -)",
  );
});

test('a header with a seventh column, or a sixth that is not image, is refused naming the header\'s line', () => {
  for (const head of ['switch,port,mac,ip,hostname,image,extra', 'switch,port,mac,ip,hostname,os']) {
    assert.throws(
      () => parseHostsText(`# rack A\n\n${head}\n`, 'hosts.csv', SW),
      (e: unknown) =>
        e instanceof HostsError && e.problems.length === 1 && e.problems[0] === "hosts.csv: line 3: header must be 'switch,port,mac,ip,hostname' or 'switch,port,mac,ip,hostname,image'",
      head,
    );
  }
});

test('formatHostsHeaded writes the image column only when a host has an image, blank for the others', () => {
  const hosts = [
    { switchIndex: 1, port: 1, mac: 'b8:27:eb:00:00:01', ip: '10.0.0.11', hostname: 'a' },
    { switchIndex: 1, port: 2, mac: 'b8:27:eb:00:00:02', ip: null, hostname: null, image: 'course' },
  ];
  const text = formatHostsHeaded(hosts, SW);
  assert.equal(text, 'switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,10.0.0.11,a,\nsw1,2,b8:27:eb:00:00:02,,,course\n');
  assert.deepEqual(parseHostsText(text, 'h', SW), hosts, 'and it reads back the same');
  assert.equal(formatHostsHeaded(hosts.slice(0, 1), SW), `${HEAD}sw1,1,b8:27:eb:00:00:01,10.0.0.11,a\n`);
});

test('loadHosts checks against the network and images it is given; a missing required file is an error naming the key', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-hosts-net-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'hosts.csv');
  await writeFile(file, 'switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,10.0.0.1,pi1,a\n');
  assert.equal((await loadHosts(file, SW)).length, 1);
  await assert.rejects(loadHosts(file, SW, { network: OWN }), (e: unknown) => e instanceof HostsError && /IP 10\.0\.0\.1 is server\.address/.test(e.problems[0]!));
  await assert.rejects(loadHosts(file, SW, { images: ['b'] }), (e: unknown) => e instanceof HostsError && /image 'a' is not in install\.images of piman\.yaml \(b\)/.test(e.problems[0]!));
  const missing = join(dir, 'missing.csv');
  await assert.rejects(
    loadHosts(missing, SW, { required: true }),
    (e: unknown) => e instanceof HostsError && e.problems.length === 1 && e.problems[0] === `${missing}: no such file (the 'hosts' key of piman.yaml names it)`,
  );
});
