/**
 * Switch faults: the PoE switch down, slow (answering after piman's
 * timeout) or answering errors, at piman's start and during a power cycle
 * (failing the off, or the on after the off went through). piman keeps
 * running, the port ends `failed` with the switch's problem as its reason
 * (never stuck in poweringOn), and once the switch is back a power cycle
 * boots the Pi to `up`.
 */
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { Lab } from '../../../src/lab/lab.js';
import { until } from '../../../src/lab/run-lab.js';
import { silentLogger } from '../../../src/log.js';
import { withTimeout } from '../../helpers/line-client.js';
import { SwitchProxy, type SwitchMode } from '../switch-proxy.js';
import type { ScenarioCount } from '../tally.js';

const KEY = { switchIndex: 1, port: 1 };
const TRANSITIONAL = new Set(['poweringOn', 'netbooting', 'installing', 'booting']);
const REASON: Record<Exclude<SwitchMode, 'pass'>, RegExp> = {
  down: /did not answer within 0\.5 s/,
  slow: /did not answer within 0\.5 s/,
  error: /answered genErr/,
};

export async function switchFaults(t: TestContext, c: ScenarioCount): Promise<void> {
  for (const mode of ['down', 'slow', 'error'] as const) {
    const proxy = await SwitchProxy.start();
    t.after(() => proxy.close());
    // At start: piman starts while the switch fails (its agent probes the switch at once).
    proxy.mode = mode;
    c.faults++;
    const log = silentLogger();
    const lab = await withTimeout(
      Lab.start({
        pis: 1,
        model: 4,
        log,
        switchLog: log,
        configure: (raw) => {
          const sw = (raw['switches'] as unknown as Array<Record<string, unknown>>)[0]!;
          proxy.target = sw['port'] as number;
          Object.assign(sw, { port: proxy.port, timeoutMs: 500, retries: 0 });
          raw['agent']!['switchPollSeconds'] = 1;
          raw['boot'] = { timeoutSeconds: 5 };
        },
      }),
      20_000,
      `piman starts with the switch ${mode}`,
    );
    t.after(() => lab.stop());
    const cluster = lab.daemon.ctx.cluster;
    const power = lab.daemon.ctx.power;
    const pi = lab.pis[0]!;
    /** What the switch last did to each port's power (it runs in its own thread). */
    const switchPower = new Map<number, string>();
    lab.sim.on('power', (port, pw) => switchPower.set(port, pw));

    /** A power cycle while the switch fails: rejected with the switch's reason, the port failed with it. */
    const failedCycle = async (what: string): Promise<void> => {
      await assert.rejects(withTimeout(power.cycle([KEY]), 10_000, `${what}: the cycle ends`), REASON[mode]);
      const p = cluster.port(KEY)!;
      if (TRANSITIONAL.has(p.state)) c.stuck(`${mode} ${what}: port is ${p.state}`);
      assert.equal(p.state, 'failed', `${mode} ${what}`);
      assert.match(p.lastError, REASON[mode], `${mode} ${what}: the reason names the switch's problem`);
    };
    const recovers = async (what: string): Promise<void> => {
      proxy.mode = 'pass';
      // A slow switch still applies the SETs piman gave up on; the recovery starts after them.
      await proxy.idle();
      await withTimeout(power.cycle([KEY]), 10_000, `${mode} ${what}: cycle after the switch is back`);
      await until(lab, () => cluster.port(KEY)?.state === 'up' && pi.phase === 'up', 30_000, `${mode} ${what}: port 1 up again`);
    };

    // 1. The switch failed since start: the cycle's first SET (off) fails.
    await failedCycle('at start');
    await recovers('after start');

    // 2. During a cycle: the off goes through, then the switch fails before the on.
    c.faults++;
    const offSeen = new Promise<void>((resolve) => {
      const on = (port: number, pw: string): void => {
        if (port === 1 && pw === 'off') {
          lab.sim.off('power', on);
          proxy.mode = mode;
          resolve();
        }
      };
      lab.sim.on('power', on);
    });
    const cycle = power.cycle([KEY]);
    await withTimeout(offSeen, 10_000, 'the off SET reached the switch');
    await assert.rejects(withTimeout(cycle, 10_000, `${mode}: the cycle ends`), REASON[mode]);
    const p = cluster.port(KEY)!;
    if (TRANSITIONAL.has(p.state)) c.stuck(`${mode} mid-cycle: port is ${p.state}`);
    assert.equal(p.state, 'failed');
    if (mode !== 'slow') assert.equal(switchPower.get(1), 'off', 'the Pi stays off: its port never got the on');
    await recovers('after a failed on');

    // 3. A cycle started while the switch fails: rejected again, piman still serves (the agent keeps probing).
    c.faults++;
    proxy.mode = mode;
    await failedCycle('during a cycle');
    await recovers('at the end');
    assert.ok(proxy.faulted > 0, 'the faults reached piman');
  }
}
