/**
 * A `dgramModule` for net-snmp that wraps every 'message' listener in
 * try/catch. net-snmp parses requests synchronously inside its socket
 * handler, and some crafted packets (e.g. an OID sub-identifier byte >= 0x78)
 * throw there: unguarded, one UDP packet kills the daemon. Here the packet is
 * reported through `onError` and dropped.
 */
import dgram, { type Socket, type SocketType, type RemoteInfo } from 'node:dgram';
import type { DgramModule } from 'net-snmp';

export type PacketErrorHandler = (error: unknown, rinfo: RemoteInfo | undefined, msg: Buffer | undefined) => void;

type Listener = (...args: unknown[]) => void;

export function guardedDgram(onError: PacketErrorHandler): DgramModule {
  return {
    createSocket(type: SocketType | { type: SocketType; reuseAddr?: boolean }): Socket {
      const socket = typeof type === 'string' ? dgram.createSocket(type) : dgram.createSocket(type);
      guardSocket(socket, onError);
      return socket;
    },
  };
}

/** Wraps `on`/`addListener`/`once`/`prependListener` of one socket for 'message'. */
export function guardSocket(socket: Socket, onError: PacketErrorHandler): void {
  const wrap =
    (listener: Listener): Listener =>
    (...args: unknown[]) => {
      try {
        listener(...args);
      } catch (e) {
        const [msg, rinfo] = args as [Buffer | undefined, RemoteInfo | undefined];
        try {
          onError(e, rinfo, msg);
        } catch {
          // a failing error reporter must not take the socket down either
        }
      }
    };
  for (const method of ['on', 'addListener', 'once', 'prependListener', 'prependOnceListener'] as const) {
    const original = socket[method].bind(socket) as (event: string, l: Listener) => Socket;
    (socket as unknown as Record<string, unknown>)[method] = (event: string, listener: Listener): Socket =>
      original(event, event === 'message' ? wrap(listener) : listener);
  }
}
