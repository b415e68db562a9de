/**
 * A site for `piman monitoring` tests: one Pi (127.0.0.1) whose health
 * endpoint answers with the CPU figure the test sets, piman.yaml pointing at
 * it and hosts.csv; the server and folder are removed after the test.
 */
import type { TestContext } from 'node:test';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface HealthSite {
  readonly dir: string;
  readonly configPath: string;
  /** The cpu_percent the Pi reports from now on. */
  setCpu(percent: number): void;
  /** The health endpoint stops answering (the Pi is unreachable). */
  stop(): void;
}

export async function healthSite(t: TestContext, cpu: number): Promise<HealthSite> {
  let now = cpu;
  const server = createServer((_req, res) => {
    res.end(JSON.stringify({ cpu_percent: now, memory_percent: 30, disk_percent: 40, num_pids: 80, temp: 45.2 }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let listening = true;
  const stop = (): void => {
    if (!listening) return;
    listening = false;
    server.close();
    server.closeAllConnections();
  };
  t.after(stop);
  const port = (server.address() as AddressInfo).port;
  const dir = await mkdtemp(join(tmpdir(), 'piman-mon-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'piman.yaml');
  await writeFile(configPath, `server: { address: 127.0.0.1 }\nswitches: [{ name: sw1, address: 127.0.0.1, ports: 8 }]\nmonitor: { port: ${port} }\n`);
  await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\nsw1,1,b827eb000001,127.0.0.1,pi1\n');
  return { dir, configPath, setCpu: (p) => void (now = p), stop };
}
