/**
 * `piman config check`: is the rootfs archive really a gzip-compressed tar?
 * Only its start is read: the first compressed bytes are inflated until the
 * first 512-byte tar header is out, and that header's checksum is verified
 * (a gzip of anything else passes the server's magic-number check but would
 * wipe a Pi and leave it with nothing to unpack).
 */
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { PimanError } from '../errors.js';

const BLOCK = 512;
/** Compressed bytes read at most: a tar header compresses far below this. */
const READ_LIMIT = 256 * 1024;

/** Inflates the start of a gzip stream until `want` bytes are out or the input ends; never throws on a truncated stream. */
function inflateStart(compressed: Buffer, want: number): Promise<{ data: Buffer; error: string | null }> {
  return new Promise((resolve) => {
    const z = createGunzip();
    const chunks: Buffer[] = [];
    let got = 0;
    let done = false;
    const finish = (error: string | null): void => {
      if (done) return;
      done = true;
      z.destroy();
      resolve({ data: Buffer.concat(chunks).subarray(0, want), error });
    };
    z.on('data', (c: Buffer) => {
      chunks.push(c);
      got += c.length;
      if (got >= want) finish(null);
    });
    z.on('error', (e) => finish(got >= want ? null : e.message));
    z.on('end', () => finish(null));
    z.end(compressed);
  });
}

/** True when the block is a tar header whose checksum (field at 148, octal) matches, as tar computes it. */
export function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  const field = block.subarray(148, 156).toString('latin1').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]{1,7}$/.test(field)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === parseInt(field, 8);
}

export async function checkRootfsTar(path: string): Promise<void> {
  const hint = 'install.rootfs must be a gzip-compressed tar of the Pi root filesystem (tar -czf rootfs.tgz -C <root> .)';
  let head: Buffer;
  const fh = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new PimanError('E_ROOTFS', `${path}: cannot open rootfs archive: ${e.code ?? e.message}`);
  });
  try {
    const buf = Buffer.alloc(READ_LIMIT);
    const { bytesRead } = await fh.read(buf, 0, READ_LIMIT, 0);
    head = buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
  const { data, error } = await inflateStart(head, BLOCK);
  if (data.length < BLOCK) {
    throw new PimanError('E_ROOTFS', `${path}: rootfs archive does not inflate to a tar header (${error ?? `only ${data.length} bytes inside`}); ${hint}`);
  }
  if (data.every((b) => b === 0)) throw new PimanError('E_ROOTFS', `${path}: rootfs archive is an empty tar; ${hint}`);
  if (!isTarHeader(data)) throw new PimanError('E_ROOTFS', `${path}: rootfs archive is gzip but not a tar (the first block is no tar header); ${hint}`);
}
