/** A small Pi root filesystem tree, its rootfs.tgz, and a tree comparison. */
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile, readdir, readFile, lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes, createHash } from 'node:crypto';

export async function makeRootfs(dir: string, opts: { bigBytes?: number; release?: string } = {}): Promise<{ tree: string; archive: string }> {
  const tree = join(dir, 'tree');
  await mkdir(join(tree, 'bin'), { recursive: true });
  await mkdir(join(tree, 'sbin'), { recursive: true });
  await mkdir(join(tree, 'etc'), { recursive: true });
  await mkdir(join(tree, 'usr/share/data'), { recursive: true });
  await writeFile(join(tree, 'bin/hello'), '#!/bin/sh\necho hello from the rootfs\n', { mode: 0o755 });
  await writeFile(join(tree, 'sbin/init'), '#!/bin/sh\n', { mode: 0o755 });
  await writeFile(join(tree, 'etc/piman-release'), `${opts.release ?? 'test-1'}\n`);
  // Incompressible data so the stream spans many chunks.
  await writeFile(join(tree, 'usr/share/data/blob'), randomBytes(opts.bigBytes ?? 3 * 1024 * 1024));
  const archive = join(dir, 'rootfs.tgz');
  execFileSync('tar', ['-czf', archive, '-C', tree, '.']);
  return { tree, archive };
}

/** Relative path -> sha256 (files) or 'dir' for every entry under `root`. */
export async function listTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string): Promise<void> => {
    for (const name of await readdir(join(root, rel))) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(root, r));
      if (st.isDirectory()) {
        out.set(r, 'dir');
        await walk(r);
      } else {
        out.set(r, createHash('sha256').update(await readFile(join(root, r))).digest('hex'));
      }
    }
  };
  await walk('');
  return out;
}
