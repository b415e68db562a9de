import type { Command } from 'commander';
import { isPimanError, describeError } from '../../errors.js';
import { configPath } from '../options.js';
import type { HostBinding } from '../../cluster/types.js';

interface Problem {
  readonly code: string;
  readonly message: string;
}

interface Report {
  ok: boolean;
  config: string | null;
  switches: number;
  hosts: number;
  problems: Problem[];
  /** Images of install.images that cannot be installed while others can: piman starts, their Pis wait. */
  warnings: Problem[];
}

/** Every line of a PimanError (config and hosts errors carry one problem per line) as a problem with its code. */
function asProblems(e: unknown): Problem[] {
  if (isPimanError(e)) return e.message.split('\n').map((message) => ({ code: e.code, message }));
  return [{ code: 'E_INTERNAL', message: describeError(e) }];
}

/**
 * What `piman server` would refuse on, without starting anything: piman.yaml,
 * hosts.csv (required here; its addresses inside piman's subnet, RFC 1123
 * names), the state file, every part's start-up check (boot folder, rootfs,
 * interface) and whether the rootfs is really a gzipped tar.
 */
export async function checkInstallation(path: string | undefined, opts: { ports?: boolean } = {}): Promise<Report> {
  const report: Report = { ok: false, config: null, switches: 0, hosts: 0, problems: [], warnings: [] };
  // Loaded when the check runs, not for `piman --help`.
  const [{ loadHosts }, { loadConfig }, { checkRootfsTar }, { portProblems }, { Daemon, switchInfos }, { partFactories }, { silentLogger }] = await Promise.all([
    import('../../config/hosts.js'),
    import('../../config/load.js'),
    import('../../config/rootfs-tar.js'),
    import('../../config/ports.js'),
    import('../../daemon.js'),
    import('../../parts.js'),
    import('../../log.js'),
  ]);
  let loaded;
  try {
    loaded = await loadConfig(path);
  } catch (e) {
    report.problems.push(...asProblems(e));
    return report;
  }
  const { config } = loaded;
  report.config = loaded.path;
  report.switches = config.switches.length;
  let hosts: HostBinding[] = [];
  try {
    const network = { address: config.server.address, netmask: config.server.netmask, relays: config.dhcp.relays.length > 0, subnets: config.dhcp.subnets };
    hosts = await loadHosts(config.hosts, switchInfos(config), { required: true, network, images: Object.keys(config.install.images) });
    report.hosts = hosts.length;
  } catch (e) {
    report.problems.push(...asProblems(e));
  }
  try {
    const daemon = await Daemon.create({ config, log: silentLogger(), hosts }, partFactories);
    for (const { err } of await daemon.problems()) report.problems.push(...asProblems(err));
  } catch (e) {
    report.problems.push(...asProblems(e));
  }
  const images = Object.entries(config.install.images);
  if (images.length === 1) {
    if (!report.problems.some((p) => p.code === 'E_ROOTFS')) {
      await checkRootfsTar(config.install.rootfs).catch((e: unknown) => report.problems.push(...asProblems(e)));
    }
  } else if (!report.problems.some((p) => p.code === 'E_ROOTFS')) {
    // Several images: the server starts while one is usable; the others are named here, as warnings.
    for (const [name, path] of images) {
      await checkRootfsTar(path).catch((e: unknown) => report.warnings.push(...asProblems(e).map((p) => ({ ...p, message: `image '${name}': ${p.message}` }))));
    }
  }
  if (opts.ports) for (const message of await portProblems(config)) report.problems.push({ code: 'E_LISTEN', message });
  report.ok = report.problems.length === 0;
  return report;
}

export function registerConfig(program: Command): void {
  const config = program.command('config').description('inspect the configuration');
  config
    .command('check')
    .description("run the server's start-up checks without starting it: piman.yaml, hosts.csv, state file, boot folder, rootfs, interface; prints ok or every problem")
    .option('-c, --config <file>', 'configuration file')
    .option('--json', 'print the result as one JSON object (ok, config, switches, hosts, problems [{code, message}])')
    .option('--ports', 'also check that every enabled part can bind its port (not while piman runs)')
    .action(async (opts: { config?: string; json?: boolean; ports?: boolean }, cmd: Command) => {
      const report = await checkInstallation(opts.config ?? configPath(cmd), { ports: opts.ports === true });
      if (opts.json) process.stdout.write(JSON.stringify(report) + '\n');
      else if (report.ok) {
        for (const w of report.warnings) process.stderr.write(`piman: warning: ${w.message} (only the Pis using it wait)\n`);
        process.stdout.write(`ok (${report.switches} switch${report.switches === 1 ? '' : 'es'}, ${report.hosts} hosts)\n`);
      } else {
        // As ExecStartPre the lines go to the journal: `<3>` files them at error priority.
        const prio = process.env.JOURNAL_STREAM && !process.stderr.isTTY ? '<3>' : '';
        for (const p of report.problems) process.stderr.write(`${prio}piman: ${p.message}\n`);
      }
      if (!report.ok) process.exitCode = 1;
    });
}
