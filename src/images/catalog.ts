/**
 * The named root filesystems of piman.yaml (`install.images`): for each, its
 * path, size, SHA-256 and modification time, or why it cannot be used. Which
 * image a port installs is decided here (pimanPortImage, else hosts.csv's
 * `image`, else install.defaultImage), so the agent, the control channel and
 * the rootfs stream agree.
 *
 * A missing or unreadable image is logged once when it becomes unusable (at
 * start or reload) and once when it is back; only the Pis using it are held.
 * Digests are cached per file identity (device, inode, size, mtime), so a
 * refresh re-reads only files that changed, and a stream that sent a whole
 * file records the digest of what it really sent.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import type { Logger } from '../log.js';
import { describeError } from '../errors.js';
import { checkRootfs } from '../control/rootfs-check.js';

export interface ImageInfo {
  readonly name: string;
  readonly path: string;
  /** Bytes, or null when the file cannot be read. */
  readonly size: number | null;
  /** SHA-256 hex of the whole file; '' until known. */
  readonly sha256: string;
  readonly mtimeMs: number | null;
  /** Why the image cannot be installed now, or null. */
  readonly problem: string | null;
}

/** Identity of one version of a file: a replaced (renamed-over) or rewritten file has another. */
export interface FileVersion {
  readonly dev: number;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

export function versionKey(v: FileVersion): string {
  return `${v.dev}:${v.ino}:${v.size}:${v.mtimeMs}`;
}

/** What a port's choice needs: pimanPortImage and the hosts.csv column. */
export interface ImageChoice {
  readonly image: string;
  readonly hostImage?: string | null | undefined;
}

export type ImageListener = () => void;

/** Digests kept at most (a few per image; files replaced often leave old versions behind). */
const DIGEST_CACHE = 64;

export class ImageCatalog {
  private paths = new Map<string, string>();
  private defaultName: string;
  private readonly infos = new Map<string, ImageInfo>();
  private readonly digests = new Map<string, string>();
  private readonly listeners = new Set<ImageListener>();
  private refreshing: Promise<void> = Promise.resolve();

  constructor(
    images: Readonly<Record<string, string>>,
    defaultImage: string,
    private readonly log: Logger,
  ) {
    this.defaultName = defaultImage;
    this.set(images);
  }

  private set(images: Readonly<Record<string, string>>): void {
    this.paths = new Map(Object.entries(images));
    for (const n of [...this.infos.keys()]) if (!this.paths.has(n)) this.infos.delete(n);
    for (const [name, path] of this.paths) {
      const old = this.infos.get(name);
      if (!old || old.path !== path) this.infos.set(name, { name, path, size: null, sha256: '', mtimeMs: null, problem: 'not checked yet' });
    }
  }

  get defaultImage(): string {
    return this.defaultName;
  }

  names(): string[] {
    return [...this.paths.keys()];
  }

  has(name: string): boolean {
    return this.paths.has(name);
  }

  list(): ImageInfo[] {
    return this.names().map((n) => this.infos.get(n)!);
  }

  info(name: string): ImageInfo | undefined {
    return this.infos.get(name);
  }

  /** The image a port's next install uses. */
  imageFor(c: ImageChoice): string {
    if (c.image && this.paths.has(c.image)) return c.image;
    if (c.hostImage && this.paths.has(c.hostImage)) return c.hostImage;
    return this.defaultName;
  }

  /** Why the port's next install cannot run (its image is unusable or gone), or null. */
  problemFor(c: ImageChoice): string | null {
    if (c.image && !this.paths.has(c.image)) return `image '${c.image}' chosen for this port is no longer in install.images`;
    const name = this.imageFor(c);
    const info = this.infos.get(name);
    const p = info ? info.problem : 'not configured';
    return p === null ? null : `image '${name}' cannot be installed: ${p}`;
  }

  /** Called when the list of images changes (reload). */
  on(l: ImageListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Reload: another list of images; resolves once every image was checked. */
  async replace(images: Readonly<Record<string, string>>, defaultImage: string): Promise<void> {
    const before = this.names().join('\n');
    this.defaultName = defaultImage;
    this.set(images);
    if (this.names().join('\n') !== before) for (const l of this.listeners) l();
    await this.refresh();
  }

  /**
   * Checks every image (stat, gzip header) and computes missing digests. One
   * refresh at a time; a call during one waits for it and runs again.
   */
  refresh(): Promise<void> {
    this.refreshing = this.refreshing.then(() => this.refreshOnce());
    return this.refreshing;
  }

  private async refreshOnce(): Promise<void> {
    await Promise.all(this.names().map((n) => this.check(n)));
  }

  private async check(name: string): Promise<void> {
    const path = this.paths.get(name);
    if (path === undefined) return;
    let next: ImageInfo;
    try {
      await checkRootfs(path);
      const st = await stat(path);
      const v: FileVersion = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs };
      const digest = this.digests.get(versionKey(v)) ?? (await this.hash(path, v));
      next = { name, path, size: st.size, sha256: digest ?? '', mtimeMs: st.mtimeMs, problem: null };
    } catch (e) {
      next = { name, path, size: null, sha256: '', mtimeMs: null, problem: describeError(e) };
    }
    if (this.paths.get(name) !== path) return; // replaced by a reload meanwhile
    const prev = this.infos.get(name);
    this.infos.set(name, next);
    if (next.problem !== null && next.problem !== prev?.problem) {
      this.log.error({ code: 'E_ROOTFS', image: name, path }, `image '${name}' cannot be installed: ${next.problem}; only the Pis using it wait (their marks stay)`);
    } else if (next.problem === null && prev?.problem !== null && prev?.problem !== 'not checked yet') {
      this.log.info({ image: name, path }, `image '${name}' can be installed again`);
    }
  }

  /** SHA-256 of the file if it is still version `v` when read to its end; null when it changed meanwhile. */
  private async hash(path: string, v: FileVersion): Promise<string | null> {
    const h = createHash('sha256');
    await new Promise<void>((resolve, reject) => {
      const rs = createReadStream(path);
      rs.on('data', (c) => h.update(c));
      rs.on('error', reject);
      rs.on('end', resolve);
    });
    const after = await stat(path);
    if (versionKey({ dev: after.dev, ino: after.ino, size: after.size, mtimeMs: after.mtimeMs }) !== versionKey(v)) return null;
    const digest = h.digest('hex');
    this.remember(v, digest);
    return digest;
  }

  private remember(v: FileVersion, digest: string): void {
    const k = versionKey(v);
    this.digests.delete(k);
    this.digests.set(k, digest);
    while (this.digests.size > DIGEST_CACHE) this.digests.delete(this.digests.keys().next().value!);
  }

  /**
   * A stream sent version `v` of an image whole, with this digest: remembered,
   * and the image's row follows when that version is still the file's.
   */
  recordSent(name: string, v: FileVersion, digest: string): void {
    this.remember(v, digest);
    const info = this.infos.get(name);
    if (info && info.problem === null && info.size === v.size && info.mtimeMs === v.mtimeMs && info.sha256 === '') {
      this.infos.set(name, { ...info, sha256: digest });
    }
  }
}
