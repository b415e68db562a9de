/**
 * What the control server and the rootfs server of one daemon share: which
 * Pi was just told `format` (and may fetch the archive once), which streams
 * run, and "archive sent" notices for the Pi's open control conversation.
 * One instance per daemon, created by the part factory.
 */
import { portId, type PortKey } from '../cluster/types.js';

export type ArchiveListener = () => void;

/** A `format` decision: who may fetch the archive once, and what the Pi did before it. */
export interface Expectation {
  readonly ip: string;
  /** The control connection that told `format` (only it may confirm the install). */
  readonly connection: number;
  /** ms timestamps: when `format` was told, and the Pi's last netboot (PXE DHCP) before it. */
  readonly decidedAt: number;
  readonly netbootAt: number | null;
}

export class InstallHub {
  private readonly expected = new Map<string, Expectation>();
  /** The control connection whose decision the running or finished stream belongs to. */
  private readonly receivers = new Map<string, number>();
  private nextConnection = 1;
  private readonly streaming = new Map<string, number>();
  private readonly listeners = new Map<string, Set<ArchiveListener>>();

  /** A number for each control connection, to tell them apart. */
  connectionId(): number {
    return this.nextConnection++;
  }

  /** The control server told this Pi `format`: let `e.ip` fetch the archive once. */
  expect(key: PortKey, e: Expectation): void {
    this.expected.set(portId(key), e);
    this.receivers.delete(portId(key));
  }

  /** Consumes the expectation; null when this peer was not just told `format`. */
  take(key: PortKey, ip: string): Expectation | null {
    const id = portId(key);
    const e = this.expected.get(id);
    if (!e || e.ip !== ip) return null;
    this.expected.delete(id);
    this.receivers.set(id, e.connection);
    return e;
  }

  /** The control connection whose `format` the archive stream served, if any. */
  receiver(key: PortKey): number | null {
    return this.receivers.get(portId(key)) ?? null;
  }

  forget(key: PortKey): void {
    this.expected.delete(portId(key));
  }

  streamStarted(key: PortKey, now: number): void {
    this.streaming.set(portId(key), now);
  }

  /** Bytes went out: keeps the Pi's quiet control connection from timing out. */
  streamActive(key: PortKey, now: number): void {
    if (this.streaming.has(portId(key))) this.streaming.set(portId(key), now);
  }

  streamEnded(key: PortKey): void {
    this.streaming.delete(portId(key));
  }

  isStreaming(key: PortKey): boolean {
    return this.streaming.has(portId(key));
  }

  /** ms timestamp of the last bytes sent to this port, or null when no stream runs. */
  lastStreamActivity(key: PortKey): number | null {
    return this.streaming.get(portId(key)) ?? null;
  }

  onArchiveSent(key: PortKey, l: ArchiveListener): () => void {
    const id = portId(key);
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(l);
    return () => {
      set.delete(l);
      if (set.size === 0 && this.listeners.get(id) === set) this.listeners.delete(id);
    };
  }

  archiveSent(key: PortKey): void {
    for (const l of [...(this.listeners.get(portId(key)) ?? [])]) l();
  }
}
