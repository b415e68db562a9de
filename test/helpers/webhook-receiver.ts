/**
 * A webhook receiver on 127.0.0.1, port 0: records every POST body, answers
 * 200, or never answers (`hang`) to stand for a receiver that is stuck.
 * Closed (every connection) after the test.
 */
import type { TestContext } from 'node:test';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export interface Receiver {
  readonly url: string;
  readonly bodies: unknown[];
  /** Connections open now and the most ever open at once. */
  readonly open: () => number;
  readonly maxOpen: () => number;
}

export async function startReceiver(t: TestContext, mode: 'ok' | 'hang' = 'ok'): Promise<Receiver> {
  const bodies: unknown[] = [];
  const hanging: ServerResponse[] = [];
  let open = 0;
  let maxOpen = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      if (mode === 'hang') hanging.push(res);
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', (sock) => {
    open++;
    maxOpen = Math.max(maxOpen, open);
    sock.on('close', () => open--);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });
  const { port } = server.address() as { port: number };
  // A secret in the path, as Slack and Discord have: it must not reach any log.
  return { url: `http://127.0.0.1:${port}/services/T0/B0/s3cr3t-token`, bodies, open: () => open, maxOpen: () => maxOpen };
}
