import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseConfigText, loadConfig } from '../../src/config/load.js';
import { ConfigError, PimanError } from '../../src/errors.js';

const example = await readFile(new URL('../../examples/piman.yaml', import.meta.url), 'utf8');
const minimal = 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 24 }]\n';

function problemsOf(text: string): string[] {
  try {
    parseConfigText(text, '/etc/piman/piman.yaml');
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return [...e.problems];
  }
  assert.fail('expected the config to be rejected');
}

test('the shipped example validates, is laid out for deploy/piman.service and resolves relative paths against its folder', () => {
  const cfg = parseConfigText(example, '/etc/piman/piman.yaml');
  assert.equal(cfg.tftp.root, '/srv/piman/boot');
  assert.equal(cfg.install.rootfs, '/srv/piman/rootfs.tgz');
  assert.equal(cfg.hosts, '/etc/piman/hosts.csv');
  assert.equal(cfg.state, '/var/lib/piman', 'the unit\'s StateDirectory, not under the config folder');
  assert.equal(cfg.switches[0]?.powerGroup, 1);
});

test('a minimal file gets the documented defaults', () => {
  const cfg = parseConfigText(minimal, '/x/piman.yaml');
  assert.equal(cfg.dhcp.port, 67);
  assert.equal(cfg.tftp.port, 69);
  assert.equal(cfg.control.port, 3333);
  assert.equal(cfg.install.port, 4444);
  assert.equal(cfg.agent.address, '127.0.0.1');
  assert.equal(cfg.power.offSeconds, 2);
  assert.equal(cfg.boot.timeoutSeconds, 180);
  assert.equal(cfg.switches[0]?.community, 'private');
  assert.equal(cfg.tftp.maxTransfersPerClient, 16);
  assert.deepEqual(cfg.dhcp.relays, []);
});

test('switches[].maxInFlight and maxVarbinds: small defaults, whole numbers 1..64', () => {
  const cfg = parseConfigText(minimal, '/x/piman.yaml');
  assert.deepEqual({ maxInFlight: cfg.switches[0]?.maxInFlight, maxVarbinds: cfg.switches[0]?.maxVarbinds }, { maxInFlight: 4, maxVarbinds: 8 });
  const ex = parseConfigText(example, '/x/piman.yaml');
  assert.deepEqual({ maxInFlight: ex.switches[0]?.maxInFlight, maxVarbinds: ex.switches[0]?.maxVarbinds }, { maxInFlight: 4, maxVarbinds: 8 });
  const withSwitch = (extra: string): string => minimal.replace(/ports: (\d+)/, `ports: $1, ${extra}`);
  assert.ok(withSwitch('maxInFlight: 2').includes('maxInFlight: 2'), 'the minimal file lists its switch inline');
  assert.equal(parseConfigText(withSwitch('maxInFlight: 2, maxVarbinds: 1'), '/x/piman.yaml').switches[0]?.maxInFlight, 2);
  for (const bad of ['maxInFlight: 0', 'maxInFlight: 65', 'maxVarbinds: 0', 'maxVarbinds: 1.5']) {
    assert.match(problemsOf(withSwitch(bad))[0] ?? '', /switches\.0\.max(InFlight|Varbinds)/, bad);
  }
});

test('dhcp.relays takes IPv4 addresses only', () => {
  assert.deepEqual(parseConfigText(minimal + 'dhcp: { relays: [10.1.0.1] }\n', '/x/piman.yaml').dhcp.relays, ['10.1.0.1']);
  assert.match(problemsOf(minimal + 'dhcp: { relays: [relay1] }\n')[0]!, /dhcp\.relays\.0: must be an IPv4 address/);
});

test('a wrong type names the key path and the file', () => {
  const problems = problemsOf(minimal + 'tftp: { port: "x" }\n');
  assert.deepEqual(problems, ['/etc/piman/piman.yaml: tftp.port: must be a port number']);
});

test('unknown keys are errors, at the top and nested', () => {
  assert.match(problemsOf(minimal + 'monitr: {}\n')[0]!, /piman\.yaml: monitr: unknown key/);
  assert.match(problemsOf(minimal + 'dhcp: { leaseSecs: 5 }\n')[0]!, /piman\.yaml: dhcp\.leaseSecs: unknown key/);
});

test('every problem is reported, not only the first', () => {
  const problems = problemsOf('server: { address: 10.0.0.300 }\nswitches: []\n');
  assert.equal(problems.length, 2);
  assert.ok(problems.some((p) => p.includes('server.address: must be an IPv4 address')));
  assert.ok(problems.some((p) => p.includes('switches: list at least one switch')));
});

test('duplicate switch names and v3 without a user are refused', () => {
  assert.match(problemsOf('server: { address: 10.0.0.1 }\nswitches: [{ name: a, address: 10.0.0.2, ports: 1 }, { name: a, address: 10.0.0.3, ports: 1 }]\n')[0]!, /switches\.1\.name: 'a' is used twice/);
  assert.match(problemsOf('server: { address: 10.0.0.1 }\nswitches: [{ name: a, address: 10.0.0.2, ports: 1, version: "3" }]\n')[0]!, /switches\.0\.user: SNMPv3 needs a user/);
});

