/**
 * Bounds on the TCP connections an outsider can open to the control or
 * rootfs port: in total and per peer address. A connection over a bound is
 * closed at once, before anything is read or logged per connection.
 */
export interface ConnectionLimitOptions {
  readonly maxTotal: number;
  readonly maxPerAddress: number;
}

/** What `track` needs of a connection (a net.Socket is one). */
export interface ClosingConnection {
  once(event: 'close', listener: () => void): unknown;
}

export type Admission = { readonly ok: true } | { readonly ok: false; readonly why: 'total' | 'address' };

export class ConnectionLimits {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly o: ConnectionLimitOptions) {}

  /** Counts the connection when it fits; the caller must `release` it once when it closes. */
  admit(ip: string): Admission {
    if (this.total >= this.o.maxTotal) return { ok: false, why: 'total' };
    const n = this.perAddress.get(ip) ?? 0;
    if (n >= this.o.maxPerAddress) return { ok: false, why: 'address' };
    this.total++;
    this.perAddress.set(ip, n + 1);
    return { ok: true };
  }

  /**
   * Admits a connection and, when it fits, keeps it in `open` until it
   * closes, releasing its place then. A refused one is the caller's to close.
   */
  track<S extends ClosingConnection>(conn: S, ip: string, open: Set<S>): Admission {
    const admitted = this.admit(ip);
    if (!admitted.ok) return admitted;
    open.add(conn);
    conn.once('close', () => {
      this.release(ip);
      open.delete(conn);
    });
    return admitted;
  }

  release(ip: string): void {
    const n = this.perAddress.get(ip) ?? 0;
    if (n <= 0) return;
    this.total--;
    if (n === 1) this.perAddress.delete(ip);
    else this.perAddress.set(ip, n - 1);
  }

  /** Open connections (for tests and status). */
  count(ip?: string): number {
    return ip === undefined ? this.total : (this.perAddress.get(ip) ?? 0);
  }
}

/** The log line for a refused connection. */
export function limitMessage(port: string, ip: string, why: 'total' | 'address', o: ConnectionLimitOptions): string {
  return why === 'total'
    ? `${port} connection from ${ip} closed: ${o.maxTotal} connections are open (maxConnections)`
    : `${port} connection from ${ip} closed: ${o.maxPerAddress} connections from this address are open (maxConnectionsPerAddress)`;
}
