/**
 * What the control server and the rootfs server of one daemon share: which
 * Pi was just told `format` (and may fetch the archive once), which streams
 * run, and "archive sent" notices for the Pi's open control conversation.
 * One instance per daemon, created by the part factory.
 */
import { portId, type PortKey } from '../cluster/types.js';

export type ArchiveListener = () => void;

export class InstallHub {
  private readonly expected = new Map<string, string>();
  private readonly streaming = new Map<string, number>();
  private readonly listeners = new Map<string, Set<ArchiveListener>>();

  /** The control server told this Pi `format`: let `ip` fetch the archive once. */
  expect(key: PortKey, ip: string): void {
    this.expected.set(portId(key), ip);
  }

  /** Consumes the expectation; false when this peer was not just told `format`. */
  take(key: PortKey, ip: string): boolean {
    const id = portId(key);
    if (this.expected.get(id) !== ip) return false;
    this.expected.delete(id);
    return true;
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
