import type { Command } from 'commander';
import { describeError } from '../../errors.js';
import { loadCommandConfig } from '../options.js';
import { formatTable } from '../table.js';

interface Row {
  switch: string;
  port: number;
  hostname: string;
  ip: string;
  cpu: number | null;
  memory: number | null;
  disk: number | null;
  pids: number | null;
  temp: number | null;
  problems: string[];
}

export function registerMonitoring(program: Command): void {
  program
    .command('monitoring')
    .description("poll every Pi's health endpoint (GET /event/) once and show load, memory, disk, pids, temperature; exit 1 when a Pi is unreachable or over a threshold")
    .option('--json', 'print JSON instead of a table')
    .option('--watch', 'repeat every monitor.intervalSeconds until interrupted')
    .action(async (opts: { json?: boolean; watch?: boolean }, cmd: Command) => {
      const { config } = await loadCommandConfig(cmd);
      const [{ loadHosts }, { switchInfos }, { checkThresholds }, { probeHealth }] = await Promise.all([
        import('../../config/hosts.js'),
        import('../../daemon.js'),
        import('../../monitor/health.js'),
        import('../../monitor/probe.js'),
      ]);
      const infos = switchInfos(config);
      const hosts = (await loadHosts(config.hosts, infos)).filter((h) => h.ip !== null);
      const name = (i: number): string => infos.find((s) => s.index === i)?.name ?? String(i);
      for (;;) {
        const rows: Row[] = await Promise.all(
          hosts.map(async (h): Promise<Row> => {
            const base = { switch: name(h.switchIndex), port: h.port, hostname: h.hostname ?? '', ip: h.ip! };
            try {
              const s = await probeHealth(h.ip!, config.monitor.port, 3000);
              return { ...base, cpu: s.cpuPercent, memory: s.memoryPercent, disk: s.diskPercent, pids: s.pids, temp: s.temp, problems: checkThresholds(s, config.monitor.thresholds) };
            } catch (e) {
              return { ...base, cpu: null, memory: null, disk: null, pids: null, temp: null, problems: [`unreachable: ${describeError(e)}`] };
            }
          }),
        );
        if (opts.json) process.stdout.write(JSON.stringify(rows) + '\n');
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
