/**
 * Which settings differ between two configs, as key paths (`tftp.port`,
 * `switches.0.address`). Only paths: values may be secrets (communities,
 * SNMPv3 keys) and never go to the log.
 */
import type { PimanConfig } from './schema.js';

/** Settings a SIGHUP applies to the running daemon; every other change needs a restart. */
export const LIVE_SETTINGS: readonly string[] = ['hosts', 'log.level', 'install.images', 'install.defaultImage', 'install.rootfs'];

export function changedSettings(a: PimanConfig, b: PimanConfig): string[] {
  const out: string[] = [];
  walk(a, b, '', out);
  return out;
}

function walk(a: unknown, b: unknown, at: string, out: string[]): void {
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;
  if (isObj(a) && isObj(b) && Array.isArray(a) === Array.isArray(b)) {
    if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return void out.push(at);
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) walk(a[k], b[k], at ? `${at}.${k}` : k, out);
    return;
  }
  if (a !== b) out.push(at);
}

export function needsRestart(changed: readonly string[]): string[] {
  return changed.filter((k) => !LIVE_SETTINGS.some((s) => k === s || k.startsWith(`${s}.`)));
}
