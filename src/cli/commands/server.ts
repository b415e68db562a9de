import type { Command } from 'commander';
import { describeError } from '../../errors.js';
import { loadCommandConfig } from '../options.js';
import { keepYoungGenerationSmall } from '../../young-generation.js';

/** systemd's default TimeoutStopSec is 90 s; piman promises 5 s, with the state saved. */
const STOP_DEADLINE_MS = 4_000;

export function registerServer(program: Command): void {
  program
    .command('server')
    .description('run the piman daemon: DHCP, TFTP, control channel, rootfs, SNMP agent (SIGHUP reloads, SIGTERM stops)')
    .addHelpText(
      'after',
      [
        '',
        'Environment:',
        '  PIMAN_LOG_LEVEL   trace|debug|info|warn|error|fatal|silent, overrides log.level',
        '  NOTIFY_SOCKET     set by systemd (Type=notify): READY=1 once every part listens',
        '  JOURNAL_STREAM    set by systemd: log lines carry syslog priorities',
        'Signals:',
        '  SIGHUP            reload hosts.csv and log.level; name changed settings that need a restart',
        '  SIGTERM, SIGINT   stop within 5 s, state saved',
      ].join('\n'),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      keepYoungGenerationSmall();
      const { config, path } = await loadCommandConfig(cmd);
      // The daemon and its libraries load here, not for `piman --help` or `--version`.
      const [{ Daemon }, { createLogger }, { partFactories, makeSwitch }, { loadConfig }, { sdNotify }] = await Promise.all([
        import('../../daemon.js'),
        import('../../log.js'),
        import('../../parts.js'),
        import('../../config/load.js'),
        import('../../sd-notify.js'),
      ]);
      const log = createLogger({ level: config.log.level });
      const daemon = await Daemon.create({ config, log, makeSwitch }, partFactories);
      // Handlers go in before start(): a signal's default action would kill piman without saving its state.
      let started = false;
      let stopRequest: string | null = null;
      let stopNow: ((sig: string) => void) | null = null;
      const onHup = (): void => {
        if (!started) return void log.warn('SIGHUP while starting: ignored; send it again once piman runs');
        log.info({ signal: 'SIGHUP' }, 'reloading');
        void daemon.reload(async () => (await loadConfig(path)).config);
      };
      const onTerm = (sig: string): void => {
        if (stopNow) return stopNow(sig);
        if (stopRequest === null) log.info({ signal: sig }, 'stop requested while starting: stopping once started');
        stopRequest = sig;
      };
      const onInt = (): void => onTerm('SIGINT');
      const onTermSig = (): void => onTerm('SIGTERM');
      process.on('SIGHUP', onHup);
      process.on('SIGINT', onInt);
      process.on('SIGTERM', onTermSig);
      const release = (): void => {
        process.off('SIGHUP', onHup);
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTermSig);
      };
      try {
        await daemon.start();
      } catch {
        // start() logged every problem once (journald keeps stdout and stderr): no second copy on stderr.
        release();
        process.exitCode = 1;
        return;
      }
      started = true;
      log.info({ config: path }, 'piman server running');
      // Every part listens now: this is when systemd may start what comes After=piman.
      if (stopRequest === null) await sdNotify(['--ready', `--status=serving ${daemon.ctx.cluster.switches.length} switch(es)`], log);
      await new Promise<void>((resolve) => {
        let stopping = false;
        stopNow = (sig: string): void => {
          if (stopping) return;
          stopping = true;
          log.info({ signal: sig }, 'stopping');
          void sdNotify(['STOPPING=1'], log);
          // A part or a power cycle that hangs (a dead switch) must not hold the stop: save and leave.
          const deadline = setTimeout(() => {
            log.warn({ afterMs: STOP_DEADLINE_MS }, 'parts still stopping; state saved, exiting now');
            void daemon.ctx.cluster
              .persist()
              .catch((e: unknown) => log.error({ code: 'E_STATE_IO', err: describeError(e) }, 'cannot save state'))
              .finally(() => {
                log.info('stopped');
                log.flush();
                process.exit(0);
              });
          }, STOP_DEADLINE_MS);
          deadline.unref();
          void daemon
            .stop()
            .catch((e: unknown) => log.error({ code: 'E_STATE_IO', err: describeError(e) }, 'error while stopping'))
            .finally(() => {
              clearTimeout(deadline);
              release();
              log.info('stopped');
              resolve();
            });
        };
        if (stopRequest !== null) stopNow(stopRequest);
      });
    });
}
