/**
 * SNMPv2c notifications to the configured receivers (traps, or informs that
 * the receiver acknowledges): port state changes, install failures, health
 * alerts and resolves, paced per port (NotifyQueue).
 */
import snmp, { type Session, type Varbind } from 'net-snmp';
import type { ClusterEvent } from '../cluster/ports.js';
import { portId, type HealthCrossing, type PortKey, type PortView } from '../cluster/types.js';
import { crossingValues } from './health-values.js';
import { describeError } from '../errors.js';
import type { Logger } from '../log.js';
import { GENERAL, NOTIFICATION, PIMAN_GENERAL, PORT_COL, bootStateNumber, portColumnOid } from './oids.js';
import { displayString } from './values.js';
import { NotifyQueue, realTimers, type Timers } from './notify-queue.js';
import { LogLimiter } from '../log-limit.js';

export interface TrapReceiver {
  readonly address: string;
  readonly port: number;
  readonly community: string;
  /** InformRequest (acknowledged) instead of a trap. */
  readonly inform?: boolean;
  /** For informs: wait this long for the acknowledgement (default 5), then send again `retries` times (default 2). */
  readonly timeoutSeconds?: number;
  readonly retries?: number;
}

export interface TrapSenderOptions {
  readonly receivers: readonly TrapReceiver[];
  readonly log: Logger;
  /** sysUpTime in centiseconds for the notifications. */
  readonly upTime: () => number;
  readonly gapMs?: number;
  readonly timers?: Timers;
}

interface Notification {
  readonly oid: string;
  readonly varbinds: Varbind[];
}

export class TrapSender {
  private readonly sessions: Session[];
  private readonly queue: NotifyQueue<Notification>;
  private readonly limiter = new LogLimiter(3, 60_000);

  constructor(private readonly opts: TrapSenderOptions) {
    this.sessions = opts.receivers.map((r) => {
      const s = snmp.createSession(r.address, r.community, {
        version: snmp.Version2c,
        trapPort: r.port,
        port: r.port,
        timeout: (r.timeoutSeconds ?? 5) * 1000,
        retries: r.retries ?? 2,
      });
      s.on('error', (e) => this.warn(`${r.address}:${r.port}`, e));
      return s;
    });
    this.queue = new NotifyQueue(opts.gapMs ?? 500, (n) => this.send(n), opts.timers ?? realTimers);
  }

  /** Feeds a cluster effect; state changes, install failures and health alerts become notifications. */
  onClusterEvent(e: ClusterEvent): void {
    const p = e.port;
    if (e.effect.type === 'stateChanged') {
      this.queue.push(portId(p), 'state', {
        oid: NOTIFICATION.pimanPortStateChange,
        varbinds: [
          { oid: portColumnOid(PORT_COL.pimanPortBootState, p.switchIndex, p.port), type: snmp.ObjectType.Integer, value: bootStateNumber(p.state) },
          hostnameVarbind(p),
          { oid: portColumnOid(PORT_COL.pimanPortLastError, p.switchIndex, p.port), type: snmp.ObjectType.OctetString, value: displayString(p.lastError) },
        ],
      });
    } else if (e.effect.type === 'healthAlert') {
      this.healthAlert(p, e.effect.message, e.effect.crossing);
    } else if (e.effect.type === 'healthResolved') {
      this.queue.push(portId(p), `resolved:${e.effect.crossing.metric}`, {
        oid: NOTIFICATION.pimanHealthResolved,
        varbinds: [hostnameVarbind(p), ...crossingVarbinds(p, e.effect.crossing)],
      });
    } else if (e.effect.type === 'installFailed' || e.effect.type === 'gaveUp') {
      // A boot that failed for good after its retries is announced like a failed install.
      this.queue.push(portId(p), 'installFailed', {
        oid: NOTIFICATION.pimanInstallFailed,
        varbinds: [
          hostnameVarbind(p),
          { oid: portColumnOid(PORT_COL.pimanPortLastError, p.switchIndex, p.port), type: snmp.ObjectType.OctetString, value: displayString(e.effect.reason) },
        ],
      });
    }
  }

  /** A health alert from the monitor for the Pi on `key`; with the crossing, its metric, value and threshold follow. */
  healthAlert(port: PortView | PortKey, message: string, crossing?: HealthCrossing): void {
    const hostname = 'hostname' in port ? port.hostname : null;
    // one kind per metric: a burst of alerts on several metrics of one Pi is paced, not collapsed into the last one
    this.queue.push(portId(port), crossing ? `health:${crossing.metric}` : 'health', {
      oid: NOTIFICATION.pimanHealthAlert,
      varbinds: [
        { oid: portColumnOid(PORT_COL.pimanPortHostname, port.switchIndex, port.port), type: snmp.ObjectType.OctetString, value: displayString(hostname) },
        { oid: `${PIMAN_GENERAL}.${GENERAL.pimanHealthMessage}.0`, type: snmp.ObjectType.OctetString, value: displayString(message) },
        ...(crossing ? crossingVarbinds(port, crossing) : []),
      ],
    });
  }

  close(): void {
    this.queue.close();
    for (const s of this.sessions) s.close();
  }

  private send(n: Notification): void {
    for (const [i, s] of this.sessions.entries()) {
      const r = this.opts.receivers[i]!;
      const upTime = Math.max(1, this.opts.upTime());
      const done = (err: Error | null): void => {
        if (err) this.warn(`${r.address}:${r.port}`, err);
      };
      try {
        if (r.inform) s.inform(n.oid, n.varbinds, { upTime }, (err) => done(err && new Error(`inform not acknowledged: ${err.message}`)));
        else s.trap(n.oid, n.varbinds, { upTime }, done);
      } catch (e) {
        this.warn(`${r.address}:${r.port}`, e);
      }
    }
  }

  private warn(receiver: string, e: unknown): void {
    const suppressed = this.limiter.allow(receiver);
    if (suppressed === null) return;
    this.opts.log.warn({ receiver, err: describeError(e), suppressed: suppressed || undefined }, 'cannot send SNMP notification');
  }
}

/** pimanPortHealthMetric, Value and Threshold of the port, from the crossing the notification is about. */
function crossingVarbinds(k: PortKey, c: HealthCrossing): Varbind[] {
  const v = crossingValues(c);
  const I = snmp.ObjectType.Integer;
  return [
    { oid: portColumnOid(PORT_COL.pimanPortHealthMetric, k.switchIndex, k.port), type: I, value: v.metric },
    { oid: portColumnOid(PORT_COL.pimanPortHealthValue, k.switchIndex, k.port), type: I, value: v.value },
    { oid: portColumnOid(PORT_COL.pimanPortHealthThreshold, k.switchIndex, k.port), type: I, value: v.threshold },
  ];
}

function hostnameVarbind(p: PortView): Varbind {
  return { oid: portColumnOid(PORT_COL.pimanPortHostname, p.switchIndex, p.port), type: snmp.ObjectType.OctetString, value: displayString(p.hostname) };
}
