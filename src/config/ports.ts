/**
 * `piman config check --ports`: can every enabled part bind its port? Each
 * is bound for a moment and released. Opt-in, because a running piman holds
 * them all (`ExecStartPre` runs before it starts).
 */
import dgram from 'node:dgram';
import { createServer } from 'node:net';
import type { PimanConfig } from './schema.js';
import { listenError } from '../errors.js';

interface Listen {
  readonly key: string;
  readonly proto: 'UDP' | 'TCP';
  readonly address: string;
  readonly port: number;
}

export function listens(c: PimanConfig): Listen[] {
  const all: Array<Listen | false> = [
    c.dhcp.enabled && { key: 'dhcp.port', proto: 'UDP', address: c.dhcp.listenAddress, port: c.dhcp.port },
    c.tftp.enabled && { key: 'tftp.port', proto: 'UDP', address: c.tftp.address, port: c.tftp.port },
    c.agent.enabled && { key: 'agent.port', proto: 'UDP', address: c.agent.address, port: c.agent.port },
    { key: 'control.port', proto: 'TCP', address: c.control.address ?? c.server.address, port: c.control.port },
    { key: 'install.port', proto: 'TCP', address: c.install.address ?? c.server.address, port: c.install.port },
    c.metrics.enabled && { key: 'metrics.port', proto: 'TCP', address: c.metrics.address, port: c.metrics.port },
  ];
  return all.filter((l): l is Listen => l !== false && l.port !== 0);
}

function tryBind(l: Listen): Promise<NodeJS.ErrnoException | null> {
  return new Promise((resolve) => {
    if (l.proto === 'UDP') {
      const s = dgram.createSocket('udp4');
      s.once('error', (e) => (s.close(), resolve(e)));
      s.bind(l.port, l.address, () => s.close(() => resolve(null)));
    } else {
      const s = createServer();
      s.once('error', (e) => resolve(e));
      s.listen(l.port, l.address, () => s.close(() => resolve(null)));
    }
  });
}

/** One message per port that cannot be bound, naming its key. */
export async function portProblems(c: PimanConfig): Promise<string[]> {
  const out: string[] = [];
  for (const l of listens(c)) {
    const e = await tryBind(l);
    if (!e) continue;
    out.push(listenError(l.key, l.proto, l.address, l.port, e).message);
  }
  return out;
}
