/**
 * hosts.csv: which Pi (MAC, IP, hostname) sits on which switch port.
 * Two forms are read:
 *  - the old tool's `mac;ip;hostname;last_used` rows (port = last octet of
 *    the IP, on the first switch), and
 *  - a headed form `switch,port,mac,ip,hostname`, optionally with a sixth
 *    column `image` (the piman.yaml image this Pi installs).
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { PimanError } from '../errors.js';
import { parseMac } from '../cluster/mac.js';
import { isIpv4, lastOctet, parseIpv4 } from '../cluster/ipv4.js';
import type { HostBinding, SwitchInfo } from '../cluster/types.js';
import { IMAGE_NAME } from './schema.js';

export class HostsError extends PimanError {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super('E_HOSTS', problems.join('\n'));
    this.name = 'HostsError';
    this.problems = problems;
  }
}

const HEADER = ['switch', 'port', 'mac', 'ip', 'hostname'];

/** piman's own network, for the checks `piman config check` adds (addresses and names a Pi can really use). */
export interface HostsNetwork {
  readonly address: string;
  readonly netmask: string;
  /** With DHCP relays, Pis may sit on other subnets: without dhcp.subnets the subnet check is skipped. */
  readonly relays: boolean;
  /** dhcp.subnets: with relays, a Pi's address must be on piman's subnet or one of these. */
  readonly subnets?: ReadonlyArray<{ readonly network: string; readonly netmask: string }>;
}

const onNet = (ip: number, network: string, netmask: string): boolean => {
  const m = parseIpv4(netmask)!;
  return (ip & m) >>> 0 === (parseIpv4(network)! & m) >>> 0;
};

/** What the rows are checked against besides the switches. */
export interface HostsChecks {
  readonly network?: HostsNetwork | undefined;
  /** Names of install.images: an `image` cell must be one of them. */
  readonly images?: readonly string[] | undefined;
}

