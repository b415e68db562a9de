/**
 * A read-only TFTP client session as the Pi boot ROMs drive it (RFC 1350,
 * options RFC 2347/2348/2349), pure: packets in, packets out. `probe` mode
 * is the Pi 4's tsize probe: on the OACK it answers ERROR 0 and stops.
 * The socket runner lives in tftp-fetch.ts.
 */
import { DecodeError } from '../errors.js';

export const TftpOp = { RRQ: 1, WRQ: 2, DATA: 3, ACK: 4, ERROR: 5, OACK: 6 } as const;

export interface TftpRequest {
  readonly file: string;
  /** Ask for this block size (RFC 2348); undefined = plain 512-byte RFC 1350 transfer. */
  readonly blksize?: number;
  /** Send `tsize 0` (RFC 2349). */
  readonly tsize?: boolean;
  /** Stop after the OACK with ERROR 0, as the Pi 4 does before the real read. */
  readonly probe?: boolean;
}

export type TftpResult =
  | { readonly kind: 'data'; readonly data: Buffer; readonly tsize?: number; readonly blksize: number }
  | { readonly kind: 'probed'; readonly tsize?: number; readonly blksize: number }
  | { readonly kind: 'error'; readonly code: number; readonly message: string };

export interface TftpStep {
  readonly send?: Buffer;
  readonly done?: TftpResult;
}

export function encodeRrq(req: TftpRequest): Buffer {
  const parts: string[] = [req.file, 'octet'];
  if (req.tsize) parts.push('tsize', '0');
  if (req.blksize !== undefined) parts.push('blksize', String(req.blksize));
  const body = Buffer.from(parts.join('\0') + '\0', 'latin1');
  return Buffer.concat([u16(TftpOp.RRQ), body]);
}

export function encodeAck(block: number): Buffer {
  return Buffer.concat([u16(TftpOp.ACK), u16(block & 0xffff)]);
}

export function encodeError(code: number, message: string): Buffer {
  return Buffer.concat([u16(TftpOp.ERROR), u16(code), Buffer.from(message + '\0', 'latin1')]);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

export type ServerPacket =
  | { readonly op: 'data'; readonly block: number; readonly data: Buffer }
  | { readonly op: 'oack'; readonly options: ReadonlyMap<string, string> }
  | { readonly op: 'error'; readonly code: number; readonly message: string };

/** Decodes what a server may send a reading client; anything else is a DecodeError. */
export function decodeServerPacket(buf: Uint8Array): ServerPacket {
  if (buf.length < 4) throw new DecodeError('TFTP packet', `${buf.length} bytes is too short`);
  const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const op = b.readUInt16BE(0);
  if (op === TftpOp.DATA) return { op: 'data', block: b.readUInt16BE(2), data: Buffer.from(b.subarray(4)) };
  if (op === TftpOp.ERROR) {
    const end = b.indexOf(0, 4);
    return { op: 'error', code: b.readUInt16BE(2), message: b.subarray(4, end < 0 ? b.length : end).toString('latin1') };
  }
  if (op === TftpOp.OACK) {
    const fields = b.subarray(2).toString('latin1').split('\0');
    if (fields[fields.length - 1] === '') fields.pop();
    if (fields.length % 2 !== 0) throw new DecodeError('TFTP OACK', 'odd number of option strings');
    const options = new Map<string, string>();
    for (let i = 0; i < fields.length; i += 2) options.set(fields[i]!.toLowerCase(), fields[i + 1]!);
    return { op: 'oack', options };
  }
  throw new DecodeError('TFTP packet', `opcode ${op} is not DATA, OACK or ERROR`);
}

export class TftpReadSession {
  private blksize = 512;
  private tsize: number | undefined;
  private expected = 1;
  private readonly chunks: Buffer[] = [];
  private received = 0;
  result: TftpResult | null = null;

  constructor(readonly req: TftpRequest) {}

  start(): Buffer {
    return encodeRrq(this.req);
  }

  onPacket(p: ServerPacket): TftpStep {
    if (this.result) return {};
    switch (p.op) {
      case 'error':
        return this.finish({ kind: 'error', code: p.code, message: p.message });
      case 'oack': {
        if (this.expected !== 1 || this.received > 0) return {};
        const bs = p.options.get('blksize');
        if (bs !== undefined) {
          const n = Number(bs);
          if (!Number.isInteger(n) || n < 8 || (this.req.blksize !== undefined && n > this.req.blksize)) {
            return this.finish({ kind: 'error', code: 8, message: `server chose blksize ${bs}` }, encodeError(8, 'bad blksize'));
          }
          this.blksize = n;
        }
        const ts = p.options.get('tsize');
        if (ts !== undefined && /^\d+$/.test(ts)) this.tsize = Number(ts);
        if (this.req.probe) {
          return this.finish(withTsize({ kind: 'probed', blksize: this.blksize }, this.tsize), encodeError(0, 'Abort'));
        }
        return { send: encodeAck(0) };
      }
      case 'data': {
        const want = this.expected & 0xffff;
        if (p.block === ((want - 1) & 0xffff) && this.expected > 1) return { send: encodeAck(p.block) };
        if (p.block !== want) return {};
        if (p.data.length > this.blksize) {
          return this.finish({ kind: 'error', code: 4, message: `block of ${p.data.length} bytes > blksize ${this.blksize}` });
        }
        this.chunks.push(p.data);
        this.received += p.data.length;
        this.expected++;
        const ack = encodeAck(p.block);
        if (p.data.length < this.blksize) {
          const data = Buffer.concat(this.chunks);
          if (this.tsize !== undefined && this.tsize !== data.length) {
            return this.finish({ kind: 'error', code: 0, message: `got ${data.length} bytes, tsize said ${this.tsize}` }, ack);
          }
          return this.finish(withTsize({ kind: 'data', data, blksize: this.blksize }, this.tsize), ack);
        }
        return { send: ack };
      }
    }
  }

  private finish(r: TftpResult, send?: Buffer): TftpStep {
    this.result = r;
    return send ? { send, done: r } : { done: r };
  }
}

function withTsize<T extends { kind: 'data' | 'probed' }>(r: T, tsize: number | undefined): T {
  return tsize === undefined ? r : { ...r, tsize };
}
