/** Collects the JSON lines a child process prints and waits for one that matches. */
import type { Readable } from 'node:stream';

export class JsonLines {
  readonly items: Record<string, unknown>[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  constructor(stream: Readable) {
    let buf = '';
    stream.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.items.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not JSON: ignore
        }
      }
      this.wake();
    });
    stream.on('close', () => {
      this.ended = true;
      this.wake();
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** The first line (at or after index `from`) matching `pred`; rejects on timeout or end of output. */
  async waitFor(pred: (j: Record<string, unknown>) => boolean, what: string, timeoutMs = 60_000, from = 0): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.items.slice(from).find(pred);
      if (hit) return hit;
      if (this.ended) throw new Error(`output ended before ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }
}
