/** Free loopback ports for a lab (bind port 0, read it, release it). */
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

export function freeTcpPort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, address, () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export function freeUdpPort(address = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, address, () => {
      const port = s.address().port;
      s.close(() => resolve(port));
    });
  });
}

/** `count` distinct free ports of one kind. */
export async function freePorts(kind: 'tcp' | 'udp', count: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < count) out.add(await (kind === 'tcp' ? freeTcpPort() : freeUdpPort()));
  return [...out];
}
