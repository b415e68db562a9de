/**
 * piman.yaml schema. Every object is strict: an unknown key is an error, so a
 * typo never silently falls back to a default.
 */
import { getCiphers } from 'node:crypto';
import { z } from 'zod';
import { isIpv4, parseIpv4 } from '../cluster/ipv4.js';
import { NOTICE_KINDS } from '../monitor/notices.js';
import { WEBHOOK_FORMATS } from '../monitor/webhook-format.js';

const ipv4 = z.string().refine(isIpv4, { message: 'must be an IPv4 address like 10.0.0.1' });
const port = z.number({ message: 'must be a port number' }).int().min(0).max(65535);
const WORKERS = { message: "must be 'auto' or a whole number from 0 to 64" };
/** Image names travel in SNMP DisplayStrings and CLI arguments: short, no spaces. */
export const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$/;
const imageName = z.string().regex(IMAGE_NAME, { message: 'image names are 1-32 letters, digits, _ . - (starting with a letter or digit)' });
const seconds = z.number({ message: 'must be a number of seconds' }).positive();

const usmUser = z.strictObject({
  name: z.string().min(1),
  authProtocol: z.enum(['sha', 'sha256', 'sha512', 'md5']).default('sha256'),
  authKey: z.string().min(8, { message: 'must be at least 8 characters (SNMPv3 rule)' }),
  privProtocol: z.enum(['aes', 'aes256b', 'aes256r', 'des']).default('aes'),
  privKey: z.string().min(8, { message: 'must be at least 8 characters (SNMPv3 rule)' }),
  access: z.enum(['ro', 'rw']).default('ro'),
}).refine((u) => u.privProtocol !== 'des' || getCiphers().includes('des-cbc'), {
  // Node 20's OpenSSL 3 keeps DES in its legacy provider: every request would fail to decrypt.
  message: "des needs OpenSSL's des-cbc, which this Node does not offer (OpenSSL 3 keeps it in its legacy provider); use aes",
  path: ['privProtocol'],
});

const switchSchema = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, { message: 'use letters, digits, _ . - only' }),
  address: ipv4,
  port: port.default(161),
  version: z.enum(['2c', '3']).default('2c'),
  /** `community` or `community@vlan` for switches with per-VLAN bridge views. */
  community: z.string().min(1).default('private'),
  user: usmUser.optional(),
  powerGroup: z.number().int().min(1).default(1),
  ports: z.number().int().min(1).max(4096),
  timeoutMs: z.number().int().min(100).default(5000),
  retries: z.number().int().min(0).max(10).default(1),
  /** SNMP requests at the switch at once; the rest wait in piman's queue. */
  maxInFlight: z.number().int().min(1).max(64).default(4),
  /** Port power changes carried in one SET PDU; 1 = one port per SET. */
  maxVarbinds: z.number().int().min(1).max(64).default(8),
});

const poolRange = z.strictObject({ start: ipv4, end: ipv4 });

const num = (ip: string): number => parseIpv4(ip)!;
const within = (ip: string, network: string, netmask: string): boolean => ((num(ip) & num(netmask)) >>> 0) === ((num(network) & num(netmask)) >>> 0);

