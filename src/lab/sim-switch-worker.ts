/**
 * The simulated switch's worker thread: a SimSwitch of its own, off the
 * lab's event loop (a real switch is another machine, and its slow agent
 * must not slow piman down, nor piman it). Power changes go to the lab as
 * messages; the lab asks for the load counters.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SimSwitch } from './sim-switch.js';
import { createLogger, silentLogger } from '../log.js';
import type { FromSimThread, SimThreadConfig, ToSimThread } from './sim-switch-protocol.js';

const port = parentPort;
if (!port) throw new Error('sim-switch-worker.ts runs only as a worker thread');
const post = (m: FromSimThread): void => port.postMessage(m);

async function main(c: SimThreadConfig): Promise<void> {
  const sim = await SimSwitch.start({
    ports: c.ports,
    address: c.address,
    port: c.port,
    initialPower: c.initialPower,
    macDelayMs: c.macDelayMs,
    macFor: (p) => c.macs[p - 1] ?? null,
    ratePerSecond: c.ratePerSecond,
    ...(c.backlog ? { backlog: c.backlog } : {}),
    log: c.verbose ? createLogger({ level: 'info', pretty: true }) : silentLogger(),
  });
  sim.model.on('power', (p: number, power: 'on' | 'off') => post({ type: 'power', port: p, power }));
  port!.on('message', (m: ToSimThread) => {
    if (m.type === 'load') post({ type: 'load', id: m.id, load: sim.load() });
    else if (m.type === 'rate') sim.setRate(m.ratePerSecond);
    else if (m.type === 'down') sim.setDown(m.down);
    else if (m.type === 'setPower') sim.model.setPower(m.port, m.power);
    else if (m.type === 'stop') void sim.stop().finally(() => post({ type: 'stopped' }));
  });
  post({ type: 'listening', port: sim.port });
}

main(workerData as SimThreadConfig).catch((e: unknown) => post({ type: 'failed', message: e instanceof Error ? e.message : String(e) }));
