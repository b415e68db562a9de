/**
 * `piman status --unknown [--json]` run as a user would (child process)
 * against a live agent whose cluster a running DHCP server records into.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAgentFixture, type AgentFixture } from '../helpers/agent-fixture.js';
import type { DhcpTestClient } from '../helpers/dhcp-client.js';
import { pi4Discover, PXE_VENDOR_CLASS } from '../vectors/dhcp-pi.js';
import type { DhcpServer } from '../../src/dhcp/server.js';
import { startLoopbackDhcp, type LoopbackDhcp } from '../helpers/loopback-dhcp.js';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
const PI = [0xd8, 0x3a, 0xdd, 0x01, 0x02, 0x03];
const PI_MAC = 'd8:3a:dd:01:02:03';

let f: AgentFixture;
let dir: string;
let cfg: string;
let lab: LoopbackDhcp;
let dhcp: DhcpServer;
let client: DhcpTestClient;

function piman(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 90_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'piman-cli-unknown-'));
  f = await startAgentFixture();
  cfg = join(dir, 'piman.yaml');
  await writeFile(
    cfg,
    `server: { address: 10.0.0.1 }
agent: { port: ${f.agent.port} }
switches:
  - { name: sw1, address: 127.0.0.1, ports: 24 }
  - { name: sw2, address: 127.0.0.2, ports: 8 }
`,
  );
  lab = await startLoopbackDhcp(f.cluster, dir);
  ({ dhcp, client } = lab);
});

after(async () => {
  await lab?.stop();
  await f?.stop();
  await rm(dir, { recursive: true, force: true });
});

test('nothing seen: one clear line, and [] with --json', async () => {
  const r = await piman(['-c', cfg, 'status', '--unknown']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'no unknown MACs: no DHCP client without a binding has asked since piman server started\n');
  const j = await piman(['-c', cfg, 'status', '--unknown', '--json']);
  assert.equal(j.code, 0, j.stderr);
  assert.deepEqual(JSON.parse(j.stdout), []);
});

test('a DISCOVER from a Pi missing from hosts.csv shows up, most recently seen first', async () => {
  // an older sighting, recorded straight into the registry with a fixed time
  f.cluster.unknownMacs.record('02:00:00:00:00:99', Date.UTC(2026, 10, 25, 15, 0, 1, 200), null);
  const seen = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => (off(), reject(new Error('timed out waiting for the DISCOVER to be recorded'))), 20_000);
    const off = f.cluster.unknownMacs.on((c) => {
      if (c.type === 'added' && c.entry.mac === PI_MAC) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
  await client.send(pi4Discover(PI), dhcp.port);
  await seen;

  const r = await piman(['-c', cfg, 'status', '--unknown']);
  assert.equal(r.code, 0, r.stderr);
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 3, r.stdout);
  assert.match(lines[0]!, /^MAC\s+RASPBERRY PI\s+VENDOR CLASS\s+FIRST SEEN\s+LAST SEEN\s+COUNT$/);
  const seenAt = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ';
  assert.match(lines[1]!, new RegExp(`^${PI_MAC}\\s+yes\\s+${PXE_VENDOR_CLASS}\\s+${seenAt}\\s+${seenAt}\\s+1$`));
  assert.match(lines[2]!, /^02:00:00:00:00:99\s+no\s+-\s+2026-11-25 15:00:01Z\s+2026-11-25 15:00:01Z\s+1$/);

  const j = await piman(['-c', cfg, 'status', '--unknown', '--json']);
  assert.equal(j.code, 0, j.stderr);
  const rows = JSON.parse(j.stdout) as Array<Record<string, unknown>>;
  assert.deepEqual(rows[1], {
    mac: '02:00:00:00:00:99',
    raspberryPi: false,
    vendorClass: null,
    firstSeen: '2026-11-25T15:00:01.200Z',
    lastSeen: '2026-11-25T15:00:01.200Z',
    count: 1,
  });
  assert.equal(rows[0]!.mac, PI_MAC);
  assert.equal(rows[0]!.raspberryPi, true);
  assert.equal(rows[0]!.vendorClass, PXE_VENDOR_CLASS);
});

test('--unknown with ports is a usage error (exit 2)', async () => {
  const r = await piman(['-c', cfg, 'status', '--unknown', '7']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^piman: --unknown lists MACs that are bound to no port; it takes no ports \(got 7\)\n$/);
});
