/**
 * Live view of ports during `reinstall --wait`: on a terminal the block of
 * lines is redrawn in place; otherwise a line is printed whenever a port's
 * state or progress (in 10 % steps) changes, so logs stay short.
 */
import type { SwitchInfo } from '../cluster/types.js';
import type { PortRow } from './agent-client.js';
import { portLabel } from './port-spec.js';

export function progressLine(r: PortRow, switches: readonly SwitchInfo[]): string {
  const bar = (p: number): string => {
    const n = Math.round(p / 5);
    return `[${'#'.repeat(n)}${'.'.repeat(20 - n)}] ${String(p).padStart(3)}%`;
  };
  const what = r.state === 'installing' ? bar(r.progress) : r.state === 'failed' ? `failed: ${r.lastError}` : r.state;
  return `${portLabel(r, switches).padEnd(8)} ${(r.hostname || '-').padEnd(12)} ${r.state === 'installing' ? 'installing ' : ''}${what}`;
}

export class ProgressView {
  private drawn = 0;
  private readonly lastKey = new Map<string, string>();

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    private readonly switches: readonly SwitchInfo[],
  ) {}

  update(rows: readonly PortRow[]): void {
    if (this.out.isTTY) {
      let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
      for (const r of rows) s += `\x1b[2K${progressLine(r, this.switches)}\n`;
      this.out.write(s);
      this.drawn = rows.length;
      return;
    }
    for (const r of rows) {
      const id = `${r.switchIndex}.${r.port}`;
      const key = `${r.state}:${Math.floor(r.progress / 10)}`;
      if (this.lastKey.get(id) === key) continue;
      this.lastKey.set(id, key);
      this.out.write(progressLine(r, this.switches) + '\n');
    }
  }
}
