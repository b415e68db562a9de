import type { Command } from 'commander';
import { PimanError, describeError } from '../../errors.js';
import { loadCommandConfig } from '../options.js';
import type { PimanConfig } from '../../config/schema.js';
import { formatTable } from '../table.js';
import { NAGIOS, nagiosReport, type MonitoringRow } from '../nagios.js';

type Row = MonitoringRow;

export function registerMonitoring(program: Command): void {
  program
    .command('monitoring')
    .description("poll every Pi's health endpoint (GET /event/) once and show load, memory, disk, pids, temperature; exit 1 when a Pi is unreachable or over a threshold (--nagios: Nagios exit codes)")
    .option('--json', 'print JSON instead of a table')
    .option('--nagios', 'print one Nagios status line with perfdata; exit 0 OK, 1 WARNING (over a threshold), 2 CRITICAL (unreachable), 3 UNKNOWN')
    .option('--watch', 'repeat every monitor.intervalSeconds until interrupted')
    .action(async (opts: { json?: boolean; watch?: boolean; nagios?: boolean }, cmd: Command) => {
      if (opts.nagios && (opts.json || opts.watch)) {
        throw new PimanError('E_USAGE', '--nagios prints one status line once; it goes with neither --json nor --watch', { exitCode: 2 });
      }
      if (opts.nagios) return nagiosCheck(cmd);
      const { config } = await loadCommandConfig(cmd);
      for (;;) {
        const rows = await pollAll(config);
        if (opts.json) process.stdout.write(JSON.stringify(rows.map(({ unreachable: _, ...r }) => r)) + '\n');
        else {
          const n = (v: number | null): string => (v === null ? '-' : String(Math.round(v * 10) / 10));
          process.stdout.write(
            formatTable(
              ['SWITCH', 'PORT', 'HOST', 'IP', 'CPU%', 'MEM%', 'DISK%', 'PIDS', 'TEMP', 'PROBLEMS'],
              rows.map((r) => [r.switch, String(r.port), r.hostname, r.ip, n(r.cpu), n(r.memory), n(r.disk), n(r.pids), n(r.temp), r.problems.join('; ')]),
            ),
          );
        }
        process.exitCode = rows.some((r) => r.problems.length > 0) ? 1 : 0;
        if (!opts.watch) return;
        await new Promise((r) => setTimeout(r, config.monitor.intervalSeconds * 1000));
      }
    });
}

/** Every Pi of hosts.csv with an address, probed once, at once. */
async function pollAll(config: PimanConfig): Promise<Row[]> {
  // Loaded when the command runs, not for `piman --help`.
  const [{ loadHosts }, { switchInfos }, { checkThresholds }, { probeHealth }] = await Promise.all([
    import('../../config/hosts.js'),
    import('../../cluster/switch-infos.js'),
    import('../../monitor/health.js'),
    import('../../monitor/probe.js'),
  ]);
  const infos = switchInfos(config);
  const name = (i: number): string => infos.find((s) => s.index === i)?.name ?? String(i);
  const hosts = (await loadHosts(config.hosts, infos)).filter((h) => h.ip !== null);
  return Promise.all(
    hosts.map(async (h): Promise<Row> => {
      const base = { switch: name(h.switchIndex), port: h.port, hostname: h.hostname ?? '', ip: h.ip! };
      try {
        const s = await probeHealth(h.ip!, config.monitor.port, 3000);
        return { ...base, cpu: s.cpuPercent, memory: s.memoryPercent, disk: s.diskPercent, pids: s.pids, temp: s.temp, unreachable: false, problems: checkThresholds(s, config.monitor.thresholds) };
      } catch (e) {
        return { ...base, cpu: null, memory: null, disk: null, pids: null, temp: null, unreachable: true, problems: [`unreachable: ${describeError(e)}`] };
      }
    }),
  );
}

/** A Nagios check: whatever goes wrong (even the configuration) is one UNKNOWN line and exit 3, never a stack. */
async function nagiosCheck(cmd: Command): Promise<void> {
  try {
    const { config } = await loadCommandConfig(cmd);
    const r = nagiosReport(await pollAll(config), config.monitor.thresholds);
    process.stdout.write(r.line + '\n');
    process.exitCode = r.exitCode;
  } catch (e) {
    process.stdout.write(`PIMAN UNKNOWN - ${describeError(e).replace(/[\r\n|]+/g, ' ')}\n`);
    process.exitCode = NAGIOS.unknown;
  }
}
