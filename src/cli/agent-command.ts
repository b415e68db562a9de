/** Shared plumbing of the commands that talk to the piman agent. */
import type { Command } from 'commander';
import type { PimanConfig } from '../config/schema.js';
import type { SwitchInfo } from '../cluster/types.js';
import { loadCommandConfig } from './options.js';
import { AgentClient, clientOptionsFromConfig } from './agent-client.js';

export interface AgentCommandContext {
  readonly config: PimanConfig;
  readonly client: AgentClient;
  readonly switches: readonly SwitchInfo[];
}

export interface AgentCommandOptions {
  readonly user?: string;
}

export function addAgentOptions(cmd: Command): Command {
  return cmd.option('--user <name>', 'talk SNMPv3 as this user from agent.users (default: the v2c communities)');
}

export async function withAgent<T>(cmd: Command, opts: AgentCommandOptions, fn: (ctx: AgentCommandContext) => Promise<T>): Promise<T> {
  const { config } = await loadCommandConfig(cmd);
  const clientOpts = clientOptionsFromConfig(config, opts.user);
  const client = new AgentClient(clientOpts);
  try {
    return await fn({ config, client, switches: clientOpts.switches });
  } finally {
    client.close();
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
