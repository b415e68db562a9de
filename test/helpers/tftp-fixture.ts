/** Loopback TFTP servers and client sockets for tests; the caller's lists collect them for its after-hook. */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { TftpServer, type TftpServerOptions } from '../../src/tftp/server.js';
import { silentLogger } from '../../src/log.js';

/** A started server on 127.0.0.1 (port 0) with test defaults; `over.root` is required. */
export async function startTftp(track: TftpServer[], over: Partial<TftpServerOptions> & { root: string }): Promise<{ server: TftpServer; port: number }> {
  const server = new TftpServer({
    address: '127.0.0.1',
    port: 0,
    serverAddress: '10.0.0.1',
    maxTransfers: 200,
    maxBlksize: 1468,
    maxWindowsize: 16,
    timeoutMs: 1000,
    retries: 5,
    log: silentLogger(),
    ...over,
  });
  track.push(server);
  await server.start();
  return { server, port: server.address().port };
}

/** A client UDP socket bound on 127.0.0.1. */
export async function loopbackUdp(track: Socket[]): Promise<Socket> {
  const s = createSocket('udp4');
  track.push(s);
  s.bind(0, '127.0.0.1');
  await once(s, 'listening');
  return s;
}
