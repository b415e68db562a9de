/**
 * Reads and validates piman.yaml. Errors name the file, the key path and the
 * problem; relative paths are resolved against the file's folder.
 */
import { readFile, access } from 'node:fs/promises';
import { dirname, resolve, isAbsolute } from 'node:path';
import { isCollection, isPair, parseDocument, visit, type Document } from 'yaml';
import { ConfigError, PimanError } from '../errors.js';
import { configSchema, type PimanConfig } from './schema.js';

export const DEFAULT_CONFIG_PATHS = ['./piman.yaml', '/etc/piman/piman.yaml'] as const;

export interface LoadedConfig {
  readonly path: string;
  readonly config: PimanConfig;
}

/** Validates already-parsed YAML; `file` is only used in messages and for relative paths. */
export function validateConfig(raw: unknown, file: string): PimanConfig {
  const r = configSchema.safeParse(raw ?? {});
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      if (i.code === 'unrecognized_keys') {
        const at = i.path.length ? `${i.path.join('.')}.` : '';
        return `${file}: ${i.keys.map((k) => at + k).join(', ')}: unknown key${i.keys.length > 1 ? 's' : ''} (check the spelling; see examples/piman.yaml)`;
      }
      // A record key (an image name) that fails its check: zod's own message only says "Invalid key".
      const inner = i.code === 'invalid_key' ? i.issues[0]?.message : undefined;
      return `${file}: ${i.path.join('.') || '(top)'}: ${inner ?? i.message}`;
    });
    throw new ConfigError(problems);
  }
  const cfg = r.data;
  const names = new Set<string>();
  for (const [i, sw] of cfg.switches.entries()) {
    if (names.has(sw.name)) throw new ConfigError([`${file}: switches.${i}.name: '${sw.name}' is used twice`]);
    names.add(sw.name);
    if (sw.version === '3' && !sw.user) throw new ConfigError([`${file}: switches.${i}.user: SNMPv3 needs a user`]);
  }
  const base = dirname(resolve(file));
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const { images, defaultImage } = resolveImages(cfg.install, file);
  const absImages = Object.fromEntries(Object.entries(images).map(([n, p]) => [n, abs(p)]));
  return {
    ...cfg,
    hosts: abs(cfg.hosts),
    state: abs(cfg.state),
    tftp: { ...cfg.tftp, root: abs(cfg.tftp.root) },
    install: { ...cfg.install, images: absImages, defaultImage, rootfs: absImages[defaultImage]! },
  };
}

/** The name of the one image of a config with `install.rootfs` alone. */
export const DEFAULT_IMAGE = 'default';

/**
 * `install.images` + `install.defaultImage`, or `install.rootfs` alone (then
 * one image named `default`): never both, so which archive a Pi gets is never
 * a guess.
 */
function resolveImages(i: { rootfs?: string | undefined; images?: Record<string, string> | undefined; defaultImage?: string | undefined }, file: string): { images: Record<string, string>; defaultImage: string } {
  if (!i.images) {
    if (i.defaultImage !== undefined) throw new ConfigError([`${file}: install.defaultImage: needs install.images (the images it names one of)`]);
    return { images: { [DEFAULT_IMAGE]: i.rootfs ?? './rootfs.tgz' }, defaultImage: DEFAULT_IMAGE };
  }
  if (i.rootfs !== undefined) {
    throw new ConfigError([`${file}: install.rootfs: give either install.rootfs (one image) or install.images with install.defaultImage, not both`]);
  }
  const names = Object.keys(i.images);
  if (names.length === 0) throw new ConfigError([`${file}: install.images: list at least one image (name: path of a gzipped tar)`]);
  if (i.defaultImage === undefined) {
    if (names.length === 1) return { images: i.images, defaultImage: names[0]! };
    throw new ConfigError([`${file}: install.defaultImage: required when install.images lists more than one image (one of ${names.join(', ')})`]);
  }
  if (!names.includes(i.defaultImage)) {
    throw new ConfigError([`${file}: install.defaultImage: '${i.defaultImage}' is not in install.images (${names.join(', ')})`]);
  }
  return { images: i.images, defaultImage: i.defaultImage };
}

/** A config file is a few KiB; these bound what a broken or hostile one can cost. */
const MAX_CONFIG_BYTES = 1024 * 1024;
const MAX_FLOW_DEPTH = 64;

/**
 * The line where `[`/`{` nesting (outside quotes and comments) first exceeds
 * MAX_FLOW_DEPTH, or 0. The YAML parser recurses per level: thousands of
 * levels take seconds and can exhaust V8's memory outright (a fatal error,
 * not an exception), so such a document is refused before parsing.
 */
function tooDeepAt(text: string): number {
  let depth = 0;
  let line = 1;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\n') line++;
    if (quote) {
      if (ch === '\\' && quote === '"') i++;
      else if (ch === quote) quote = '';
      continue;
    }
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? text.length : nl - 1;
    } else if (ch === '[' || ch === '{') {
      if (++depth > MAX_FLOW_DEPTH) return line;
    } else if ((ch === ']' || ch === '}') && depth > 0) depth--;
  }
  return 0;
}

/** The line of the first mapping or list used as a key (YAML allows it; toJS would turn it into text with a process warning). */
function collectionKeyLine(doc: Document, text: string): number | null {
  let offset: number | null = null;
  visit(doc, {
    Pair(_, pair) {
      if (isPair(pair) && isCollection(pair.key)) {
        offset = pair.key.range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (offset === null) return null;
  return text.slice(0, offset).split('\n').length;
}

export function parseConfigText(text: string, file: string): PimanConfig {
  if (text.length > MAX_CONFIG_BYTES) throw new ConfigError([`${file}: the file is larger than 1 MiB; is it the right file?`]);
  const deep = tooDeepAt(text);
  if (deep) throw new ConfigError([`${file}: line ${deep}: nested more than ${MAX_FLOW_DEPTH} levels deep`]);
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(doc.errors.map((e) => `${file}: line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0]}`));
  }
  const keyLine = collectionKeyLine(doc, text);
  if (keyLine !== null) throw new ConfigError([`${file}: line ${keyLine}: a key must be a name, not a mapping or a list`]);
  let raw: unknown;
  try {
    // toJS resolves aliases and can still refuse the document (e.g. an unknown alias).
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new ConfigError([`${file}: ${(e as Error).message.split('\n')[0]}`]);
  }
  return validateConfig(raw, file);
}

export async function loadConfig(path?: string): Promise<LoadedConfig> {
  const file = path ?? (await findDefaultConfig());
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new PimanError('E_CONFIG', `${file}: cannot read config: ${why} (give one with -c FILE; see examples/piman.yaml)`);
  }
  return { path: resolve(file), config: parseConfigText(text, file) };
}

async function findDefaultConfig(): Promise<string> {
  for (const p of DEFAULT_CONFIG_PATHS) {
    try {
      await access(p);
      return p;
    } catch {
      // try the next
    }
  }
  return DEFAULT_CONFIG_PATHS[0];
}
