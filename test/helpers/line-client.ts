/** A scripted Pi for socket-level tests: sends raw text, collects lines, waits with timeouts. */
import { connect, type Socket } from 'node:net';
import { LineSplitter } from '../../src/control/lines.js';

export class LineClient {
  readonly lines: string[] = [];
  bytes = 0;
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    const splitter = new LineSplitter();
    socket.on('data', (d: Buffer) => {
      this.bytes += d.length;
      for (const l of splitter.push(d)) this.lines.push(l.text);
      this.wake();
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', () => (this.wake(), resolve())));
  }

  static connect(port: number, localAddress = '127.0.0.1'): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port, localAddress }, () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves once `pred(lines)` holds; rejects after timeoutMs or when the socket closed first. */
  async waitFor(pred: (lines: string[]) => boolean, what: string, timeoutMs = 20_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(this.lines)) {
      if (this.socket.destroyed) throw new Error(`connection closed while waiting for ${what}; got ${JSON.stringify(this.lines)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.lines)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Waits for `count` EOM-closed blocks and returns their commands. */
  async commands(count: number, timeoutMs?: number): Promise<string[]> {
    await this.waitFor((ls) => ls.filter((l) => l === 'EOM').length >= count, `${count} command block(s)`, timeoutMs);
    return this.lines.filter((l) => l !== 'EOM');
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<never>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out: ${what}`)), ms)))]).finally(() => clearTimeout(t));
}
