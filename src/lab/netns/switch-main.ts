/**
 * The simulated PoE switch as a process (for a network namespace), with the
 * lab's Pi MACs on its ports, starting powered off. Every power change is a
 * JSON line on stdout, so whoever runs the Pis can start or kill them:
 *   node --import tsx src/lab/netns/switch-main.ts '{"ports":8,"port":1161,"models":[4,4,3]}'
 */
import { SimSwitch } from '../sim-switch.js';
import { labIdentity, type PiModel } from '../pi-profile.js';
import { silentLogger } from '../../log.js';
import { describeError } from '../../errors.js';

interface Args {
  readonly ports: number;
  readonly port: number;
  readonly address?: string;
  /** Model of the Pi on each port (index 0 = port 1). */
  readonly models: readonly PiModel[];
}

const out = (o: Record<string, unknown>): void => void process.stdout.write(JSON.stringify({ t: Date.now(), ...o }) + '\n');

async function main(): Promise<void> {
  const a = JSON.parse(process.argv[2] ?? '{}') as Args;
  const sim = await SimSwitch.start({
    ports: a.ports,
    port: a.port,
    address: a.address ?? '127.0.0.1',
    initialPower: 'off',
    macDelayMs: 500,
    macFor: (p) => (a.models[p - 1] ? labIdentity(a.models[p - 1]!, p).mac : null),
    log: silentLogger(),
  });
  sim.model.on('power', (port: number, power: string) => out({ event: 'power', port, power }));
  const stop = (): void => void sim.stop().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  out({ event: 'listening', port: sim.port });
}

main().catch((e: unknown) => {
  out({ fatal: describeError(e) });
  process.exit(1);
});
