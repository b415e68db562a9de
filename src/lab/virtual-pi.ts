/**
 * One emulated Raspberry Pi: while its switch port powers it, it runs the
 * netboot a real Pi runs (DHCP with the boot ROM's options, the TFTP fetch
 * sequence, the control channel, the rootfs install) and, once up, answers
 * the health endpoint. powerOff() stops it wherever it is; its "SD card"
 * (the installed image) survives power cycles. Protocol logic lives in the
 * pure modules (pi-dhcp, tftp-client, hello-script); this file sequences it.
 */
import { EventEmitter } from 'node:events';
import { decodeDhcp, encodeDhcp } from '../dhcp/packet.js';
import { PimanError, describeError } from '../errors.js';
import { buildDiscover, buildRequest, judgeReply, xidFor, type JudgeOptions, type Lease, type ReplyVerdict } from './pi-dhcp.js';
import { PI3_FILES, PI3_FIRST, PI4_BLKSIZE, eepromPlan, masterFromCmdline, prefixFolder, type BootFile, type PrefixMode } from './boot-plan.js';
import { tftpFetch, TFTP_ABORTED } from './tftp-fetch.js';
import type { TftpRequest, TftpResult } from './tftp-client.js';
import { runHelloClient, type HelloOutcome } from './hello-client.js';
import type { HelloAction } from './hello-script.js';
import type { InstalledImage } from './rootfs-receiver.js';
import { HealthEndpoint } from './health-endpoint.js';
import type { PiIdentity } from './pi-profile.js';
import { sleep } from './sleep.js';

/** `halted`: a Pi 3 boot ROM that gave up (see VirtualPiOptions.realRom); only a power cycle brings it back. */
export type PiPhase = 'off' | 'rom' | 'dhcp' | 'tftp' | 'control' | 'installing' | 'booting' | 'up' | 'retrying' | 'halted';

/** A Pi's view of the DHCP wire: its requests out, replies for it in. */
export interface DhcpLink {
  send(packet: Buffer): Promise<void>;
  onReply(listener: (packet: Buffer) => void): () => void;
  close(): void;
}

/** How a Pi reaches the network: loopback lab or a network namespace. */
export interface PiNetwork {
  openDhcp(id: PiIdentity): Promise<DhcpLink>;
  /**
   * Called with the lease; returns the local address TFTP/TCP/HTTP sockets bind to (undefined: any).
   * `onConflict` is called when another Pi later uses the same address (the lab's model of an IP clash).
   */
  useLease(lease: Lease, id?: PiIdentity, onConflict?: (reason: string) => void): Promise<string | undefined>;
  /** The Pi lost power: its address is free again. */
  release?(id: PiIdentity): void;
}

export interface ControlContext {
  readonly master: string;
  readonly localAddress: string | undefined;
  readonly installed: boolean;
  readonly signal: AbortSignal;
  readonly onAction: (a: HelloAction) => void;
}

export interface PiTiming {
  /** Power-on to first DISCOVER (real ROMs take a second or two). */
  readonly bootDelayMs: number;
  /** Up to this much more, at random, so Pis powered together do not move in lockstep. */
  readonly bootJitterMs: number;
  /** Time the script spends partitioning and formatting the SD card before it fetches the rootfs. */
  readonly formatMs: number;
  /** First DISCOVER/REQUEST retransmit; doubles up to 4x. */
  readonly dhcpRetryMs: number;
  readonly tftpTimeoutMs: number;
  readonly tftpRetries: number;
  readonly controlTimeoutMs: number;
  /** Wait after a failed boot before the ROM starts over. */
  readonly rebootDelayMs: number;
  /** realRom: DISCOVERs the Pi 3 boot ROM sends before it gives up for good (about 4, raspberrypi/firmware#1081). */
  readonly romDiscovers: number;
}

export const DEFAULT_TIMING: PiTiming = {
  bootDelayMs: 300,
  bootJitterMs: 0,
  formatMs: 0,
  dhcpRetryMs: 1000,
  tftpTimeoutMs: 1000,
  tftpRetries: 5,
  controlTimeoutMs: 60_000,
  rebootDelayMs: 2000,
  romDiscovers: 4,
};

