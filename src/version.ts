/**
 * piman's version, read from its package.json (the one place it is written)
 * by walking up from this module: the same code finds it from src/ under tsx
 * and from a compiled copy one folder deeper.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function readVersion(from: string): string {
  let dir = from;
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'piman' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no (readable) package.json here: look one folder up
    }
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return '0.0.0-unknown';
}

export const VERSION = readVersion(dirname(fileURLToPath(import.meta.url)));
