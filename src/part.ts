/**
 * What a part of the daemon is and what it may use. Parts get their own
 * small options (src/parts.ts maps piman.yaml onto them) and these running
 * services; none of them sees the configuration file.
 */
import type { Logger } from './log.js';
import type { MetricRegistry } from './metrics/registry.js';
import type { PowerController } from './switch/power.js';
import type { PoeSwitch } from './switch/types.js';
import type { ImageCatalog } from './images/catalog.js';
import type { HealthBoard } from './monitor/health-board.js';
import type { NoticeSignal } from './monitor/notices.js';

/** A running piece of the daemon (a server, a poller). */
export interface Part {
  readonly name: string;
  /**
   * What start() would refuse on, checked before any part starts, so every
   * such problem (a missing boot folder, rootfs or interface) is reported at
   * once and nothing listens meanwhile. start() may check again.
   */
  check?(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The daemon's running services, shared by every part. `C` is the cluster
 * as the part sees it: the ports of src/cluster/ports.ts it declares (the
 * composition passes the whole cluster, which implements them all).
 */
export interface PartContext<C> {
  readonly cluster: C;
  readonly power: PowerController;
  readonly switches: ReadonlyMap<number, PoeSwitch>;
  readonly log: Logger;
  /** Where parts add their own metrics to the Prometheus endpoint. */
  readonly metrics: MetricRegistry;
  /** install.images: which image each port installs, and whether it can (absent: one image, install.rootfs). */
  readonly images?: ImageCatalog;
  /** The Pis' latest health (written by the monitor, read by the agent and /metrics). */
  readonly health: HealthBoard;
  /** Notices that are no cluster event (a switch unreachable and back), for the webhooks. */
  readonly notices: NoticeSignal;
  /** ms since the epoch when the daemon was created (piman_start_time_seconds). */
  readonly startedAt: number;
}
