/**
 * The `piman` command line. Each command lives in its own file under
 * ./commands; this file only builds the program and turns errors into one
 * line and an exit status (1 = failed, 2 = usage).
 */
import { Command, CommanderError } from 'commander';
import { isPimanError } from '../errors.js';
import { registerCommands } from './commands/index.js';
import { VERSION } from '../version.js';

export function buildProgram(): Command {
  const program = new Command('piman')
    .description('Management node for network-booted Raspberry Pi clusters')
    .version(VERSION)
    .option('-c, --config <file>', 'configuration file (default ./piman.yaml, then /etc/piman/piman.yaml)')
    .showHelpAfterError()
    .exitOverride()
    // `piman server --help` lists -c/--config too, which it reads from the root.
    .configureHelp({ showGlobalOptions: true });
  registerCommands(program);
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) c.exitOverride().showHelpAfterError();
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are "errors" to commander but successes to the user.
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      return 2;
    }
    // Under systemd, stderr goes to the journal too: `<3>` files the line at error priority.
    const p = process.env.JOURNAL_STREAM && !process.stderr.isTTY ? '<3>' : '';
    if (isPimanError(e)) {
      for (const line of e.message.split('\n')) process.stderr.write(`${p}piman: ${line}\n`);
      return e.exitCode;
    }
    process.stderr.write(`${p}piman: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 70;
  }
}
