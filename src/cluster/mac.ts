import { PimanError } from '../errors.js';

/** The OUIs the IEEE registry lists for Raspberry Pi Foundation (B8:27:EB) and Raspberry Pi Trading (the rest). */
export const PI_OUIS: readonly string[] = ['b8:27:eb', 'dc:a6:32', 'e4:5f:01', '28:cd:c1', 'd8:3a:dd', '2c:cf:67'];

const HEX12 = /^[0-9a-f]{12}$/;

/**
 * Normalise a MAC written as `b827eb010203`, `B8-27-EB-01-02-03`,
 * `b8:27:eb:01:02:03` or `b827.eb01.0203` to lower-case colon form.
 * Returns null when the text is not a MAC.
 */
export function parseMac(text: string): string | null {
  const hex = text.trim().toLowerCase().replace(/[:.\-]/g, '');
  if (!HEX12.test(hex)) return null;
  return hex.match(/../g)!.join(':');
}

export function normalizeMac(text: string, where = 'MAC'): string {
  const mac = parseMac(text);
  if (mac === null) {
    throw new PimanError('E_USAGE', `${where}: '${text}' is not a MAC address (expected 12 hex digits, e.g. b8:27:eb:01:02:03)`);
  }
  return mac;
}

export function macFromBytes(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 6), (b) => b.toString(16).padStart(2, '0')).join(':');
}

export function macToBytes(mac: string): Buffer {
  return Buffer.from(mac.replace(/:/g, ''), 'hex');
}

/** `dc-a6-32-01-36-c2`, the form Pi 4 boot folders use. */
export function macDashed(mac: string): string {
  return mac.replace(/:/g, '-');
}

export function isPiMac(mac: string): boolean {
  return PI_OUIS.includes(mac.slice(0, 8));
}
