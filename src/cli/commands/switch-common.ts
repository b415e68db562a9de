/** Helpers shared by the switch commands (mapper, findport). */
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import type { PimanConfig } from '../../config/schema.js';
import { PimanError } from '../../errors.js';
import { configPath, loadCommandConfig } from '../options.js';

/** The config when one is given or found; null when there is none (the old tool needed none). */
export async function optionalConfig(cmd: Command): Promise<PimanConfig | null> {
  if (configPath(cmd) === undefined) {
    const { DEFAULT_CONFIG_PATHS } = await import('../../config/load.js');
    const found = await Promise.all(DEFAULT_CONFIG_PATHS.map((p) => access(p).then(() => true, () => false)));
    if (!found.some(Boolean)) return null;
  }
  return (await loadCommandConfig(cmd)).config;
}

export function intOption(name: string, min: number, max: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min || n > max) throw new PimanError('E_USAGE', `${name}: '${v}' must be a whole number ${min}..${max}`, { exitCode: 2 });
    return n;
  };
}

export function secondsOption(name: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new PimanError('E_USAGE', `${name}: '${v}' must be a number of seconds`, { exitCode: 2 });
    return n;
  };
}

export const print = (line: string): void => void process.stdout.write(line + '\n');
