/**
 * HTTP endpoint for Prometheus scrapes: GET and HEAD /metrics, nothing else.
 * The body is prom-client's process and runtime metrics plus the cluster,
 * health, build and parts' families (Exposition).
 */
import { createServer, type Server } from 'node:http';
import type { Part, PartContext } from '../part.js';
import type { CounterReader, PortList } from '../cluster/ports.js';
import { describeError, listenError } from '../errors.js';
import { VERSION } from '../version.js';
import { wantsOpenMetrics } from './exposition-accept.js';
import { healthFamilies, daemonFamilies } from './health-families.js';
import { clusterFamilies } from './prometheus.js';

/** The endpoint's settings (the `metrics` section of piman.yaml). */
export interface MetricsPartOptions {
  readonly enabled: boolean;
  readonly address: string;
  readonly port: number;
}

export function metricsPart(o: MetricsPartOptions, ctx: PartContext<PortList & CounterReader>): Part {
  const { enabled, address, port } = o;
  let server: Server | null = null;
  return {
    name: 'metrics',
    async start() {
      if (!enabled) return;
      // prom-client is loaded only by a daemon that serves /metrics, not by every CLI command.
      const { Exposition } = await import('./exposition.js');
      const exposition = new Exposition(() => {
        const ports = ctx.cluster.ports();
        return [
          ...daemonFamilies(VERSION, process.version, ctx.startedAt),
          ...clusterFamilies(ports, ctx.cluster.getCounters()),
          ...healthFamilies(ports, ctx.health),
          ...ctx.metrics.collect(),
        ];
      });
      const s = createServer((req, res) => {
        const head = req.method === 'HEAD';
        if ((req.method !== 'GET' && !head) || (req.url ?? '').split('?')[0] !== '/metrics') {
          res.writeHead(404, { 'content-type': 'text/plain' }).end('only GET or HEAD /metrics here\n');
          return;
        }
        exposition.render(wantsOpenMetrics(req.headers.accept)).then(
          ({ contentType, body }) => {
            res.writeHead(200, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), vary: 'Accept' });
            res.end(head ? undefined : body);
          },
          (e: unknown) => {
            ctx.log.warn({ err: describeError(e) }, 'cannot render /metrics');
            res.writeHead(500, { 'content-type': 'text/plain' }).end('cannot render metrics\n');
          },
        );
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