test('YAML syntax errors and duplicate keys give the line', () => {
  assert.match(problemsOf('server: { address: 10.0.0.1\n')[0]!, /piman\.yaml: line \d+:/);
  assert.match(problemsOf('server: { address: 10.0.0.1 }\nserver: { address: 10.0.0.2 }\n')[0]!, /line 2/);
});

test('a missing file is one clear error', async () => {
  await assert.rejects(loadConfig('/nonexistent/piman.yaml'), (e: unknown) => e instanceof PimanError && /cannot read config: no such file/.test(e.message));
});

test('loadConfig reads a file from disk', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-cfg-'));
  try {
    await writeFile(join(dir, 'piman.yaml'), minimal);
    const { config } = await loadConfig(join(dir, 'piman.yaml'));
    assert.equal(config.state, join(dir, 'state'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('fuzz: arbitrary text never escapes as anything but ConfigError', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string(), fc.constantFrom(example, minimal).chain((base) => fc.tuple(fc.nat(base.length), fc.string()).map(([i, s]) => base.slice(0, i) + s + base.slice(i)))), (text) => {
      try {
        parseConfigText(text, 'f.yaml');
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
      }
    }),
    { numRuns: 2000 },
  );
});

test("tftp.workers: 'auto' by default, a number of threads, anything else named", () => {
  assert.equal(parseConfigText(minimal, '/x/piman.yaml').tftp.workers, 'auto');
  assert.equal(parseConfigText(minimal + 'tftp: { workers: 0 }\n', '/x/piman.yaml').tftp.workers, 0);
  for (const bad of ['"lots"', '-1', '2.5', '65']) {
    assert.deepEqual(problemsOf(minimal + `tftp: { workers: ${bad} }\n`), ["/etc/piman/piman.yaml: tftp.workers: must be 'auto' or a whole number from 0 to 64"], bad);
  }
});

test('deeply nested flow collections are refused at once with a ConfigError (the YAML parser would recurse until it runs out of memory)', () => {
  for (const text of ['['.repeat(5000), '{a: '.repeat(3000), `server: ${'['.repeat(200)}`]) {
    const t0 = performance.now();
    // Twice: the second deep parse used to kill the process (V8 "RegExpCompiler Allocation failed").
    for (let i = 0; i < 2; i++) assert.throws(() => parseConfigText(text, 'deep.yaml'), (e: unknown) => e instanceof ConfigError && /deep\.yaml: line 1: nested more than 64 levels/.test(e.message));
    assert.ok(performance.now() - t0 < 100, `took ${performance.now() - t0} ms`);
  }
});

test('a config file larger than 1 MiB is refused without parsing it', () => {
  const text = `# ${'x'.repeat(1024 * 1024)}\n`;
  assert.throws(() => parseConfigText(text, 'big.yaml'), (e: unknown) => e instanceof ConfigError && /big\.yaml: the file is larger than 1 MiB/.test(e.message));
});

test('brackets inside quoted strings and comments do not count as nesting', () => {
  const cfg = parseConfigText(`# ${'['.repeat(100)}\nserver: { address: 10.0.0.1, domain: "${'['.repeat(100)}" }\nswitches: [{ name: a, address: 10.0.0.2, ports: 2, community: '${'{'.repeat(100)}' }]\n`, 'q.yaml');
  assert.equal(cfg.server.domain, '['.repeat(100));
});

test('agent: read and write communities must differ; v3Only needs a user; engineID is hex', () => {
  const base = 'server: { address: 10.0.0.1 }\nswitches: [{ name: a, address: 10.0.0.2, ports: 1 }]\n';
  assert.match(problemsOf(`${base}agent: { readCommunity: same, writeCommunity: same }\n`)[0]!, /agent\.writeCommunity: must differ from readCommunity/);
  assert.match(problemsOf(`${base}agent: { v3Only: true }\n`)[0]!, /agent\.v3Only: v3Only needs at least one user/);
  assert.match(problemsOf(`${base}agent: { engineID: '80001f88' }\n`)[0]!, /agent\.engineID: hex of 5 to 32 octets/);
  const ok = parseConfigText(`${base}agent: { v3Only: true, engineID: '0x80001f8805c0ffee', users: [{ name: u, authKey: aaaaaaaa, privKey: bbbbbbbb }] }\n`, '/etc/piman/piman.yaml');
  assert.equal(ok.agent.v3Only, true);
  assert.equal(ok.agent.engineID, '0x80001f8805c0ffee');
});

test('a mapping or list used as a key is an error with its line, not a key turned into text with a process warning', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    for (const text of ['log:\n  ? {level: info}\n  : 1\n', '? [a, b]\n: 1\n']) {
      assert.throws(
        () => parseConfigText(text, 'piman.yaml'),
        (e: unknown) => e instanceof ConfigError && /piman\.yaml: line \d: a key must be a name, not a mapping or a list/.test(e.message),
        text,
      );
    }
    await new Promise((r) => setImmediate(r)); // process warnings are emitted on the next tick
  } finally {
    process.off('warning', onWarning);
  }
  assert.deepEqual(warnings, []);
});

