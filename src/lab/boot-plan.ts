/**
 * Which files a Pi's boot ROM / firmware asks for over TFTP, in order
 * (README "TFTP": the Pi 3 and Pi 4 fetch sequences). Pure data.
 */
import { macDashed } from '../cluster/mac.js';
import type { PiIdentity } from './pi-profile.js';

export interface BootFile {
  /** Path relative to the Pi's prefix folder. */
  readonly name: string;
  /** A real boot stops when this one is missing. */
  readonly required: boolean;
}

/** Pi 3: bootcode.bin and bootsig.bin from the root, then start.elf (prefix probed), then the rest. */
export const PI3_FIRST = ['bootcode.bin', 'bootsig.bin'] as const;
export const PI3_FILES: readonly BootFile[] = [
  { name: 'start.elf', required: true },
  { name: 'config.txt', required: false },
  { name: 'fixup.dat', required: true },
  { name: 'cmdline.txt', required: true },
  { name: 'bcm2710-rpi-3-b.dtb', required: false },
  { name: 'kernel7.img', required: true },
  { name: 'initramfs7', required: false },
];

/** Pi 4: start4.elf first (it decides the prefix), then several transfers opened together. */
export const PI4_FILES: readonly BootFile[] = [
  { name: 'start4.elf', required: true },
  { name: 'fixup4.dat', required: true },
  { name: 'config.txt', required: false },
  { name: 'bcm2711-rpi-4-b.dtb', required: false },
  { name: 'overlays/overlay_map.dtb', required: false },
  { name: 'cmdline.txt', required: true },
  { name: 'kernel8.img', required: true },
  { name: 'initramfs8', required: false },
];

/**
 * Pi 5: the firmware lives in the bootloader EEPROM, so there is no
 * bootcode.bin, start*.elf or fixup*.dat to fetch. The bootloader reads
 * config.txt first (its probe under the serial folder decides the prefix, as
 * start4.elf does for a Pi 4), then the Pi 5 device tree, the overlay map,
 * cmdline.txt and the Pi 5 kernel (`kernel_2712.img`, the 2712 kernel
 * Raspberry Pi OS ships) with its initramfs.
 */
export const PI5_FILES: readonly BootFile[] = [
  { name: 'config.txt', required: true },
  { name: 'bcm2712-rpi-5-b.dtb', required: true },
  { name: 'overlays/overlay_map.dtb', required: false },
  { name: 'cmdline.txt', required: true },
  { name: 'kernel_2712.img', required: true },
  { name: 'initramfs_2712', required: false },
];

/** The files a model's firmware fetches after the prefix probe (Pi 4 and Pi 5; the Pi 3 goes through bootcode.bin). */
export function eepromPlan(model: 4 | 5): readonly BootFile[] {
  return model === 5 ? PI5_FILES : PI4_FILES;
}

/** Pi 4 and Pi 5 ask with these (`tsize 0 blksize 1024`, README "TFTP"). */
export const PI4_BLKSIZE = 1024;

export type PrefixMode = 'serial' | 'mac';

/** The prefix folder a Pi tries first: its serial, or for Pi 4/5 optionally its dashed MAC. */
export function prefixFolder(id: PiIdentity, mode: PrefixMode = 'serial'): string {
  return mode === 'mac' && id.model !== 3 ? macDashed(id.mac) : id.serial;
}

/** The master address from a fetched cmdline.txt (`master=A.B.C.D`); null when absent or still the MASTER placeholder. */
export function masterFromCmdline(text: string): string | null {
  const m = /(?:^|\s)master=(\d{1,3}(?:\.\d{1,3}){3})(?=\s|$)/.exec(text);
  return m ? m[1]! : null;
}
