/**
 * The parts `piman server` runs, in start order. Each factory maps the
 * config sections it needs to its part's plain options.
 */
import type { DaemonContext, DaemonOptions, Part } from './daemon.js';
import { monitorPart } from './monitor/part.js';
import { webhookPart } from './monitor/webhook-part.js';
import { metricsPart } from './metrics/part.js';
import { tftpPart } from './tftp/part.js';
import { installPart } from './control/part.js';
import { dhcpPart } from './dhcp/part.js';
import { agentPart } from './agent/part.js';
import { snmpSwitchFromConfig } from './switch/snmp-switch.js';

export const partFactories: ReadonlyArray<(ctx: DaemonContext) => Part> = [
  webhookPart,
  monitorPart,
  metricsPart,
  tftpPart,
  installPart,
  dhcpPart,
  agentPart,
];

/** How the daemon reaches real switches (SNMP). */
export const makeSwitch: DaemonOptions['makeSwitch'] = snmpSwitchFromConfig;