test("an SNMPv3 user with DES privacy is refused at load when this Node's OpenSSL has no des-cbc, not at the first request", async () => {
  const { getCiphers } = await import('node:crypto');
  const des = '{ name: admin, authKey: secret-auth, privProtocol: des, privKey: secret-priv }';
  for (const text of [minimal + `agent: { users: [${des}] }\n`, 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 24, version: "3", user: ' + des + ' }]\n']) {
    if (getCiphers().includes('des-cbc')) {
      assert.doesNotThrow(() => parseConfigText(text, 'piman.yaml'));
    } else {
      const problems = problemsOf(text);
      assert.equal(problems.length, 1, problems.join('\n'));
      assert.match(problems[0]!, /privProtocol.*des-cbc.*aes/);
    }
  }
});

test('dhcp.subnets and dhcp.option82: defaults off, and a valid relay layout parses', () => {
  const none = parseConfigText(minimal, '/x/piman.yaml');
  assert.deepEqual(none.dhcp.subnets, []);
  assert.equal(none.dhcp.option82.bindPorts, false);
  const cfg = parseConfigText(
    minimal +
      'dhcp:\n  relays: [10.0.1.1]\n  subnets: [{ network: 10.0.1.0, netmask: 255.255.255.0, router: 10.0.1.1, pool: { start: 10.0.1.100, end: 10.0.1.150 } }]\n' +
      '  option82: { bindPorts: true, circuits: [{ circuitId: eth2, switch: sw1, port: 7 }], remoteIds: [{ remoteId: "00:1b:2c:3d:4e:5f", switch: sw1, portBase: 3 }] }\n',
    '/x/piman.yaml',
  );
  assert.equal(cfg.dhcp.subnets[0]?.router, '10.0.1.1');
  assert.equal(cfg.dhcp.option82.maxBindingsPerMinute, 30);
  assert.equal(cfg.dhcp.option82.remoteIds[0]?.portBase, 3);
});

test('dhcp.subnets and dhcp.option82 problems name their key', () => {
  const sub = (s: string): string => minimal + `dhcp:\n  relays: [10.0.1.1]\n  subnets: [${s}]\n`;
  assert.match(problemsOf(sub('{ network: 10.0.1.0, netmask: 255.0.255.0, router: 10.0.1.1 }'))[0]!, /dhcp\.subnets\.0\.netmask: must be a netmask/);
  assert.match(problemsOf(sub('{ network: 10.0.1.5, netmask: 255.255.255.0, router: 10.0.1.1 }'))[0]!, /dhcp\.subnets\.0\.network: has host bits set/);
  assert.match(problemsOf(sub('{ network: 10.0.1.0, netmask: 255.255.255.0, router: 10.0.2.1 }'))[0]!, /dhcp\.subnets\.0\.router: must be inside 10\.0\.1\.0/);
  assert.match(
    problemsOf(sub('{ network: 10.0.1.0, netmask: 255.255.255.0, router: 10.0.1.1, pool: { start: 10.0.1.9, end: 10.0.1.2 } }'))[0]!,
    /dhcp\.subnets\.0\.pool: start must not be above end/,
  );
  assert.match(
    problemsOf(sub('{ network: 10.0.1.0, netmask: 255.255.255.0, router: 10.0.1.1 }, { network: 10.0.0.0, netmask: 255.255.0.0, router: 10.0.0.9 }')).join('\n'),
    /dhcp\.subnets\.1\.network: overlaps subnets\.0/,
  );
  assert.match(problemsOf(sub('{ network: 10.0.0.0, netmask: 255.255.255.0, router: 10.0.0.9 }')).join('\n'), /dhcp\.relays\.0: 10\.0\.1\.1 is in none of dhcp\.subnets/);
  assert.match(problemsOf(sub('{ network: 10.0.0.0, netmask: 255.255.255.0, router: 10.0.0.9 }')).join('\n'), /dhcp\.subnets\.0\.network: overlaps piman's own subnet/);
  const o82 = (s: string): string => minimal + `dhcp:\n  relays: [10.0.1.1]\n  option82: ${s}\n`;
  assert.match(problemsOf(o82('{ circuits: [{ circuitId: x, switch: sw9, port: 1 }] }'))[0]!, /dhcp\.option82\.circuits\.0\.switch: unknown switch 'sw9'/);
  assert.match(problemsOf(o82('{ circuits: [{ circuitId: x, switch: sw1, port: 25 }] }'))[0]!, /dhcp\.option82\.circuits\.0\.port: sw1 has ports 1\.\.24/);
  assert.match(problemsOf(minimal + 'dhcp: { option82: { bindPorts: true } }\n')[0]!, /dhcp\.option82\.bindPorts: needs dhcp\.relays/);
});
