/** A small seeded PRNG and byte mutators for the fault suite (reproducible with FAULT_SEED). */
export class Rand {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  /** mulberry32: fast, good enough to pick mutations. */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  bytes(n: number): Buffer {
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** One to a few random edits of `src`: flip, set, insert, delete, truncate, duplicate a slice, append noise. */
  mutate(src: Uint8Array, maxLen = 4096): Buffer {
    let b = Buffer.from(src);
    const edits = 1 + this.int(4);
    for (let e = 0; e < edits; e++) {
      const at = b.length ? this.int(b.length) : 0;
      switch (this.int(8)) {
        case 0:
          if (b.length) b[at] = b[at]! ^ (1 << this.int(8));
          break;
        case 1:
          if (b.length) b[at] = this.pick([0, 0xff, 0x7f, 0x80, 0x01, 0x0a, 0x0d, this.int(256)]);
          break;
        case 2:
          b = Buffer.concat([b.subarray(0, at), this.bytes(1 + this.int(8)), b.subarray(at)]);
          break;
        case 3:
          b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + 1 + this.int(16)))]);
          break;
        case 4:
          b = b.subarray(0, at);
          break;
        case 5: {
          const len = 1 + this.int(64);
          b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
          break;
        }
        case 6:
          b = Buffer.concat([b, this.bytes(this.int(300))]);
          break;
        default:
          if (b.length >= 2) b.writeUInt16BE(this.pick([0, 1, 0xffff, 0x7fff, this.int(65536)]), Math.min(at, b.length - 2));
      }
    }
    return b.length > maxLen ? b.subarray(0, maxLen) : b;
  }
}

export function suiteSeed(): number {
  const env = Number(process.env['FAULT_SEED']);
  return Number.isFinite(env) && env > 0 ? env : (Date.now() % 2 ** 31) + 1;
}