/** A network behind a DHCP relay: relayed requests whose giaddr lies in it are answered with its settings (RFC 2131 4.3.1). */
const subnetSchema = z
  .strictObject({
    network: ipv4,
    netmask: ipv4,
    /** Option 3 for this subnet; usually the relay's own address. */
    router: ipv4,
    /** Option 6; server.dns when absent. */
    dns: z.array(ipv4).optional(),
    /** Addresses for machines not in hosts.csv on this subnet. */
    pool: poolRange.optional(),
  })
  .superRefine((n, ctx) => {
    const m = num(n.netmask);
    // A netmask is ones then zeros: its complement plus one is a power of two.
    const host = ~m >>> 0;
    if ((host & (host + 1)) !== 0) ctx.addIssue({ code: 'custom', message: 'must be a netmask like 255.255.255.0', path: ['netmask'] });
    else if ((num(n.network) & host) !== 0) ctx.addIssue({ code: 'custom', message: `has host bits set for netmask ${n.netmask}`, path: ['network'] });
    if (!within(n.router, n.network, n.netmask)) ctx.addIssue({ code: 'custom', message: `must be inside ${n.network}/${n.netmask}`, path: ['router'] });
    if (n.pool) {
      for (const k of ['start', 'end'] as const) {
        if (!within(n.pool[k], n.network, n.netmask)) ctx.addIssue({ code: 'custom', message: `must be inside ${n.network}/${n.netmask}`, path: ['pool', k] });
      }
      if (num(n.pool.start) > num(n.pool.end)) ctx.addIssue({ code: 'custom', message: 'start must not be above end', path: ['pool'] });
    }
  });

/** An explicit circuit-id -> switch port entry (dhcp.option82.circuits). */
const circuitSchema = z.strictObject({
  /** The circuit-id exactly as the relay sends it (text), e.g. dhcrelay's interface name. */
  circuitId: z.string().min(1).max(255),
  /** When set, the remote-id must match too (text, or a MAC for a 6-byte remote-id). */
  remoteId: z.string().min(1).max(255).optional(),
  switch: z.string().min(1),
  port: z.number().int().min(1).max(4096),
});

/** Which switch a binary circuit-id (VLAN, module, port) comes from, by its remote-id (dhcp.option82.remoteIds). */
const remoteIdSchema = z.strictObject({
  /** The remote-id: a MAC (the switch's base MAC, Cisco/D-Link default form) or its text. */
  remoteId: z.string().min(1).max(255),
  switch: z.string().min(1),
  /** The number the switch puts in the circuit-id for its port 1 (Catalyst 3750: 3; most others: 1). */
  portBase: z.number().int().min(0).max(255).default(1),
  /** Only circuit-ids with this module byte (the member of a stack). */
  module: z.number().int().min(0).max(255).optional(),
});

const trapReceiver = z.strictObject({
  address: ipv4,
  port: port.default(162),
  community: z.string().min(1).default('public'),
  /** Send InformRequests (acknowledged, repeated until acknowledged) instead of traps. */
  inform: z.boolean().default(false),
  /** An inform not acknowledged within this time is sent again, `retries` times. */
  timeoutSeconds: seconds.default(5),
  retries: z.number().int().min(0).max(10).default(2),
});

