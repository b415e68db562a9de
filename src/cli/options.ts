/** Options every command shares, read from the root program. */
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';

export function configPath(cmd: Command): string | undefined {
  const root = rootOf(cmd);
  return (root.opts() as { config?: string }).config;
}

export function loadCommandConfig(cmd: Command): Promise<LoadedConfig> {
  return loadConfig(configPath(cmd));
}

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}
