/**
 * The boot-state machine (README "Boot states") as a pure function:
 * (state, event, now) -> { state, effects }. No clocks, no I/O: the caller
 * supplies `now` and carries out the effects (persist, notify, count).
 */
import type { BootState, PortState } from './types.js';

export type BootEvent =
  /** `retry`: the power-on of a self-healing cycle (keeps the attempt count; any other resets it). */
  | { type: 'powerOn'; retry?: boolean }
  | { type: 'powerOff' }
  /** DHCP reply sent; `pxe` when the request came from the boot ROM (option 60 PXEClient). */
  | { type: 'dhcp'; pxe: boolean }
  | { type: 'tftp'; file: string }
  /** The Pi opened the control channel. */
  | { type: 'hello' }
  /** piman told the Pi `format` or `boot`. */
  | { type: 'decision'; action: 'format' | 'boot' }
  | { type: 'installProgress'; percent: number }
  /** The whole archive went out; `image` names it and its SHA-256 as really sent. */
  | { type: 'archiveSent'; image?: { name: string; digest: string } }
  /** The Pi confirmed the install (IS_FORMATTED after the whole archive, or IS_INSTALLED). */
  | { type: 'installReported' }
  | { type: 'installAborted'; reason: string }
  /** Health endpoint answered, or the Pi reported FINISHED. */
  | { type: 'up' }
  | { type: 'markReinstall' }
  | { type: 'cancelReinstall' }
  /** pimanPortImage: the image the next install uses ('' = hosts.csv's or the default). */
  | { type: 'chooseImage'; name: string }
  | { type: 'fail'; reason: string }
  /** Self-healing decided to power-cycle a stuck port (src/cluster/boot-retry.ts). */
  | { type: 'retry'; attempt: number; reason: string }
  /** Self-healing used every attempt: the port fails. */
  | { type: 'giveUp'; reason: string }
  | { type: 'tick' };

export type BootEffect =
  | { type: 'stateChanged'; from: BootState; to: BootState }
  | { type: 'installDone' }
  | { type: 'installFailed'; reason: string }
  | { type: 'retried'; attempt: number; reason: string }
  /** A boot failed for good after its retries (sent as pimanInstallFailed). */
  | { type: 'gaveUp'; reason: string }
  /** State that must survive a restart changed: write it. */
  | { type: 'persist' };

export interface MachineOptions {
  /** No progress for this long in a transitional state -> failed. */
  readonly timeoutMs: number;
}

export interface StepResult {
  readonly state: PortState;
  readonly effects: readonly BootEffect[];
  /** Set when the event was refused (the state is unchanged). */
  readonly rejected?: string;
}

const TRANSITIONAL: ReadonlySet<BootState> = new Set(['poweringOn', 'netbooting', 'installing', 'booting']);

/** True when a `tick` would fail this port (no progress in time); any other tick changes nothing. */
export function timedOut(s: PortState, now: number, opts: MachineOptions): boolean {
  return TRANSITIONAL.has(s.state) && now - s.lastProgress >= opts.timeoutMs;
}

