/**
 * Start-up check of the rootfs archive: a Pi told `format` wipes its disk,
 * so piman must not start when it has nothing valid to send.
 */
import { open } from 'node:fs/promises';
import { PimanError } from '../errors.js';

export interface RootfsInfo {
  readonly path: string;
  readonly size: number;
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

export async function checkRootfs(path: string): Promise<RootfsInfo> {
  const hint = 'set install.rootfs in piman.yaml to a gzip-compressed tar of the Pi root filesystem (see README "Building the rootfs archive")';
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new PimanError('E_ROOTFS', `${path}: cannot open rootfs archive: ${why}; ${hint}`);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new PimanError('E_ROOTFS', `${path}: rootfs archive is not a regular file; ${hint}`);
    const head = Buffer.alloc(2);
    let got: number;
    try {
      ({ bytesRead: got } = await fh.read(head, 0, 2, 0));
    } catch (e) {
      throw new PimanError('E_ROOTFS', `${path}: cannot read rootfs archive: ${(e as Error).message}; ${hint}`);
    }
    if (got < 2 || head[0] !== GZIP_MAGIC[0] || head[1] !== GZIP_MAGIC[1]) {
      const what = st.size === 0 ? 'is empty' : 'does not start with the gzip header 1f 8b';
      throw new PimanError('E_ROOTFS', `${path}: rootfs archive ${what}; ${hint}`);
    }
    return { path, size: st.size };
  } finally {
    await fh.close();
  }
}
