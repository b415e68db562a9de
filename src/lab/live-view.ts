/**
 * The lab's live picture of every port, drawn from piman's own view (the
 * cluster) plus what each virtual Pi has installed. On a terminal it redraws
 * in place; otherwise it prints one summary line whenever the counts change.
 */
import { BOOT_STATES, type BootState, type PortView } from '../cluster/types.js';

export interface ViewRow {
  readonly port: PortView;
  readonly release: string | null;
}

const SYMBOL: Record<BootState, string> = {
  unknown: '?',
  off: '.',
  poweringOn: 'p',
  netbooting: 'n',
  installing: 'i',
  booting: 'b',
  up: 'U',
  failed: 'F',
};

const COLOR: Record<BootState, string> = {
  unknown: '90',
  off: '90',
  poweringOn: '33',
  netbooting: '36',
  installing: '35',
  booting: '34',
  up: '32',
  failed: '31',
};

export function countStates(rows: readonly ViewRow[]): Record<BootState, number> {
  const c = Object.fromEntries(BOOT_STATES.map((s) => [s, 0])) as Record<BootState, number>;
  for (const r of rows) c[r.port.state]++;
  return c;
}

export function summaryLine(rows: readonly ViewRow[], elapsedMs: number): string {
  const c = countStates(rows);
  const parts = BOOT_STATES.filter((s) => c[s] > 0).map((s) => `${s} ${c[s]}`);
  return `${(elapsedMs / 1000).toFixed(1).padStart(5)} s  ${parts.join('  ')}`;
}

/** Lines of the full picture: one row per port when few, a symbol grid when many. */
export function renderView(rows: readonly ViewRow[], elapsedMs: number, color: boolean): string[] {
  const paint = (s: BootState, text: string): string => (color ? `\x1b[${COLOR[s]}m${text}\x1b[0m` : text);
  const lines: string[] = [];
  if (rows.length <= 24) {
    lines.push('  port  host     MAC                ip            state        progress  last file / error');
    for (const { port: p, release } of rows) {
      const progress = p.state === 'installing' ? `${p.installProgress}%` : '';
      const detail = p.lastError ? `! ${p.lastError}` : p.state === 'up' && release ? `rootfs: ${release}` : p.lastFile;
      lines.push(
        `  ${String(p.port).padStart(4)}  ${(p.hostname ?? '').padEnd(7)}  ${(p.mac ?? '').padEnd(17)}  ${(p.ip ?? '').padEnd(12)}  ${paint(p.state, p.state.padEnd(11))}  ${progress.padEnd(8)}  ${detail.slice(0, 60)}`,
      );
    }
  } else {
    const perRow = 50;
    for (let i = 0; i < rows.length; i += perRow) {
      const chunk = rows.slice(i, i + perRow);
      lines.push(`  ${String(i + 1).padStart(4)}  ${chunk.map((r) => paint(r.port.state, SYMBOL[r.port.state])).join('')}`);
    }
    lines.push('  ' + BOOT_STATES.map((s) => `${paint(s, SYMBOL[s])} ${s}`).join('  '));
    const failed = rows.filter((r) => r.port.state === 'failed').slice(0, 5);
    for (const f of failed) lines.push(`  port ${f.port.port}: ${f.port.lastError}`);
  }
  lines.push('  ' + summaryLine(rows, elapsedMs));
  return lines;
}

/** Redraws `renderView` in place on a TTY; prints summary lines on change otherwise. */
export class LiveView {
  private timer: NodeJS.Timeout | null = null;
  private drawn = 0;
  private lastSummary = '';
  constructor(
    private readonly rows: () => ViewRow[],
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean },
    /** Elapsed times count from here (ms since epoch). */
    private readonly started = Date.now(),
    private readonly intervalMs = 250,
  ) {}

  get tty(): boolean {
    return Boolean(this.out.isTTY);
  }

  start(): void {
    if (this.timer) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), this.intervalMs);
  }

  /** Draws a last time and stops; the picture stays on screen. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.draw();
    this.drawn = 0;
    this.lastSummary = '';
  }

  private draw(): void {
    const rows = this.rows();
    const elapsed = Date.now() - this.started;
    if (this.tty) {
      const lines = renderView(rows, elapsed, true);
      const up = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
      this.out.write(up + lines.map((l) => `\x1b[2K${l}\n`).join('') + '\x1b[0J');
      this.drawn = lines.length;
      return;
    }
    const s = summaryLine(rows, 0);
    if (s !== this.lastSummary) {
      this.lastSummary = s;
      this.out.write(summaryLine(rows, elapsed) + '\n');
    }
  }
}
