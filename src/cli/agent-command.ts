/** Shared plumbing of the commands that talk to the piman agent. */
import type { Command } from 'commander';
import type { PimanConfig } from '../config/schema.js';
import type { SwitchInfo } from '../cluster/types.js';
import { loadCommandConfig } from './options.js';
import type { AgentClient } from './agent-client.js';
import type { PortKey } from '../cluster/types.js';
import { cycleTimeoutMs, waitFor, type EndTest, type Outcome } from './cycle-wait.js';
import { probeUdpPort } from './agent-probe.js';
import { PimanError } from '../errors.js';

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
  // net-snmp is loaded when a command talks to the agent, not for --help.
  const { AgentClient, clientOptionsFromConfig } = await import('./agent-client.js');
  const clientOpts = clientOptionsFromConfig(config, opts.user);
  const client = new AgentClient(clientOpts);
  try {
    return await fn({ config, client, switches: clientOpts.switches });
  } catch (e) {
    if (e instanceof PimanError && e.code === 'E_AGENT_UNREACHABLE') throw await explainSilence(e, clientOpts.address, clientOpts.port, opts.user);
    throw e;
  } finally {
    client.close();
  }
}

/** A timeout means "not running" or "ignored": the probe tells which (never printing the community). */
async function explainSilence(e: PimanError, address: string, port: number, user: string | undefined): Promise<PimanError> {
  const at = `${address}:${port}`;
  if ((await probeUdpPort(address, port)) === 'closed') {
    return new PimanError('E_AGENT_UNREACHABLE', `piman server is not running: nothing listens on ${at} (agent.address and agent.port of piman.yaml)`, { cause: e });
  }
  const who = user ? `SNMPv3 user '${user}'` : 'the community in piman.yaml';
  return new PimanError(
    'E_AGENT_REFUSED',
    `the agent at ${at} did not answer ${who}: check that agent.readCommunity/writeCommunity (or agent.users) match the server's piman.yaml, or a firewall drops SNMP`,
    { cause: e },
  );
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Sends a SET that starts power work on `keys` (the agent answers before the
 * work is done), then polls the rows until `end` says each port is done or
 * failed, bounded by the longest a power cycle may take.
 */
export async function setAndWait(
  ctx: AgentCommandContext,
  keys: readonly PortKey[],
  set: () => Promise<void>,
  end: EndTest,
  pollMs: number,
): Promise<Outcome[]> {
  const { client, config } = ctx;
  const since = await client.upTime();
  const before = await client.ports(keys);
  await set();
  return waitFor({ ports: (k) => client.ports(k), sleep, now: Date.now }, keys, before, since, end, {
    timeoutMs: cycleTimeoutMs(config, keys.length),
    pollMs,
  });
}
