/**
 * Raspberry Pi boot ROM DHCP packets, written out byte by byte from the facts
 * README.md gives (not produced by our encoder), for everybody's tests.
 *  - Pi 3: every Pi uses the same xid, never sends a REQUEST.
 *  - Pi 4: full DORA; option 97 = "RPi4" + serial; its REQUEST omits option 60.
 */

/** The xid every Pi 3 boot ROM sends (shared across boards). */
export const PI3_XID = 0x26f30339;
export const PI3_MAC = [0xb8, 0x27, 0xeb, 0x12, 0x34, 0x56];
export const PI4_MAC = [0xdc, 0xa6, 0x32, 0x01, 0x36, 0xc2];
export const PI4_XID = 0x7e1c0a55;
export const PXE_VENDOR_CLASS = 'PXEClient:Arch:00000:UNDI:002001';

const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const u32 = (n: number): number[] => [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];

/** 236-byte BOOTP header + magic cookie. */
export function header(xid: number, mac: number[], opts: { ciaddr?: number[]; flags?: number } = {}): number[] {
  const b: number[] = [];
  b.push(0x01, 0x01, 0x06, 0x00); // op BOOTREQUEST, htype Ethernet, hlen 6, hops 0
  b.push(...u32(xid));
  b.push(0x00, 0x00); // secs
  b.push(((opts.flags ?? 0) >> 8) & 255, (opts.flags ?? 0) & 255);
  b.push(...(opts.ciaddr ?? [0, 0, 0, 0])); // ciaddr
  b.push(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0); // yiaddr, siaddr, giaddr
  b.push(...mac, ...new Array<number>(10).fill(0)); // chaddr (16)
  b.push(...new Array<number>(64).fill(0)); // sname
  b.push(...new Array<number>(128).fill(0)); // file
  b.push(0x63, 0x82, 0x53, 0x63); // magic cookie
  return b;
}

const vendorClass = [60, PXE_VENDOR_CLASS.length, ...ascii(PXE_VENDOR_CLASS)];
// 55: 1 3 43 60 66 67 128..135 (a PXE ROM asks for option 60 itself: the npm `dhcp` package crashes on this)
const paramList = [55, 17, 1, 2, 3, 5, 6, 11, 12, 13, 15, 16, 17, 18, 43, 54, 60, 66, 67];
const arch = [93, 2, 0x00, 0x00];
const undi = [94, 3, 0x01, 0x02, 0x01];

export function pi3Discover(mac: number[] = PI3_MAC): Buffer {
  return Buffer.from([
    ...header(PI3_XID, mac),
    53, 1, 1, // DHCPDISCOVER
    57, 2, 0x05, 0xc0, // max message size 1472
    ...paramList,
    ...arch,
    ...undi,
    97, 17, 0x00, ...new Array<number>(16).fill(0), // client UUID, all zero on a Pi 3
    ...vendorClass,
    255,
  ]);
}

const pi4Uuid = [97, 17, 0x00, ...ascii('RPi4'), 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xe3, 0x1c, 0x7a, 0x51];

export function pi4Discover(mac: number[] = PI4_MAC, xid = PI4_XID): Buffer {
  return Buffer.from([
    ...header(xid, mac),
    53, 1, 1,
    57, 2, 0x05, 0xc0,
    ...paramList,
    ...arch,
    ...undi,
    ...pi4Uuid,
    ...vendorClass,
    255,
  ]);
}

/** SELECTING REQUEST: option 50 = offered address, 54 = the server; no option 60. */
export function pi4Request(requested: number[], server: number[], mac: number[] = PI4_MAC, xid = PI4_XID): Buffer {
  return Buffer.from([
    ...header(xid, mac),
    53, 1, 3, // DHCPREQUEST
    50, 4, ...requested,
    54, 4, ...server,
    57, 2, 0x05, 0xc0,
    ...paramList,
    ...arch,
    ...undi,
    ...pi4Uuid,
    255,
    0, 0, 0, 0, // trailing pad after END, as some ROMs send
  ]);
}

/** Option 43 expected in every PXE reply (README.md, DHCP section). */
export const PI_OPTION_43 = Buffer.from([
  0x06, 0x01, 0x03, 0x0a, 0x04, 0x00, 0x50, 0x58, 0x45, 0x09, 0x14, 0x00, 0x00, 0x11,
  ...ascii('Raspberry Pi Boot'),
  0xff,
]);

/**
 * A client packet as a relay forwards it: giaddr (bytes 24..27) set, hops
 * counted, and option 82 (`agentInfo`, the sub-options without the option's
 * own code and length) appended before END, as RFC 3046 2.1 has relays do.
 */
export function relayed(packet: Buffer, giaddr: number[], agentInfo?: number[]): Buffer {
  const b = Array.from(packet);
  b.splice(24, 4, ...giaddr);
  b[3] = b[3]! + 1;
  const end = b.lastIndexOf(255);
  if (agentInfo) b.splice(end, 0, 82, agentInfo.length, ...agentInfo);
  return Buffer.from(b);
}

/** Option 82 as ISC dhcrelay -a sends it: circuit-id = the receiving interface's name, no remote-id. */
export function dhcrelayAgentInfo(ifname: string): number[] {
  return [1, ifname.length, ...ascii(ifname)];
}

/**
 * Option 82 in the Cisco Catalyst / D-Link default form: circuit-id
 * `00 04 VLAN(2) module port`, remote-id `00 06 <switch base MAC>`.
 */
export function ciscoAgentInfo(vlan: number, module: number, port: number, switchMac: number[]): number[] {
  return [1, 6, 0, 4, (vlan >> 8) & 255, vlan & 255, module, port, 2, 8, 0, 6, ...switchMac];
}