export interface VirtualPiOptions {
  readonly identity: PiIdentity;
  readonly net: PiNetwork;
  readonly ports: { readonly tftp: number; readonly control: number; readonly install: number; readonly health: number };
  readonly timing?: Partial<PiTiming>;
  /** Echo commands and send `set -x` traces on the control channel, as the old script did. */
  readonly noisy?: boolean;
  readonly prefixMode?: PrefixMode;
  /** Emulate the Pi 3 ROM taking an OFFER meant for another MAC with the shared xid (see judgeReply). */
  readonly acceptForeignOffer?: boolean;
  /**
   * A Pi 3 behaves like the real boot ROM in a storm: it takes the first
   * OFFER with its xid whatever the chaddr (no REQUEST), sends only
   * timing.romDiscovers DISCOVERs, and after any failed boot (no OFFER, an
   * address clash, a refused control channel) stays silent until its port is
   * power-cycled. Ignored for a Pi 4, whose bootloader retries by itself.
   */
  readonly realRom?: boolean;
  /** The SD card at start: null = blank (the first boot installs). */
  readonly disk?: InstalledImage | null;
  /** Replaces the built-in control-channel client (the e2e test runs the shipped script under busybox nc). */
  readonly control?: (ctx: ControlContext) => Promise<HelloOutcome>;
}

export interface PiStatus {
  readonly phase: PiPhase;
  readonly boots: number;
  readonly installs: number;
  readonly lastError: string;
  readonly lease: Lease | null;
  readonly files: readonly string[];
  readonly release: string | null;
}

const ENOENT = 1;

export class VirtualPi extends EventEmitter<{ phase: [PiPhase]; installed: [InstalledImage]; bootError: [string] }> {
  readonly identity: PiIdentity;
  readonly health: HealthEndpoint;
  private readonly timing: PiTiming;
  disk: InstalledImage | null;
  private phaseNow: PiPhase = 'off';
  private abort: AbortController | null = null;
  private running: Promise<void> | null = null;
  private boots = 0;
  private installs = 0;
  private lastError = '';
  private lease: Lease | null = null;
  private files: string[] = [];
  /** The running boot attempt; disturb() aborts it (an address clash), power-off aborts it too. */
  private attempt: AbortController | null = null;
  private disturbed: string | null = null;

  constructor(private readonly o: VirtualPiOptions) {
    super();
    this.identity = o.identity;
    this.timing = { ...DEFAULT_TIMING, ...o.timing };
    this.disk = o.disk ?? null;
    this.health = new HealthEndpoint(parseInt(o.identity.serial, 16) || 1);
  }

  get phase(): PiPhase {
    return this.phaseNow;
  }

  /** Pi 3 with the real boot ROM's storm behaviour. */
  get realRom(): boolean {
    return this.o.realRom === true && this.identity.model === 3;
  }

  get powered(): boolean {
    return this.abort !== null;
  }

  status(): PiStatus {
    return {
      phase: this.phaseNow,
      boots: this.boots,
      installs: this.installs,
      lastError: this.lastError,
      lease: this.lease,
      files: [...this.files],
      release: this.disk?.release ?? null,
    };
  }

  /** Port power on: starts a boot unless already running. */
  powerOn(): void {
    if (this.abort) return;
    const ac = new AbortController();
    this.abort = ac;
    this.running = this.run(ac.signal).catch((e) => this.setError(describeError(e)));
  }

  /** Port power off: stops at once, wherever the Pi is; resolves when every socket is closed. */
  async powerOff(): Promise<void> {
    const ac = this.abort;
    if (!ac) return;
    this.abort = null;
    ac.abort();
    await this.running;
    this.running = null;
    await this.health.stop();
    this.lease = null;
    this.o.net.release?.(this.identity);
    this.setPhase('off');
  }

  /** Ends the running boot attempt from outside (another Pi took the same address). */
  disturb(reason: string): void {
    if (!this.attempt || this.phaseNow === 'up') return;
    this.disturbed = reason;
    this.attempt.abort();
  }

