/**
 * Pure request-name handling: which relative paths under tftp.root a
 * requested name may be served from, in the order to try them.
 *
 * - absolute names and any `..` segment are refused (access violation);
 * - `<serial>/file` or `<mac-with-dashes>/file` is served from that folder
 *   when it has the file, else from the root (the Pi 3 ROM and Pi 4
 *   bootloader ask with their serial as prefix);
 * - a plain `file` from a Pi whose MAC piman knows is looked up first in
 *   `<mac-with-dashes>/`, so one Pi can get its own config.txt.
 */
import { macDashed } from '../cluster/mac.js';

export type Candidates =
  | { readonly ok: true; readonly name: string; readonly paths: readonly string[] }
  | { readonly ok: false; readonly code: 1 | 2; readonly message: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true });
const SERIAL = /^[0-9a-f]{8}$/i;
const MAC_DASHED = /^[0-9a-f]{2}(-[0-9a-f]{2}){5}$/i;

/** True for a first path segment that names a per-Pi folder. */
export function isPrefixFolder(segment: string): boolean {
  return SERIAL.test(segment) || MAC_DASHED.test(segment);
}

/**
 * `name` is the request's file name as decoded (Latin-1 characters, one per
 * byte); it is read as UTF-8 here because that is how Linux names files.
 */
export function requestCandidates(name: string, mac: string | null): Candidates {
  let text: string;
  try {
    text = UTF8.decode(Buffer.from(name, 'latin1'));
  } catch {
    // No file piman serves has such a name; say so instead of guessing one.
    return { ok: false, code: 1, message: 'file name is not valid UTF-8' };
  }
  if (text.startsWith('/') || text.startsWith('\\')) {
    return { ok: false, code: 2, message: 'absolute paths are not served; ask for a path relative to the TFTP root' };
  }
  const segments = text.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return { ok: false, code: 2, message: "'..' is not allowed in TFTP file names" };
  if (segments.length === 0) return { ok: false, code: 1, message: 'no file name given' };
  const rel = segments.join('/');
  if (segments.length > 1 && isPrefixFolder(segments[0]!)) {
    return { ok: true, name: rel, paths: [rel, segments.slice(1).join('/')] };
  }
  if (mac) return { ok: true, name: rel, paths: [`${macDashed(mac)}/${rel}`, rel] };
  return { ok: true, name: rel, paths: [rel] };
}

/** cmdline.txt carries the word MASTER where the server's address belongs (README "TFTP"). */
export function isRewritten(relPath: string): boolean {
  const base = relPath.slice(relPath.lastIndexOf('/') + 1);
  return base === 'cmdline.txt';
}

export function rewriteMaster(content: Buffer, address: string): Buffer {
  const text = content.toString('latin1');
  if (!text.includes('MASTER')) return content;
  return Buffer.from(text.replace(/\bMASTER\b/g, address), 'latin1');
}
