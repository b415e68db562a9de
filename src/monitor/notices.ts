/**
 * What reaches people (webhooks): health alerts and resolves, a port that
 * failed, installs done or failed, a switch that stopped answering and came
 * back. Cluster events become notices through `noticeOf` (pure); switch
 * reachability changes arrive on the daemon's NoticeSignal.
 */
import type { ClusterEvent } from '../cluster/ports.js';
import type { HealthCrossing } from '../cluster/types.js';

export const NOTICE_KINDS = ['healthAlert', 'healthResolved', 'portFailed', 'installDone', 'installFailed', 'switchUnreachable', 'switchBack'] as const;
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export interface NoticePort {
  readonly switchName: string;
  readonly port: number;
  readonly hostname: string | null;
  readonly ip: string | null;
}

export type Notice =
  | { readonly kind: 'healthAlert' | 'healthResolved'; readonly port: NoticePort; readonly message: string; readonly crossing: HealthCrossing | null }
  | { readonly kind: 'portFailed' | 'installFailed'; readonly port: NoticePort; readonly reason: string }
  | { readonly kind: 'installDone'; readonly port: NoticePort }
  | { readonly kind: 'switchUnreachable'; readonly switchName: string; readonly address: string; readonly reason: string }
  | { readonly kind: 'switchBack'; readonly switchName: string; readonly address: string };

/** The notice a cluster event gives, or null (most state changes give none). */
export function noticeOf(e: ClusterEvent): Notice | null {
  const p = e.port;
  const port: NoticePort = { switchName: p.switchName, port: p.port, hostname: p.hostname, ip: p.ip };
  const f = e.effect;
  switch (f.type) {
    case 'healthAlert':
      return { kind: 'healthAlert', port, message: f.message, crossing: f.crossing ?? null };
    case 'healthResolved':
      return { kind: 'healthResolved', port, message: f.message, crossing: f.crossing };
    case 'stateChanged':
      return f.to === 'failed' ? { kind: 'portFailed', port, reason: p.lastError } : null;
    case 'installDone':
      return { kind: 'installDone', port };
    case 'installFailed':
      return { kind: 'installFailed', port, reason: f.reason };
    case 'persist':
      return null;
    case 'gaveUp':
    case 'retried':
      // A retry is in the log and the MIB; giving up moves the port to `failed`, whose stateChanged is the one portFailed notice.
      return null;
  }
}

/** One line for people: `pi7 (sw1:7): cpu 95.0 % > 50 %`. */
export function noticeText(n: Notice): string {
  if (n.kind === 'switchUnreachable') return `switch ${n.switchName} (${n.address}) does not answer: ${n.reason}`;
  if (n.kind === 'switchBack') return `switch ${n.switchName} (${n.address}) answers again`;
  const where = `${n.port.hostname ?? n.port.ip ?? 'port'} (${n.port.switchName}:${n.port.port})`;
  switch (n.kind) {
    case 'healthAlert':
      return `health alert on ${where}: ${stripWho(n.message)}`;
    case 'healthResolved':
      return `health resolved on ${where}: ${stripWho(n.message)}`;
    case 'portFailed':
      return `${where} failed: ${n.reason || 'no reason given'}`;
    case 'installDone':
      return `${where}: install done`;
    case 'installFailed':
      return `${where}: install failed: ${n.reason}`;
  }
}

/** The monitor's messages start with `who: `; the notice names the port itself. */
function stripWho(message: string): string {
  const i = message.indexOf(': ');
  return i >= 0 ? message.slice(i + 2) : message;
}

/** A minimal listener set (no EventEmitter: typed, and a throwing listener cannot stop the others). */
export class NoticeSignal {
  private readonly listeners = new Set<(n: Notice) => void>();

  on(l: (n: Notice) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  emit(n: Notice): void {
    for (const l of this.listeners) {
      try {
        l(n);
      } catch {
        // a listener's bug must not keep the notice from the others
      }
    }
  }
}
