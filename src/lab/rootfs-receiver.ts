/**
 * What a virtual Pi does with `nc $master 4444 | gunzip | tar -xf -`:
 * gunzip (CRC checked by zlib), walk the tar (header checksums checked) and
 * remember what was installed. Nothing is written to disk.
 */
import { createGunzip } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { PimanError, describeError } from '../errors.js';
import { TarReader } from './tar.js';

/** The file in the lab rootfs whose content names the image (like /etc/os-release). */
export const RELEASE_FILE = 'etc/piman-release';

export interface InstalledImage {
  /** Content of etc/piman-release, trimmed; '' when the archive has none. */
  readonly release: string;
  readonly files: number;
  /** Bytes of the compressed stream as received. */
  readonly gzBytes: number;
  /** sha256 of the compressed stream, hex: lets a test compare with rootfs.tgz. */
  readonly sha256: string;
}

const SMALL = 4096;

/** Consumes `stream` to its end; rejects on a damaged archive or a broken stream. */
export function receiveRootfs(stream: Readable, signal?: AbortSignal): Promise<InstalledImage> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let gzBytes = 0;
    let files = 0;
    let release = '';
    let releaseChunks: Buffer[] | null = null;
    const tar = new TarReader(
      (f) => {
        if (f.type === 'file') files++;
        releaseChunks = f.name.replace(/^\.\//, '') === RELEASE_FILE && f.size <= SMALL ? [] : null;
        if (releaseChunks && f.size === 0) release = '';
      },
      (_f, chunk) => {
        if (releaseChunks) {
          releaseChunks.push(Buffer.from(chunk));
          release = Buffer.concat(releaseChunks).toString('utf8').trim();
        }
      },
    );
    const gunzip = createGunzip();
    let settled = false;
    const fail = (e: unknown): void => {
      if (settled) return;
      settled = true;
      stream.destroy();
      gunzip.destroy();
      reject(e instanceof PimanError ? e : new PimanError('E_ROOTFS', `rootfs stream: ${describeError(e)}`));
    };
    const onAbort = (): void => fail(new PimanError('E_ROOTFS', 'rootfs stream: aborted (power off)'));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    stream.on('data', (c: Buffer) => {
      gzBytes += c.length;
      hash.update(c);
    });
    stream.on('error', fail);
    gunzip.on('error', fail);
    gunzip.on('data', (c: Buffer) => {
      try {
        tar.push(c);
      } catch (e) {
        fail(e);
      }
    });
    gunzip.on('end', () => {
      try {
        tar.end();
      } catch (e) {
        return fail(e);
      }
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      resolve({ release, files, gzBytes, sha256: hash.digest('hex') });
    });
    stream.pipe(gunzip);
  });
}
