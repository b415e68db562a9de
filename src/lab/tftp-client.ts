/**
 * A read-only TFTP client session as the Pi boot ROMs drive it (RFC 1350,
 * options RFC 2347/2348/2349), pure: packets in, packets out, over piman's
 * TFTP codec (src/tftp/packet.ts). `probe` mode is the Pi 4's tsize probe:
 * on the OACK it answers ERROR 0 and stops. The socket runner is tftp-fetch.ts.
 */
import { DecodeError } from '../errors.js';
import { decodeTftp, encodeTftp } from '../tftp/packet.js';

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

/** The RRQ a Pi sends: `tsize 0` before `blksize`, as the Pi 4 bootloader orders them. */
export function encodeRrq(req: TftpRequest): Buffer {
  const options: Array<[string, string]> = [];
  if (req.tsize) options.push(['tsize', '0']);
  if (req.blksize !== undefined) options.push(['blksize', String(req.blksize)]);
  return encodeTftp({ op: 'rrq', filename: req.file, mode: 'octet', options });
}

export function encodeAck(block: number): Buffer {
  return encodeTftp({ op: 'ack', block: block & 0xffff });
}

export function encodeError(code: number, message: string): Buffer {
  return encodeTftp({ op: 'error', code, message });
}

export type ServerPacket =
  | { readonly op: 'data'; readonly block: number; readonly data: Buffer }
  | { readonly op: 'oack'; readonly options: ReadonlyMap<string, string> }
  | { readonly op: 'error'; readonly code: number; readonly message: string };

/** What a server may send a reading client (piman's TFTP codec underneath); anything else is a DecodeError. */
export function decodeServerPacket(buf: Uint8Array): ServerPacket {
  const p = decodeTftp(buf);
  switch (p.op) {
    case 'data':
      return { op: 'data', block: p.block, data: Buffer.from(p.data) };
    case 'error':
      return { op: 'error', code: p.code, message: p.message };
    case 'oack': {
      const options = new Map<string, string>();
      for (const [k, v] of p.options) if (!options.has(k.toLowerCase())) options.set(k.toLowerCase(), v);
      return { op: 'oack', options };
    }
    default:
      throw new DecodeError('TFTP packet', `a server does not send ${p.op.toUpperCase()} to a reading client`);
  }
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
