/**
 * The parts `piman server` runs, in start order. Each factory maps the
 * config sections it needs to its part's own small options; no part sees
 * piman.yaml itself.
 */
import type { PimanConfig } from './config/schema.js';
import type { DaemonOptions, PartFactory } from './daemon.js';
import { monitorPart } from './monitor/part.js';
import { metricsPart } from './metrics/part.js';
import { tftpPart } from './tftp/part.js';
import { installPart, type InstallPartOptions } from './control/part.js';
import { dhcpPart } from './dhcp/part.js';
import type { ServerSettings } from './dhcp/policy.js';
import { agentPart } from './agent/part.js';
import { SnmpPoeSwitch } from './switch/snmp-switch.js';

export const monitorFromConfig: PartFactory = (ctx) => {
  const m = ctx.config.monitor;
  return monitorPart({ port: m.port, alerts: m.enabled, intervalMs: m.intervalSeconds * 1000, thresholds: m.thresholds }, ctx);
};

export const metricsFromConfig: PartFactory = (ctx) => metricsPart(ctx.config.metrics, ctx);

export const tftpFromConfig = (ctx: Parameters<PartFactory>[0]) => {
  const { timeoutSeconds, ...t } = ctx.config.tftp;
  return tftpPart({ ...t, serverAddress: ctx.config.server.address, timeoutMs: timeoutSeconds * 1000 }, ctx);
};

/** piman.yaml -> the install servers' settings (listening addresses, bounds, peer checks). */
export function installSettings(config: PimanConfig): InstallPartOptions {
  return {
    // Listening on the Pi network only, unless configured otherwise.
    control: { ...config.control, address: config.control.address ?? config.server.address },
    install: { ...config.install, address: config.install.address ?? config.server.address },
    identity: {
      ...(config.server.interface ? { interface: config.server.interface } : {}),
      exemptLoopback: true,
      requireNetboot: config.dhcp.enabled,
      netbootWindowMs: config.boot.timeoutSeconds * 1000,
    },
  };
}

export const installFromConfig: PartFactory = (ctx) => installPart(installSettings(ctx.config), ctx);

/** piman.yaml -> what DHCP replies carry. */
export function serverSettings(config: PimanConfig): ServerSettings {
  return {
    address: config.server.address,
    netmask: config.server.netmask,
    router: config.server.router ?? config.server.address,
    dns: config.server.dns,
    ...(config.server.domain ? { domain: config.server.domain } : {}),
    leaseSeconds: config.dhcp.leaseSeconds,
  };
}

export const dhcpFromConfig = (ctx: Parameters<PartFactory>[0]) => {
  const { config } = ctx;
  const { leaseSeconds: _, ...d } = config.dhcp;
  return dhcpPart({ ...d, settings: serverSettings(config), interface: config.server.interface, stateDir: config.state }, ctx);
};

export const agentFromConfig = (ctx: Parameters<PartFactory>[0]) => agentPart({ ...ctx.config.agent, engineDir: ctx.config.state }, ctx);

export const partFactories: ReadonlyArray<PartFactory> = [
  monitorFromConfig,
  metricsFromConfig,
  tftpFromConfig,
  installFromConfig,
  dhcpFromConfig,
  agentFromConfig,
];

/** How the daemon reaches real switches (SNMP): a `switches` entry is the client's settings. */
export const makeSwitch: NonNullable<DaemonOptions['makeSwitch']> = (sw) => new SnmpPoeSwitch(sw);
