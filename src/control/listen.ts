/** The TCP life cycle the control and rootfs servers share: listen with a typed error, report the address, stop with every connection closed. */
import type { AddressInfo, Server, Socket } from 'node:net';
import { describeError, listenError } from '../errors.js';
import type { Logger } from '../log.js';
import { ConnectionLimits, type Admission, type ConnectionLimitOptions } from './conn-limits.js';

export function listen(server: Server, host: string, port: number, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: NodeJS.ErrnoException): void => reject(listenError(key, 'TCP', host, port, e));
    server.once('error', onError);
    server.listen({ host, port }, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

export class TcpService {
  /** Open connections (admitted by admit()), destroyed by stop(). */
  private readonly sockets = new Set<Socket>();
  private readonly limits: ConnectionLimits;
  private server: Server | null = null;

  /** `what` names the server in logs ('control', 'rootfs'); `key` is its config key. */
  constructor(
    private readonly what: string,
    private readonly key: string,
    private readonly log: Logger,
    limits: ConnectionLimitOptions,
  ) {
    this.limits = new ConnectionLimits(limits);
  }

  /** Admits a new connection within the bounds and keeps it until it closes. */
  admit(socket: Socket, ip: string): Admission {
    return this.limits.track(socket, ip, this.sockets);
  }

  async start(server: Server, host: string, port: number): Promise<void> {
    server.on('error', (e) => this.log.error({ err: describeError(e) }, `${this.what} server error`));
    await listen(server, host, port, this.key);
    this.server = server;
  }

  address(): AddressInfo {
    const a = this.server?.address();
    if (!a || typeof a === 'string') throw new Error(`${this.what} server is not listening`);
    return a;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    if (this.server) await closeServer(this.server);
    this.server = null;
  }
}
