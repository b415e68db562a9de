import type { Command } from 'commander';
import { portId, type PortKey } from '../../cluster/types.js';
import { addAgentOptions, setAndWait, sleep, withAgent, type AgentCommandOptions } from '../agent-command.js';
import type { AgentClient, PortRow } from '../agent-client.js';
import { parsePortSpecs, portLabel } from '../port-spec.js';
import { cycleEnded, type Outcome } from '../cycle-wait.js';
import { reportOutcomes } from '../outcomes.js';
import { ProgressView } from '../progress-view.js';

interface ReinstallOptions extends AgentCommandOptions {
  readonly wait?: boolean;
  readonly image?: string;
}

export function registerReinstall(program: Command): void {
  const cmd = program
    .command('reinstall <port...>')
    .description('mark ports (7, sw2:7, 1-8) for reinstall and power-cycle them')
    .option('--wait', 'show progress until every port is up or failed (exit 1 if any failed)')
    .option('--image <name>', "install this image (see 'piman images'); set with the marks in one SNMP SET, all or nothing")
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (ports: string[], opts: ReinstallOptions, command: Command) => {
    await withAgent(command, opts, async (ctx) => {
      const { client, switches } = ctx;
      const keys = parsePortSpecs(ports, switches);
      // The agent stores every mark before it answers; the power cycles follow.
      const cycled = await setAndWait(ctx, keys, () => client.setReinstall(keys, opts.image), cycleEnded, 250);
      const withImage = opts.image === undefined ? '' : ` with image ${opts.image}`;
      if (!opts.wait) {
        reportOutcomes(cycled, (k) => `${portLabel(k, switches)} marked for reinstall${withImage} and power-cycled`, switches);
        return;
      }
      const started = cycled.filter((o) => o.ok).map((o) => o.key);
      const finished = await followInstall(client, started, switches);
      const byId = new Map(finished.map((o) => [portId(o.key), o]));
      const all = cycled.map((o) => byId.get(portId(o.key)) ?? o);
      reportOutcomes(all, (k) => `${portLabel(k, switches)} reinstalled and up`, switches);
    });
  });
}

/** Polls until every port is up (install done) or failed, drawing progress. */
async function followInstall(client: AgentClient, keys: readonly PortKey[], switches: Parameters<typeof portLabel>[1]): Promise<Outcome[]> {
  const view = new ProgressView(process.stdout, switches);
  const result = new Map<string, Outcome>();
  let rows: PortRow[] = [];
  while (result.size < keys.length) {
    rows = await client.ports(keys);
    view.update(rows);
    for (const r of rows) {
      if (result.has(portId(r))) continue;
      const key = { switchIndex: r.switchIndex, port: r.port };
      if (r.state === 'up') result.set(portId(r), { key, ok: true, row: r });
      else if (r.state === 'failed') result.set(portId(r), { key, ok: false, row: r, error: r.lastError || 'failed' });
    }
    if (result.size < keys.length) await sleep(1000);
  }
  return keys.map((k) => result.get(portId(k))!);
}
