/**
 * The old monitoring agent's HTTP endpoint, answered by a virtual Pi once it
 * is up: GET /event/ -> JSON {cpu_percent, memory_percent, disk_percent,
 * num_pids, temp}. Values drift a little so a poller sees live numbers;
 * tests may pin them through `override`.
 */
import { createServer, type Server } from 'node:http';

export interface HealthSample {
  cpu_percent: number;
  memory_percent: number;
  disk_percent: number;
  num_pids: number;
  temp: number;
}

export function sampleHealth(seed: number, t: number): HealthSample {
  const wave = (period: number, phase: number): number => Math.sin((t / period + seed * 0.37 + phase) * 2 * Math.PI);
  const r1 = (n: number): number => Math.round(n * 10) / 10;
  return {
    cpu_percent: r1(12 + 8 * wave(20_000, 0)),
    memory_percent: r1(31 + 3 * wave(60_000, 0.2)),
    disk_percent: r1(18 + (seed % 7)),
    num_pids: 70 + Math.round(4 * wave(30_000, 0.5)) + (seed % 5),
    temp: r1(47 + 4 * wave(45_000, 0.7)),
  };
}

export class HealthEndpoint {
  private server: Server | null = null;
  /** Fields set here replace the generated ones (e.g. temp: 90 for alert tests). */
  override: Partial<HealthSample> = {};
  requests = 0;

  constructor(private readonly seed: number) {}

  sample(now = Date.now()): HealthSample {
    return { ...sampleHealth(this.seed, now), ...this.override };
  }

  async start(address: string, port: number): Promise<void> {
    if (this.server) return;
    const server = createServer((req, res) => {
      this.requests++;
      const path = (req.url ?? '').split('?')[0];
      if (req.method === 'GET' && (path === '/event/' || path === '/event')) {
        const body = JSON.stringify(this.sample());
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found; try /event/\n');
    });
    server.keepAliveTimeout = 1000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  get listening(): boolean {
    return this.server !== null;
  }

  /** The bound TCP port (useful after start(address, 0)); 0 when stopped. */
  get port(): number {
    const a = this.server?.address();
    return a && typeof a === 'object' ? a.port : 0;
  }

  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }
}
