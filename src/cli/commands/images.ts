import type { Command } from 'commander';
import { addAgentOptions, withAgent, type AgentCommandOptions } from '../agent-command.js';

interface ImagesOptions extends AgentCommandOptions {
  readonly json?: boolean;
}

export function registerImages(program: Command): void {
  const cmd = program
    .command('images')
    .description('list the root filesystem images (install.images): size, SHA-256, last modified, ports using each, problems (pimanImageTable)')
    .option('--json', 'print JSON instead of a table')
    .allowUnknownOption(false);
  addAgentOptions(cmd).action(async (opts: ImagesOptions, command: Command) => {
    await withAgent(command, opts, async ({ client }) => {
      const { formatImageTable, imagesJson } = await import('../images.js');
      const rows = await client.images();
      process.stdout.write(opts.json ? imagesJson(rows) : formatImageTable(rows));
    });
  });
}
