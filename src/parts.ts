/**
 * The parts `piman server` runs, in start order. Each factory maps the
 * config sections it needs to its part's plain options.
 */
import type { DaemonContext, DaemonOptions, Part } from './daemon.js';

export const partFactories: ReadonlyArray<(ctx: DaemonContext) => Part> = [];

/** How the daemon reaches real switches (SNMP). */
export const makeSwitch: DaemonOptions['makeSwitch'] = undefined;