  /** Resolves when the Pi reaches `phase` (or rejects after timeoutMs). */
  waitFor(phase: PiPhase, timeoutMs: number): Promise<void> {
    if (this.phaseNow === phase) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.off('phase', on);
        reject(new Error(`${this.identity.mac}: not ${phase} after ${timeoutMs} ms (now ${this.phaseNow}, last error: ${this.lastError || 'none'})`));
      }, timeoutMs);
      const on = (p: PiPhase): void => {
        if (p !== phase) return;
        clearTimeout(t);
        this.off('phase', on);
        resolve();
      };
      this.on('phase', on);
    });
  }

  private setPhase(p: PiPhase): void {
    if (p === this.phaseNow) return;
    this.phaseNow = p;
    this.emit('phase', p);
  }

  private setError(e: string): void {
    this.lastError = e;
    this.emit('bootError', e);
  }

  private async run(signal: AbortSignal): Promise<void> {
    this.setPhase('rom');
    await sleep(this.timing.bootDelayMs + Math.random() * this.timing.bootJitterMs, signal);
    while (!signal.aborted) {
      const attempt = new AbortController();
      const onPower = (): void => attempt.abort();
      signal.addEventListener('abort', onPower, { once: true });
      this.attempt = attempt;
      this.disturbed = null;
      try {
        await this.bootOnce(attempt.signal);
        return;
      } catch (e) {
        if (signal.aborted) return;
        this.setError(this.disturbed ?? describeError(e));
        if (this.realRom) {
          // The Pi 3 ROM does not start over: it sits silent until the port is power-cycled.
          this.o.net.release?.(this.identity);
          this.setPhase('halted');
          return;
        }
        this.setPhase('retrying');
        await sleep(this.timing.rebootDelayMs, signal);
      } finally {
        signal.removeEventListener('abort', onPower);
        this.attempt = null;
      }
    }
  }

  private async bootOnce(signal: AbortSignal): Promise<void> {
    this.boots++;
    this.files = [];
    this.setPhase('dhcp');
    const lease = await this.dhcp(signal);
    this.lease = lease;
    const local = await this.o.net.useLease(lease, this.identity, (why) => this.disturb(why));
    if (signal.aborted) throw new PimanError('E_ROOTFS', this.disturbed ?? 'aborted');
    this.setPhase('tftp');
    const cmdline = await this.fetchBootFiles(lease.tftpServer, local, signal);
    const master = masterFromCmdline(cmdline) ?? lease.serverId;
    this.setPhase('control');
    const ctx: ControlContext = {
      master,
      localAddress: local,
      installed: this.disk !== null,
      signal,
      onAction: (a) => this.setPhase(a === 'format' ? 'installing' : 'booting'),
    };
    const outcome = this.o.control
      ? await this.o.control(ctx)
      : await runHelloClient({
          ...ctx,
          controlPort: this.o.ports.control,
          installPort: this.o.ports.install,
          noisy: this.o.noisy ?? true,
          timeoutMs: this.timing.controlTimeoutMs,
          formatMs: this.timing.formatMs,
        });
    if (signal.aborted) return;
    if (outcome.image) {
      this.disk = outcome.image;
      this.installs++;
      this.emit('installed', outcome.image);
    }
    this.setPhase('booting');
    await this.health.start(local ?? '0.0.0.0', this.o.ports.health);
    if (signal.aborted) return this.health.stop();
    this.lastError = '';
    this.setPhase('up');
  }

  // ---- DHCP -----------------------------------------------------------------

  private async dhcp(signal: AbortSignal): Promise<Lease> {
    const id = this.identity;
    const link = await this.o.net.openDhcp(id);
    const started = Date.now();
    const secs = (): number => Math.min(0xffff, Math.floor((Date.now() - started) / 1000));
    try {
      let wait = this.timing.dhcpRetryMs;
      // One xid for the whole attempt: a late OFFER to an earlier DISCOVER still counts.
      const xid = xidFor(id);
      let discovers = 0;
      for (;;) {
        if (this.realRom && discovers >= this.timing.romDiscovers) {
          throw new PimanError('E_ROOTFS', `boot ROM gave up after ${discovers} DISCOVERs without an OFFER`);
        }
        discovers++;
        await link.send(encodeDhcp(buildDiscover(id, xid, secs())));
        const judge = { acceptForeignOffer: this.realRom || (this.o.acceptForeignOffer ?? false) };
        const offer = await waitReply(link, id, xid, ['offer'], wait, signal, judge);
        wait = Math.min(wait * 2, this.timing.dhcpRetryMs * 4);
        if (!offer || offer.kind !== 'offer') continue;
        // The Pi 3 ROM boots from the OFFER; only the Pi 4 completes DORA.
        if (id.model === 3) return offer.lease;
        await link.send(encodeDhcp(buildRequest(id, xid, offer.lease, secs())));
        const ack = await waitReply(link, id, xid, ['ack', 'nak'], wait, signal, judge);
        if (ack?.kind === 'ack') return ack.lease;
      }
    } finally {
      link.close();
    }
  }

  // ---- TFTP -----------------------------------------------------------------

  /** Fetches the model's boot files; returns cmdline.txt's text. */
  private async fetchBootFiles(server: string, local: string | undefined, signal: AbortSignal): Promise<string> {
    const id = this.identity;
    const fetch = async (req: TftpRequest): Promise<TftpResult> => {
      const r = await tftpFetch(req, {
        server,
        port: this.o.ports.tftp,
        bindAddress: local,
        timeoutMs: this.timing.tftpTimeoutMs,
        retries: this.timing.tftpRetries,
        signal,
      });
      if (r.kind === 'error' && r.code === TFTP_ABORTED) throw new PimanError('E_ROOTFS', 'aborted (power off)');
      if (r.kind === 'data') this.files.push(req.file);
      return r;
    };
    const need = (file: string, r: TftpResult): Buffer | null => {
      if (r.kind === 'data') return r.data;
      if (r.kind === 'error' && r.code === ENOENT) return null;
      throw new PimanError('E_ROOTFS', `TFTP ${file} from ${server}: ${r.kind === 'error' ? `error ${r.code} ${r.message}` : 'no data'}`);
    };
    const prefixed = prefixFolder(id, this.o.prefixMode);
    let got = new Map<string, Buffer | null>();
    let plan: readonly BootFile[];
    let prefix = '';
    if (id.model === 3) {
      for (const f of PI3_FIRST) {
        const data = need(f, await fetch({ file: f }));
        if (f === 'bootcode.bin' && !data) throw new PimanError('E_ROOTFS', `TFTP ${server}: bootcode.bin not found`);
      }
      const first = need(`${prefixed}/start.elf`, await fetch({ file: `${prefixed}/start.elf` }));
      if (first) {
        prefix = `${prefixed}/`;
        got.set('start.elf', first);
      }
      plan = PI3_FILES;
      for (const f of plan) {
        if (got.has(f.name)) continue;
        got.set(f.name, need(prefix + f.name, await fetch({ file: prefix + f.name })));
      }
    } else {
      const opts = { tsize: true, blksize: PI4_BLKSIZE } as const;
      // Probe then read, as the Pi 4 does for every file.
      const probeAndGet = async (file: string): Promise<Buffer | null> => {
        const p = await fetch({ file, ...opts, probe: true });
        if (p.kind === 'error') return need(file, p);
        return need(file, await fetch({ file, ...opts }));
      };
      plan = eepromPlan(id.model);
      const [head, ...rest] = plan;
      // The first file under the serial folder decides the prefix (Pi 4: start4.elf, Pi 5: config.txt).
      const probe = await fetch({ file: `${prefixed}/${head!.name}`, ...opts, probe: true });
      if (probe.kind === 'probed') prefix = `${prefixed}/`;
      else need(`${prefixed}/${head!.name}`, probe);
      got.set(head!.name, await probeAndGet(prefix + head!.name));
      // The firmware opens the rest within milliseconds of each other.
      const results = await Promise.all(rest.map(async (f) => [f.name, await probeAndGet(prefix + f.name)] as const));
      got = new Map([...got, ...results]);
    }
    for (const f of plan) {
      if (f.required && !got.get(f.name)) throw new PimanError('E_ROOTFS', `TFTP ${server}: required boot file ${prefix}${f.name} not found`);
    }
    return got.get('cmdline.txt')?.toString('utf8') ?? '';
  }
}

function waitReply(
  link: DhcpLink,
  id: PiIdentity,
  xid: number,
  kinds: ReadonlyArray<ReplyVerdict['kind']>,
  timeoutMs: number,
  signal: AbortSignal,
  judge: JudgeOptions,
): Promise<ReplyVerdict | null> {
  return new Promise((resolve, reject) => {
    const done = (v: ReplyVerdict | null, err?: Error): void => {
      clearTimeout(t);
      off();
      signal.removeEventListener('abort', onAbort);
      if (err) reject(err);
      else resolve(v);
    };
    const onAbort = (): void => done(null, new PimanError('E_ROOTFS', 'aborted (power off)'));
    const t = setTimeout(() => done(null), timeoutMs);
    const off = link.onReply((buf) => {
      let v: ReplyVerdict;
      try {
        v = judgeReply(id, xid, decodeDhcp(buf), judge);
      } catch {
        return;
      }
      if (kinds.includes(v.kind)) done(v);
    });
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}
