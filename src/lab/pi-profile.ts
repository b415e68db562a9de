/** Who a virtual Pi is: model, MAC, serial. Pure data and helpers. */
import { macToBytes } from '../cluster/mac.js';

export type PiModel = 3 | 4 | 5;
export const PI_MODELS: readonly PiModel[] = [3, 4, 5];

export interface PiIdentity {
  readonly model: PiModel;
  /** Lower-case colon form. */
  readonly mac: string;
  /** 8 lower-case hex digits, as the boot ROM prints it and uses as TFTP prefix. */
  readonly serial: string;
}

/** Pi 3 boards carry B8:27:EB, Pi 4 boards DC:A6:32, Pi 5 boards 2C:CF:67 (Pi OUIs in src/cluster/mac.ts). */
const OUI: Record<PiModel, string> = { 3: 'b8:27:eb', 4: 'dc:a6:32', 5: '2c:cf:67' };

/** The n-th lab Pi (1-based, up to 65535) of a model: stable MAC and serial. */
export function labIdentity(model: PiModel, n: number): PiIdentity {
  if (!Number.isInteger(n) || n < 1 || n > 0xffff) throw new RangeError(`lab Pi number ${n} is not 1..65535`);
  const hi = (n >> 8) & 0xff;
  const lo = n & 0xff;
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  const mac = `${OUI[model]}:4c:${hex(hi)}:${hex(lo)}`;
  return { model, mac, serial: serialOf(mac) };
}

/** Real Pis derive the low MAC bytes from the serial; the lab goes the other way: `10` + last three MAC bytes. */
export function serialOf(mac: string): string {
  return `10${macToBytes(mac).subarray(3, 6).toString('hex')}`;
}

/** A rack's models: one model, or several taken in turn port by port (`3,4,5`: port 1 a Pi 3, port 2 a Pi 4, ...). */
export type LabModels = PiModel | readonly PiModel[];

export function modelOfPort(models: LabModels, n: number): PiModel {
  if (typeof models === 'number') return models;
  return models[(n - 1) % models.length] ?? 4;
}

export function modelList(models: LabModels): readonly PiModel[] {
  return typeof models === 'number' ? [models] : [...new Set(models)];
}

/** `--model 3`, `--model 3,4,5`: each a Pi model piman's lab emulates; null when any is not. */
export function parseModels(text: string): PiModel[] | null {
  const parts = text.split(',').map((t) => t.trim());
  const out: PiModel[] = [];
  for (const p of parts) {
    const m = PI_MODELS.find((x) => String(x) === p);
    if (m === undefined) return null;
    out.push(m);
  }
  return out.length > 0 ? out : null;
}
