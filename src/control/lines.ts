/**
 * Splits a byte stream into text lines. TCP delivers arbitrary chunks, so a
 * line may arrive in pieces or many at once; `\n` ends a line and a `\r`
 * before it is dropped (CRLF peers). A peer that never sends `\n` cannot
 * grow memory without bound: past `maxLine` bytes the line is cut and the
 * rest up to the next `\n` is discarded.
 */

export interface SplitLine {
  readonly text: string;
  /** The line was longer than maxLine and was cut. */
  readonly truncated: boolean;
}

export const DEFAULT_MAX_LINE = 4096;

export class LineSplitter {
  private parts: Buffer[] = [];
  private size = 0;
  private discarding = false;

  constructor(private readonly maxLine: number = DEFAULT_MAX_LINE) {
    if (!(maxLine >= 1)) throw new RangeError('maxLine must be at least 1');
  }

  /** Feeds one chunk; returns the lines it completed, in order. */
  push(chunk: Uint8Array): SplitLine[] {
    const out: SplitLine[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      this.take(chunk.subarray(start, end));
      if (nl === -1) break;
      out.push(this.finishLine());
      start = nl + 1;
    }
    return out;
  }

  /** At end of stream: the unterminated rest, if any. */
  end(): SplitLine | null {
    if (this.size === 0 && !this.discarding) return null;
    return this.finishLine();
  }

  private take(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const room = this.maxLine - this.size;
    if (bytes.length > room) {
      if (room > 0) this.parts.push(Buffer.from(bytes.subarray(0, room)));
      this.size = this.maxLine;
      this.discarding = true;
      return;
    }
    this.parts.push(Buffer.from(bytes));
    this.size += bytes.length;
  }

  private finishLine(): SplitLine {
    let buf = Buffer.concat(this.parts, this.size);
    if (!this.discarding && buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    const line = { text: buf.toString('utf8'), truncated: this.discarding };
    this.parts = [];
    this.size = 0;
    this.discarding = false;
    return line;
  }
}