export function step(prev: PortState, event: BootEvent, now: number, opts: MachineOptions): StepResult {
  const effects: BootEffect[] = [];
  let s: PortState = prev;

  const move = (to: BootState, patch: Partial<PortState> = {}): void => {
    const from = s.state;
    s = { ...s, ...patch, lastProgress: now };
    if (from !== to) {
      s = { ...s, state: to, lastChange: now };
      effects.push({ type: 'stateChanged', from, to });
    }
    effects.push({ type: 'persist' });
  };
  const fail = (reason: string): void => {
    if (s.state === 'installing') effects.push({ type: 'installFailed', reason });
    move('failed', { lastError: reason, archiveSent: false });
  };
  /** A running install that is interrupted by a new boot keeps its mark and counts as failed. */
  const interruptInstall = (reason: string): void => {
    if (s.state === 'installing') {
      effects.push({ type: 'installFailed', reason });
      // Stryker disable next-line BooleanLiteral: both callers leave archiveSent false anyway (powerOff's move clears it; hello gets here only before the archive went out)
      s = { ...s, lastError: reason, archiveSent: false };
    }
  };

  switch (event.type) {
    case 'powerOn':
      // A retry's power-on keeps its reason visible until the Pi makes progress.
      if (event.retry) move('poweringOn', { power: 'on' });
      else move('poweringOn', { power: 'on', lastError: '', bootAttempts: 0 });
      break;
    case 'powerOff':
      interruptInstall('power turned off during install');
      move('off', { power: 'off', archiveSent: false });
      break;
    case 'dhcp':
      // Only the boot ROM's request means a new boot; the OS renewing its lease does not.
      // A DISCOVER proves nothing about who sent it (any host can use the Pi's MAC): it
      // neither aborts a running install nor resets a Pi that is up. A real reboot shows
      // next in the Pi's TFTP fetches or its (MAC-checked) hello, which do move the port.
      if (event.pxe && (s.state === 'installing' || s.state === 'up')) {
        return { state: prev, effects: [], rejected: `a netboot DHCP does not change a port that is ${s.state}` };
      }
      if (event.pxe) {
        move('netbooting', { power: 'on' });
      } else {
        s = { ...s, lastProgress: now };
      }
      break;
    case 'tftp':
      // A TFTP request carries only a source address, which any host can use: it must
      // not abort an install. A Pi that really rebooted mid-install says hello next
      // (MAC-checked), and that ends the install; its rootfs stream breaks as well.
      if (s.state === 'installing') {
        return { state: prev, effects: [], rejected: 'a TFTP request does not change a port that is installing' };
      }
      if (s.state === 'netbooting') {
        s = { ...s, lastFile: event.file, lastProgress: now };
      } else {
        move('netbooting', { power: 'on', lastFile: event.file });
      }
      break;
    case 'hello':
      if (s.state === 'installing' && s.archiveSent) {
        s = { ...s, lastProgress: now };
      } else if (s.state !== 'netbooting') {
        interruptInstall('Pi reconnected before the install finished');
        move('netbooting', { power: 'on' });
      } else {
        s = { ...s, lastProgress: now };
      }
      break;
    case 'decision':
      if (event.action === 'format') {
        move('installing', { installProgress: 0, archiveSent: false, lastError: '', sentImage: '', sentDigest: '' });
      } else {
        move('booting', { lastError: '' });
      }
      break;
    case 'installProgress':
      if (s.state !== 'installing') return { state: prev, effects: [], rejected: 'not installing' };
      s = { ...s, installProgress: clampPercent(event.percent), lastProgress: now };
      break;
    case 'archiveSent':
      if (s.state !== 'installing') return { state: prev, effects: [], rejected: 'not installing' };
      s = { ...s, installProgress: 100, archiveSent: true, lastProgress: now, sentImage: event.image?.name ?? '', sentDigest: event.image?.digest ?? '' };
      effects.push({ type: 'persist' });
      break;
    case 'installReported':
      if (s.state !== 'installing' || !s.archiveSent) {
        return { state: prev, effects: [], rejected: 'no complete install to confirm' };
      }
      effects.push({ type: 'installDone' });
      move('booting', { reinstall: false, archiveSent: false, installedImage: s.sentImage, installedDigest: s.sentDigest });
      break;
    case 'installAborted':
      if (s.state !== 'installing') return { state: prev, effects: [], rejected: 'not installing' };
      effects.push({ type: 'installFailed', reason: event.reason });
      move('failed', { lastError: event.reason, archiveSent: false });
      break;
    case 'up':
      move('up', { lastError: '', bootAttempts: 0 });
      break;
    case 'retry':
      s = { ...s, bootAttempts: event.attempt, lastError: event.reason };
      effects.push({ type: 'retried', attempt: event.attempt, reason: event.reason }, { type: 'persist' });
      break;
    case 'giveUp':
      effects.push({ type: 'gaveUp', reason: event.reason });
      fail(event.reason);
      break;
    case 'markReinstall':
      if (!s.reinstall) {
        s = { ...s, reinstall: true };
        effects.push({ type: 'persist' });
      }
      break;
    case 'cancelReinstall':
      if (s.state === 'installing') return { state: prev, effects: [], rejected: 'install already running' };
      if (s.reinstall) {
        s = { ...s, reinstall: false };
        effects.push({ type: 'persist' });
      }
      break;
    case 'chooseImage':
      // A running install keeps the archive it opened; the choice is for the next one.
      if (s.image !== event.name) {
        s = { ...s, image: event.name };
        effects.push({ type: 'persist' });
      }
      break;
    case 'fail':
      fail(event.reason);
      break;
    case 'tick':
      if (timedOut(s, now, opts)) {
        fail(`no progress for ${Math.round((now - s.lastProgress) / 1000)} s while ${s.state}`);
      }
      break;
  }
  return { state: s, effects };
}

function clampPercent(p: number): number {
  if (!Number.isFinite(p)) return 0;
  return Math.max(0, Math.min(100, Math.floor(p)));
}