const webhook = z.strictObject({
  /** http(s) URL; its path and query are secret (Slack, Discord) and never logged. */
  url: z.string().refine(
    (u) => {
      try {
        const p = new URL(u).protocol;
        return p === 'http:' || p === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'must be an http:// or https:// URL' },
  ),
  format: z.enum(WEBHOOK_FORMATS).default('json'),
  /** What goes there; default: every event. */
  events: z.array(z.enum(NOTICE_KINDS)).min(1).default([...NOTICE_KINDS]),
  timeoutSeconds: seconds.default(5),
  /** Attempts after the first (after a timeout, a network error, HTTP 5xx or 429), 1 s apart and doubling, at most 5 min. */
  retries: z.number().int().min(0).max(20).default(5),
  /** Notices waiting at most; when full, the oldest waiting one is dropped. */
  maxQueued: z.number().int().min(1).max(10_000).default(100),
});

export const configSchema = z.strictObject({
  server: z.strictObject({
    address: ipv4,
    netmask: ipv4.default('255.255.255.0'),
    interface: z.string().min(1).optional(),
    router: ipv4.optional(),
    dns: z.array(ipv4).default([]),
    domain: z.string().optional(),
  }),
  dhcp: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: port.default(67),
      clientPort: port.default(68),
      /** Where replies to clients without an address go; the loopback lab uses 127.0.0.1. */
      broadcastAddress: ipv4.default('255.255.255.255'),
      /** Where broadcasts are received; the loopback lab uses 127.0.0.1 (Node cannot bind to a device). */
      listenAddress: ipv4.default('0.0.0.0'),
      leaseSeconds: z.number().int().min(60).default(3600),
      /** Optional dynamic range for machines that are not in hosts.csv. */
      pool: poolRange.optional(),
      /** DHCP relays (their giaddr) whose relayed requests are answered; any other relayed request is dropped. */
      relays: z.array(ipv4).default([]),
      /** Networks behind relays; a relayed request is answered with the one holding its giaddr. */
      subnets: z.array(subnetSchema).max(1024).default([]),
      /** Relay agent information (RFC 3046): binding a new MAC to the switch port its circuit-id names. */
      option82: z
        .strictObject({
          /** Off by default: a relay (or anyone who can forge its packets) decides which port a MAC is bound to. */
          bindPorts: z.boolean().default(false),
          /** Bindings written at most per minute; more wait for the next DHCP retry. */
          maxBindingsPerMinute: z.number().int().min(1).max(1000).default(30),
          circuits: z.array(circuitSchema).max(65536).default([]),
          remoteIds: z.array(remoteIdSchema).max(1024).default([]),
        })
        .prefault({}),
    })
    .superRefine((d, ctx) => {
      d.subnets.forEach((a, i) => {
        d.subnets.slice(0, i).forEach((b, j) => {
          if (within(a.network, b.network, b.netmask) || within(b.network, a.network, a.netmask)) {
            ctx.addIssue({ code: 'custom', message: `overlaps subnets.${j} (${b.network}/${b.netmask})`, path: ['subnets', i, 'network'] });
          }
        });
      });
      if (d.subnets.length > 0) {
        d.relays.forEach((r, i) => {
          if (!d.subnets.some((n) => within(r, n.network, n.netmask))) {
            ctx.addIssue({ code: 'custom', message: `${r} is in none of dhcp.subnets (its requests would get no subnet settings)`, path: ['relays', i] });
          }
        });
      }
    })
    .prefault({}),
  tftp: z
    .strictObject({
      enabled: z.boolean().default(true),
      port: port.default(69),
      /** Listening address; transfers answer from it too. 0.0.0.0 = every interface. */
      address: ipv4.default('0.0.0.0'),
      root: z.string().min(1).default('./boot'),
      maxTransfers: z.number().int().min(1).default(200),
      /** Transfers one client address may hold at once; a Pi 4 opens about 8 in parallel. */
      maxTransfersPerClient: z.number().int().min(1).default(16),
      /** Worker threads running the transfers; 0 = in the main thread; auto = one per CPU, at most 4 (0 on one CPU). */
      workers: z.union([z.literal('auto'), z.number().int().min(0, WORKERS).max(64, WORKERS)], WORKERS).default('auto'),
      /** What carries transfer datagrams: native (native/udp-batch.c, built at install), node (node:dgram), auto = native when built. */
      datagrams: z.enum(['auto', 'native', 'node']).default('auto'),
      maxBlksize: z.number().int().min(8).max(65464).default(1468),
      /** RFC 7440 windowsize offered at most (1 = lock-step); only used when a client asks. */
      maxWindowsize: z.number().int().min(1).max(65535).default(16),
      timeoutSeconds: seconds.default(1),
      retries: z.number().int().min(0).default(5),
    })
    .prefault({}),
  control: z
    .strictObject({
      /** Listening address of the control channel (default: server.address, the Pi network only; 0.0.0.0: every interface). */
      address: ipv4.optional(),
      port: port.default(3333),
      /** A control connection silent this long (and no rootfs bytes moving) is closed. */
      timeoutSeconds: seconds.default(60),
      /** Open connections at most, in total and from one address; more are closed at once. */
      maxConnections: z.number().int().min(1).default(1024),
      maxConnectionsPerAddress: z.number().int().min(1).default(4),
    })
    .prefault({}),
  install: z
    .strictObject({
      /** Listening address of the rootfs stream (default: server.address). */
      address: ipv4.optional(),
      port: port.default(4444),
      /** The one image of a rack without `images` (it is then named `default`). */
      rootfs: z.string().min(1).optional(),
      /** Named root filesystems (name -> gzipped tar); each Pi installs one (hosts.csv `image`, pimanPortImage). */
      images: z.record(imageName, z.string().min(1)).optional(),
      /** The image of a Pi that neither hosts.csv nor pimanPortImage assigns one. */
      defaultImage: imageName.optional(),
      /** A rootfs stream that moves no byte this long is aborted. */
      timeoutSeconds: seconds.default(60),
      maxConnections: z.number().int().min(1).default(1024),
      maxConnectionsPerAddress: z.number().int().min(1).default(2),
    })
    .prefault({}),
  agent: z
    .strictObject({
      enabled: z.boolean().default(true),
      address: ipv4.default('127.0.0.1'),
      port: port.default(161),
      readCommunity: z.string().min(1).default('public'),
      writeCommunity: z.string().min(1).default('private'),
      users: z.array(usmUser).default([]),
      /** Turn SNMPv1/v2c off: only the USM users get in. */
      v3Only: z.boolean().default(false),
      /** snmpEngineID as hex (5 to 32 octets); by default made once and kept in the state folder. */
      engineID: z
        .string()
        .regex(/^(0x)?([0-9a-fA-F]{2}){5,32}$/, { message: 'hex of 5 to 32 octets, e.g. 80001f8805c0ffee0001' })
        .optional(),
      sysName: z.string().optional(),
      sysContact: z.string().default(''),
      sysLocation: z.string().default(''),
      /** Seconds between pimanSwitchReachable probes (one GET per switch); 0 turns them off. */
      switchPollSeconds: z.number().min(0).default(60),
      traps: z
        .strictObject({
          enabled: z.boolean().default(false),
          receivers: z.array(trapReceiver).default([]),
        })
        .prefault({}),
    })
    .refine((a) => a.readCommunity !== a.writeCommunity, {
      message: 'must differ from readCommunity (with the same value every reader could write)',
      path: ['writeCommunity'],
    })
    .refine((a) => !a.v3Only || a.users.length > 0, { message: 'v3Only needs at least one user in agent.users', path: ['v3Only'] })
    .prefault({}),
  hosts: z.string().min(1).default('./hosts.csv'),
  state: z.string().min(1).default('./state'),
  switches: z.array(switchSchema).min(1, { message: 'list at least one switch' }),
  power: z
    .strictObject({
      /** Seconds a port stays off during a power cycle (the old tool used 1). */
      offSeconds: z.number().min(0).default(2),
      /** Gap between power-ons when several ports cycle at once (Pi 3 shared-xid quirk). */
      staggerSeconds: z.number().min(0).default(1),
    })
    .prefault({}),
  boot: z
    .strictObject({
      /** No progress this long in one boot attempt -> failed (the hard limit; retries fire before it). */
      timeoutSeconds: seconds.default(180),
      /** Self-healing: a port stuck on its way up is power-cycled again (README "Self-healing boots"). */
      retry: z
        .strictObject({
          /** Power cycles piman makes on its own before the port is failed; 0 = off. */
          attempts: z.number().int().min(0).max(100).default(3),
          /** Time allowed in each state (installing: without progress) before a retry. */
          timeoutSeconds: z
            .strictObject({
              poweringOn: seconds.default(60),
              netbooting: seconds.default(90),
              installing: seconds.default(120),
              booting: seconds.default(120),
            })
            .prefault({}),
          /** Extra wait before the 2nd retry, times backoffFactor for each further one, at most maxBackoffSeconds. */
          backoffSeconds: z.number().min(0).default(10),
          backoffFactor: z.number().min(1).max(10).default(2),
          maxBackoffSeconds: z.number().min(0).default(300),
          /** Least time between the starts of two retries, so retried Pi 3s reach DHCP one at a time. */
          staggerSeconds: z.number().min(0).max(60).default(2),
        })
        .prefault({}),
    })
    .prefault({}),
  monitor: z
    .strictObject({
      /** Poll running Pis and raise alerts; booting Pis are always probed to see them come up. */
      enabled: z.boolean().default(false),
      /** Port of the Pis' health endpoint (GET /event/), as the old monitoring agent used. */
      port: port.default(3000),
      intervalSeconds: seconds.default(30),
      /** Alert thresholds; the defaults are the old tool's monitoring.config values. */
      thresholds: z
        .strictObject({
          cpuPercent: z.number().min(0).max(100).default(50),
          memoryPercent: z.number().min(0).max(100).default(70),
          diskPercent: z.number().min(0).max(100).default(50),
          pids: z.number().int().min(1).default(100),
          temp: z.number().default(80),
        })
        .prefault({}),
      /** Where alerts go (Slack, Discord, any JSON receiver); independent of monitor.enabled for port, install and switch events. */
      webhooks: z.array(webhook).default([]),
    })
    .prefault({}),
  metrics: z
    .strictObject({
      /** Prometheus text exposition at http://address:port/metrics. */
      enabled: z.boolean().default(false),
      address: ipv4.default('127.0.0.1'),
      port: port.default(9464),
    })
    .prefault({}),
  log: z.strictObject({ level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info') }).prefault({}),
}).superRefine((c, ctx) => {
  // Checks across sections: a subnet is not piman's own, option 82 names configured switch ports.
  c.dhcp.subnets.forEach((n, i) => {
    if (within(c.server.address, n.network, n.netmask) || within(n.network, c.server.address, c.server.netmask)) {
      ctx.addIssue({ code: 'custom', message: `overlaps piman's own subnet (server.address ${c.server.address}/${c.server.netmask})`, path: ['dhcp', 'subnets', i, 'network'] });
    }
  });
  const ports = new Map(c.switches.map((s) => [s.name, s.ports]));
  const known = [...ports.keys()].join(', ');
  const o = c.dhcp.option82;
  o.circuits.forEach((e, i) => {
    const n = ports.get(e.switch);
    if (n === undefined) ctx.addIssue({ code: 'custom', message: `unknown switch '${e.switch}' (known: ${known})`, path: ['dhcp', 'option82', 'circuits', i, 'switch'] });
    else if (e.port > n) ctx.addIssue({ code: 'custom', message: `${e.switch} has ports 1..${n}`, path: ['dhcp', 'option82', 'circuits', i, 'port'] });
  });
  o.remoteIds.forEach((e, i) => {
    if (!ports.has(e.switch)) ctx.addIssue({ code: 'custom', message: `unknown switch '${e.switch}' (known: ${known})`, path: ['dhcp', 'option82', 'remoteIds', i, 'switch'] });
  });
  if (o.bindPorts && c.dhcp.relays.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'needs dhcp.relays: only requests from a listed relay may bind a port', path: ['dhcp', 'option82', 'bindPorts'] });
  }
});

type RawConfig = z.infer<typeof configSchema>;
/**
 * The validated config (src/config/load.ts): `install.images` always lists
 * every image (`{ default: rootfs }` for a config with `install.rootfs`
 * alone), `install.defaultImage` names one of them and `install.rootfs` is
 * that default image's path.
 */
export type PimanConfig = Omit<RawConfig, 'install'> & {
  install: Omit<RawConfig['install'], 'rootfs' | 'images' | 'defaultImage'> & {
    rootfs: string;
    images: Record<string, string>;
    defaultImage: string;
  };
};
export type SwitchConfig = PimanConfig['switches'][number];
export type UsmUserConfig = z.infer<typeof usmUser>;
export type SubnetConfig = PimanConfig['dhcp']['subnets'][number];
export type Option82Config = PimanConfig['dhcp']['option82'];
