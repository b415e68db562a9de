/** Options every command shares, read from the root program. */
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load.js';

export function configPath(cmd: Command): string | undefined {
  const root = rootOf(cmd);
  return (root.opts() as { config?: string }).config;
}

/** Loaded on use: the config code (zod, yaml, csv-parse) is not needed for --help or --version. */
export async function loadCommandConfig(cmd: Command): Promise<LoadedConfig> {
  const { loadConfig } = await import('../config/load.js');
  return loadConfig(configPath(cmd));
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}
