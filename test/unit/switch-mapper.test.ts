import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapPorts, pickMac } from '../../src/switch/mapper.js';
import { parsePortList } from '../../src/cli/mapper-run.js';
import { resolveSwitch } from '../../src/cli/target.js';
import { PimanError } from '../../src/errors.js';
import { parseConfigText } from '../../src/config/load.js';

/** A virtual clock: sleep() advances time, so the polling loop runs instantly. */
function clock() {
  let t = 0;
  return { now: () => t, sleep: async (ms: number) => void (t += Math.max(ms, 1)), advance: (ms: number) => (t += ms) };
}

test('pickMac prefers a Raspberry Pi OUI, else the lowest MAC', () => {
  assert.equal(pickMac(['02:00:00:00:00:01', 'dc:a6:32:00:00:01']), 'dc:a6:32:00:00:01');
  assert.equal(pickMac(['02:00:00:00:00:09', '02:00:00:00:00:01']), '02:00:00:00:00:01');
  assert.equal(pickMac([]), null);
});

test('mapPorts polls until every port has a MAC, ignoring entries read before the port came back on', async () => {
  const c = clock();
  const fdb = new Map<number, string[]>([[1, ['b8:27:eb:00:00:01']], [2, ['b8:27:eb:00:00:02']]]); // stale entries
  let polls = 0;
  const result = await mapPorts({
    sw: {
      macTable: async () => {
        polls++;
        if (c.now() >= 5000) fdb.set(2, ['b8:27:eb:00:00:22']);
        return new Map(fdb);
      },
    },
    ports: [1, 2],
    cyclePort: async (p) => {
      fdb.delete(p); // power-off flushes the port
      c.advance(p === 1 ? 1000 : 2000);
      if (p === 1) fdb.set(1, ['b8:27:eb:00:00:11']);
    },
    timeoutMs: 60_000,
    intervalMs: 1000,
    now: c.now,
    sleep: c.sleep,
  });
  assert.deepEqual([...result.found], [
    [1, 'b8:27:eb:00:00:11'],
    [2, 'b8:27:eb:00:00:22'],
  ]);
  assert.deepEqual(result.missing, []);
  assert.ok(polls >= 2 && polls < 10, `${polls} polls`);
  assert.ok(result.elapsedMs >= 5000 && result.elapsedMs < 8000, `${result.elapsedMs}`);
});

test('mapPorts gives up at the timeout and reports missing and failed ports', async () => {
  const c = clock();
  const boom = new PimanError('E_SWITCH_NO_PORT', 'no port 3');
  const result = await mapPorts({
    sw: { macTable: async () => new Map([[1, ['b8:27:eb:00:00:01']]]) },
    ports: [1, 2, 3],
    cyclePort: async (p) => {
      if (p === 3) throw boom;
    },
    timeoutMs: 10_000,
    intervalMs: 1000,
    now: c.now,
    sleep: c.sleep,
  });
  assert.deepEqual([...result.found], [[1, 'b8:27:eb:00:00:01']]);
  assert.deepEqual(result.missing, [2, 3]);
  assert.equal(result.failed.get(3), boom);
  assert.ok(result.elapsedMs >= 10_000 && result.elapsedMs < 11_000);
});

test('mapPorts: a forwarding-table error ends the run after the power operations settle', async () => {
  let cycled = 0;
  await assert.rejects(
    mapPorts({
      sw: { macTable: async () => Promise.reject(new PimanError('E_SWITCH_TIMEOUT', 'switch sw1 (x) did not answer within 5 s')) },
      ports: [1, 2],
      cyclePort: async () => void cycled++,
      timeoutMs: 10_000,
      intervalMs: 10,
    }),
    /did not answer/,
  );
  assert.equal(cycled, 2);
});

test('parsePortList: lists, ranges, commas; rejects nonsense with exit code 2', () => {
  assert.deepEqual(parsePortList(['1', '5-7', '3,2', '6']), [1, 2, 3, 5, 6, 7]);
  for (const bad of ['0', '7-3', 'x', '1-', '5000']) {
    assert.throws(() => parsePortList([bad]), (e: unknown) => e instanceof PimanError && e.exitCode === 2);
  }
});

test('resolveSwitch: configured switch by address or name, else an ad-hoc one with community private', () => {
  const config = parseConfigText(
    'server: { address: 10.0.0.1 }\nswitches:\n  - { name: rack, address: 10.0.0.2, community: "secret@5", powerGroup: 2, ports: 48, timeoutMs: 2000 }\n',
    'piman.yaml',
  );
  const byAddr = resolveSwitch(config, '10.0.0.2', { powerGroup: 1 });
  assert.equal(byAddr.configured, true);
  assert.equal(byAddr.options.name, 'rack');
  assert.equal(byAddr.options.community, 'secret@5');
  assert.equal(byAddr.options.powerGroup, 1, '<interface> wins over the config');
  assert.equal(byAddr.options.timeoutMs, 2000);
  assert.equal(resolveSwitch(config, 'rack', { community: 'other' }).options.community, 'other');
  const adhoc = resolveSwitch(null, '192.168.1.5', { minPorts: 24 });
  assert.equal(adhoc.configured, false);
  assert.equal(adhoc.options.community, 'private');
  assert.equal(adhoc.options.port, 161);
  assert.equal(adhoc.info.ports, 24);
  assert.throws(() => resolveSwitch(config, 'nosuch'), /neither a configured switch nor an IPv4 address \(known: rack \(10\.0\.0\.2\)\)/);
});
