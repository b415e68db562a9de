/**
 * The parts `piman server` runs, in start order. Each factory maps the
 * config sections it needs to its part's own small options; no part sees
 * piman.yaml itself.
 */
import { access, constants } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { PimanConfig } from './config/schema.js';
import type { DaemonOptions, PartFactory } from './daemon.js';
import { monitorPart } from './monitor/part.js';
import { webhookPart } from './monitor/webhook-part.js';
import { metricsPart } from './metrics/part.js';
import { tftpPart } from './tftp/part.js';
import { installPart, type InstallPartOptions } from './control/part.js';
import { dhcpPart, type PortBindingOptions } from './dhcp/part.js';
import type { HostsFile } from './dhcp/port-binder.js';
import { formatHostsHeaded, loadHosts } from './config/hosts.js';
import { removeStaleTemps, writeFileAtomic, writeTarget } from './store/atomic-file.js';
import { switchInfos } from './cluster/switch-infos.js';
import type { SwitchInfo } from './cluster/types.js';
import { describeError, PimanError } from './errors.js';
import type { ServerSettings } from './dhcp/policy.js';
import { agentPart } from './agent/part.js';
import { SnmpPoeSwitch } from './switch/snmp-switch.js';

export const webhookFromConfig: PartFactory = (ctx) =>
  webhookPart(
    {
      webhooks: ctx.config.monitor.webhooks.map((h) => ({
        url: h.url,
        format: h.format,
        events: h.events,
        maxQueued: h.maxQueued,
        retries: h.retries,
        timeoutMs: h.timeoutSeconds * 1000,
      })),
    },
    ctx,
  );

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

/**
 * hosts.csv for the option 82 binder: read and written as `piman mapper`
 * does (atomically, stale temp files of an interrupted write removed first).
 * Its folder must be writable, which it is not under deploy/piman.service's
 * ProtectSystem=strict unless hosts.csv lives in the state folder or a
 * ReadWritePaths= names its folder.
 */
export function hostsCsv(path: string, switches: readonly SwitchInfo[]): HostsFile {
  let cleaned = false;
  return {
    path,
    async read() {
      if (!cleaned) {
        await removeStaleTemps(path);
        cleaned = true;
      }
      return loadHosts(path, switches);
    },
    write: (hosts) => writeFileAtomic(path, formatHostsHeaded(hosts, switches)),
    async checkWritable() {
      let folder = dirname(path);
      try {
        folder = dirname(await writeTarget(path));
        await access(folder, constants.W_OK);
      } catch (e) {
        throw new PimanError(
          'E_CONFIG',
          `dhcp.option82.bindPorts writes hosts.csv, but its folder ${folder} is not writable (${describeError(e)}); ` +
            `put hosts.csv in the state folder or allow the folder (systemd: ReadWritePaths=)`,
          { cause: e },
        );
      }
    },
  };
}

/** dhcp.option82 -> the binder's settings (undefined while bindPorts is off, the default). */
export function portBinding(config: PimanConfig): PortBindingOptions | undefined {
  const o = config.dhcp.option82;
  if (!o.bindPorts) return undefined;
  return {
    rules: { circuits: o.circuits, remoteIds: o.remoteIds },
    maxPerMinute: o.maxBindingsPerMinute,
    hosts: hostsCsv(config.hosts, switchInfos(config)),
  };
}

export const dhcpFromConfig = (ctx: Parameters<PartFactory>[0]) => {
  const { config } = ctx;
  const { leaseSeconds: _, option82: __, ...d } = config.dhcp;
  return dhcpPart(
    { ...d, settings: serverSettings(config), interface: config.server.interface, stateDir: config.state, bindPorts: portBinding(config) },
    ctx,
  );
};

export const agentFromConfig = (ctx: Parameters<PartFactory>[0]) => agentPart({ ...ctx.config.agent, engineDir: ctx.config.state }, ctx);

export const partFactories: ReadonlyArray<PartFactory> = [
  webhookFromConfig,
  monitorFromConfig,
  metricsFromConfig,
  tftpFromConfig,
  installFromConfig,
  dhcpFromConfig,
  agentFromConfig,
];

/** How the daemon reaches real switches (SNMP): a `switches` entry is the client's settings. */
export const makeSwitch: NonNullable<DaemonOptions['makeSwitch']> = (sw) => new SnmpPoeSwitch(sw);
