import type { Command } from 'commander';
import { registerServer } from './server.js';
import { registerConfig } from './config.js';
import { registerRestart } from './restart.js';
import { registerReinstall } from './reinstall.js';
import { registerStatus } from './status.js';
import { registerPower } from './power.js';
import { registerMapper } from './mapper.js';
import { registerFindport } from './findport.js';
import { registerMonitoring } from './monitoring.js';
import { registerLab } from './lab.js';
import { registerMibsPath } from './mibs-path.js';
import { registerCompletion } from './completion.js';
import { registerImages } from './images.js';

export function registerCommands(program: Command): void {
  registerServer(program);
  registerRestart(program);
  registerReinstall(program);
  registerMapper(program);
  registerMonitoring(program);
  registerStatus(program);
  registerImages(program);
  registerPower(program);
  registerFindport(program);
  registerConfig(program);
  registerLab(program);
  registerMibsPath(program);
  registerCompletion(program);
}
