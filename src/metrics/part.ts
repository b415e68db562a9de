/** HTTP endpoint for Prometheus scrapes: GET /metrics, nothing else. */
import { createServer, type Server } from 'node:http';
import type { Part, PartContext } from '../part.js';
import { renderMetrics } from './prometheus.js';
import { renderFamilies } from './registry.js';
import { listenError } from '../errors.js';

/** The endpoint's settings (the `metrics` section of piman.yaml). */
export interface MetricsPartOptions {
  readonly enabled: boolean;
  readonly address: string;
  readonly port: number;
}

export function metricsPart(o: MetricsPartOptions, ctx: PartContext): Part {
  const { enabled, address, port } = o;
  let server: Server | null = null;
  return {
    name: 'metrics',
    async start() {
      if (!enabled) return;
      const s = createServer((req, res) => {
        if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET /metrics here\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
        res.end(renderMetrics(ctx.cluster.ports(), ctx.cluster.getCounters()) + renderFamilies(ctx.metrics.collect()));
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', (e) => reject(listenError('metrics.port', 'TCP', address, port, e)));
        s.listen(port, address, () => resolve());
      });
      server = s;
      ctx.log.info({ url: `http://${address}:${(s.address() as { port: number }).port}/metrics` }, 'metrics endpoint listening');
    },
    async stop() {
      if (!server) return;
      const s = server;
      server = null;
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    },
  };
}