/** RFC 1123 host name (DHCP option 12): dot-separated labels of letters, digits and inner hyphens. */
export function isHostname(name: string): boolean {
  return name.length <= 253 && name.split('.').every((l) => /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function networkProblem(h: HostBinding, net: HostsNetwork): string | null {
  if (h.hostname !== null && !isHostname(h.hostname)) {
    return `hostname '${h.hostname}' is not a valid host name (letters, digits and inner '-', labels of 1-63 characters, RFC 1123)`;
  }
  if (h.ip === null) return null;
  if (h.ip === net.address) return `IP ${h.ip} is server.address, piman's own address`;
  const ip = parseIpv4(h.ip)!;
  const subnets = net.subnets ?? [];
  let mask = parseIpv4(net.netmask)!;
  if (!onNet(ip, net.address, net.netmask)) {
    if (net.relays && subnets.length === 0) return null;
    const on = subnets.find((n) => onNet(ip, n.network, n.netmask));
    if (!on) {
      return net.relays
        ? `IP ${h.ip} is on neither piman's subnet ${net.address}/${net.netmask} nor one of dhcp.subnets`
        : `IP ${h.ip} is outside piman's subnet ${net.address}/${net.netmask} (no dhcp.relays configured)`;
    }
    mask = parseIpv4(on.netmask)!;
  }
  const host = (ip & ~mask) >>> 0;
  if (host === 0 || host === ~mask >>> 0) return `IP ${h.ip} is the subnet's network or broadcast address`;
  return null;
}

export function parseHostsText(text: string, file: string, switches: readonly SwitchInfo[], network?: HostsNetwork, images?: readonly string[]): HostBinding[] {
  const problems: string[] = [];
  const firstLine = text.split(/\r?\n/).find((l) => l.trim() !== '' && !l.trim().startsWith('#')) ?? '';
  const headed = firstLine.toLowerCase().replace(/\s/g, '').startsWith('switch,');
  let rows: Array<{ record: string[]; line: number }>;
  try {
    const records = parse(text, {
      delimiter: headed ? ',' : ';',
      comment: '#',
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
      info: true,
    }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    rows = records.map((r) => ({ record: r.record, line: r.info.lines }));
  } catch (e) {
    throw new HostsError([`${file}: ${(e as Error).message}`]);
  }
  if (headed) {
    const head = rows.shift();
    // Stryker disable next-line OptionalChaining,ArrayDeclaration: a headed text has its 'switch,' line, so `head` is always there
    const cols = head?.record.map((c) => c.toLowerCase()) ?? [];
    if (HEADER.some((h, i) => cols[i] !== h)) {
      // Stryker disable next-line OptionalChaining: `head` is always there (see above)
      throw new HostsError([`${file}: line ${head?.line ?? 1}: header must be '${HEADER.join(',')}'`]);
    }
    if (cols.length > HEADER.length && (cols.length > HEADER.length + 1 || cols[HEADER.length] !== 'image')) {
      // Stryker disable next-line OptionalChaining: `head` is always there (see above)
      throw new HostsError([`${file}: line ${head?.line ?? 1}: header must be '${HEADER.join(',')}' or '${HEADER.join(',')},image'`]);
    }
  }
  const out: HostBinding[] = [];
  const seen = { mac: new Map<string, number>(), ip: new Map<string, number>(), port: new Map<string, number>() };
  const dup = (kind: keyof typeof seen, value: string, line: number): boolean => {
    const prev = seen[kind].get(value);
    if (prev !== undefined) {
      problems.push(`${file}: line ${line}: ${kind === 'port' ? 'switch port' : kind.toUpperCase()} ${value} already used on line ${prev}`);
      // Stryker disable next-line BooleanLiteral: a duplicate has pushed a problem, so the parse throws whatever `out` holds
      return true;
    }
    seen[kind].set(value, line);
    return false;
  };
  for (const { record, line } of rows) {
    const at = `${file}: line ${line}`;
    const parsed = headed ? fromHeaded(record, at, switches, problems) : fromOld(record, at, switches, problems);
    if (!parsed) continue;
    const wrong = (network ? networkProblem(parsed, network) : null) ?? imageProblem(parsed, images);
    if (wrong) {
      problems.push(`${at}: ${wrong}`);
      continue;
    }
    // Stryker disable next-line OptionalChaining: parsed.switchIndex is always one of `switches`
    const portKey = `${switches.find((s) => s.index === parsed.switchIndex)?.name}:${parsed.port}`;
    const bad = [dup('mac', parsed.mac, line), parsed.ip !== null && dup('ip', parsed.ip, line), dup('port', portKey, line)];
    // Stryker disable next-line ConditionalExpression,MethodExpression: a clash has pushed a problem, so the parse throws whatever `out` holds
    if (!bad.some(Boolean)) out.push(parsed);
  }
  if (problems.length > 0) throw new HostsError(problems);
  return out;
}

function imageProblem(h: HostBinding, images: readonly string[] | undefined): string | null {
  if (!h.image || !images || images.includes(h.image)) return null;
  return `image '${h.image}' is not in install.images of piman.yaml (${images.join(', ')})`;
}

function fromOld(r: string[], at: string, switches: readonly SwitchInfo[], problems: string[]): HostBinding | null {
  const [macText = '', ipText = '', hostname = ''] = r;
  const mac = parseMac(macText);
  if (!mac) return void problems.push(`${at}: '${macText}' is not a MAC address`), null;
  if (!isIpv4(ipText)) return void problems.push(`${at}: '${ipText}' is not an IPv4 address`), null;
  const sw = switches[0];
  const port = lastOctet(ipText)!;
  if (!sw || port < 1 || port > sw.ports) {
    return void problems.push(`${at}: port ${port} (last octet of ${ipText}) is not a port of switch ${sw?.name ?? '?'}`), null;
  }
  return { switchIndex: sw.index, port, mac, ip: ipText, hostname: hostname || null };
}

function fromHeaded(r: string[], at: string, switches: readonly SwitchInfo[], problems: string[]): HostBinding | null {
  const [swText = '', portText = '', macText = '', ipText = '', hostname = '', image = ''] = r;
  const sw = switches.find((s) => s.name === swText) ?? (/^\d+$/.test(swText) ? switches[Number(swText) - 1] : undefined);
  if (!sw) return void problems.push(`${at}: unknown switch '${swText}' (known: ${switches.map((s) => s.name).join(', ')})`), null;
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= sw.ports)) return void problems.push(`${at}: port '${portText}' is not 1..${sw.ports} on ${sw.name}`), null;
  const mac = parseMac(macText);
  if (!mac) return void problems.push(`${at}: '${macText}' is not a MAC address`), null;
  if (ipText !== '' && !isIpv4(ipText)) return void problems.push(`${at}: '${ipText}' is not an IPv4 address`), null;
  if (image !== '' && !IMAGE_NAME.test(image)) return void problems.push(`${at}: '${image}' is not an image name (1-32 letters, digits, _ . -)`), null;
  return { switchIndex: sw.index, port, mac, ip: ipText || null, hostname: hostname || null, ...(image ? { image } : {}) };
}

/**
 * Reads hosts.csv; a missing file means no bindings yet (the mapper can
 * write it), unless `required` (a reload, `piman config check`).
 */
export async function loadHosts(
  file: string,
  switches: readonly SwitchInfo[],
  opts: { required?: boolean } & HostsChecks = {},
): Promise<HostBinding[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !opts.required) return [];
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new HostsError([`${file}: no such file (the 'hosts' key of piman.yaml names it)`]);
    throw new HostsError([`${file}: cannot read: ${(e as Error).message}`]);
  }
  return parseHostsText(text, file, switches, opts.network, opts.images);
}

export function formatHostsHeaded(hosts: readonly HostBinding[], switches: readonly SwitchInfo[]): string {
  const name = (i: number): string => switches.find((s) => s.index === i)?.name ?? String(i);
  const withImage = hosts.some((h) => h.image);
  const lines = [[...HEADER, ...(withImage ? ['image'] : [])].join(',')];
  for (const h of hosts) lines.push([name(h.switchIndex), h.port, h.mac, h.ip ?? '', h.hostname ?? '', ...(withImage ? [h.image ?? ''] : [])].join(','));
  return lines.join('\n') + '\n';
}
