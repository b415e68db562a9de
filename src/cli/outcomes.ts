/** Prints the result of a power operation per port; a failed port makes the command exit 1. */
import type { PortKey, SwitchInfo } from '../cluster/types.js';
import type { Outcome } from './cycle-wait.js';
import { portLabel } from './port-spec.js';

export function reportOutcomes(outcomes: readonly Outcome[], okLine: (k: PortKey) => string, switches: readonly SwitchInfo[]): void {
  const single = outcomes.length === 1;
  for (const o of outcomes) {
    if (o.ok) process.stdout.write(okLine(o.key) + '\n');
    else process.stderr.write(`piman: ${single ? '' : portLabel(o.key, switches) + ': '}${o.error}\n`);
  }
  if (outcomes.some((o) => !o.ok)) process.exitCode = 1;
}
