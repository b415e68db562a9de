import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkImports, formatViolation, importGraph, resolveSpecifier, type ImportGraph } from '../helpers/import-rules.js';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const key = (v: { rule: string; from: string; to: string }) => `${v.rule}: ${v.from} -> ${v.to}`;

/** A temporary source tree, removed after the test: `put` writes a file into it. */
async function sourceTree(t: { after(fn: () => Promise<void>): void }) {
  const root = await mkdtemp(join(tmpdir(), 'piman-imports-'));
  t.after(() => rm(root, { recursive: true, force: true }));
  const put = async (file: string, text: string): Promise<void> => {
    await mkdir(dirname(join(root, file)), { recursive: true });
    await writeFile(join(root, file), text);
  };
  return { root, put };
}

test('import rules: each rule reports a deliberate violation in a fixture graph', () => {
  const graph: ImportGraph = new Map([
    ['src/cluster/cluster.ts', ['src/dhcp/server.ts', 'src/config/load.ts', 'src/store/state-store.ts', 'src/cluster/types.ts', 'src/errors.ts']],
    ['src/tftp/part.ts', ['src/config/schema.ts', 'src/cluster/cluster.ts']],
    ['src/log.ts', ['src/config/hosts.ts']],
    ['src/daemon.ts', ['src/config/schema.ts', 'src/lab/lab.ts', 'src/cluster/cluster.ts']],
    ['src/parts.ts', ['src/config/schema.ts']],
    ['src/cli/commands/server.ts', ['src/config/load.ts', 'src/lab/sim-switch.ts']],
    ['src/cli/commands/lab.ts', ['src/lab/run-lab.ts']],
    ['src/lab/lab.ts', ['src/config/load.ts', 'src/lab/tar.ts', 'src/daemon.ts', 'src/parts.ts']],
    ['src/dhcp/part.ts', ['src/part.ts', 'src/daemon.ts']],
    ['src/parts.ts', ['src/daemon.ts', 'src/dhcp/part.ts']],
    ['src/part.ts', ['src/cluster/cluster.ts', 'src/cluster/ports.ts']],
    ['src/agent/traps.ts', ['src/cluster/ports.ts', 'src/cluster/types.ts']],
    ['src/switch/power.ts', ['src/cluster/cluster.ts']],
    ['src/cli/mapper-run.ts', ['src/cluster/cluster.ts']],
  ]);
  assert.deepEqual(checkImports(graph).map(key).sort(), [
    'cluster-is-the-core: src/cluster/cluster.ts -> src/config/load.ts',
    'cluster-is-the-core: src/cluster/cluster.ts -> src/dhcp/server.ts',
    'cluster-is-the-core: src/cluster/cluster.ts -> src/store/state-store.ts',
    'composition-on-top: src/dhcp/part.ts -> src/daemon.ts',
    'config-read-at-the-root: src/cluster/cluster.ts -> src/config/load.ts',
    'config-read-at-the-root: src/log.ts -> src/config/hosts.ts',
    'config-read-at-the-root: src/tftp/part.ts -> src/config/schema.ts',
    'lab-out-of-production: src/cli/commands/server.ts -> src/lab/sim-switch.ts',
    'lab-out-of-production: src/daemon.ts -> src/lab/lab.ts',
    'parts-see-ports: src/part.ts -> src/cluster/cluster.ts',
    'parts-see-ports: src/switch/power.ts -> src/cluster/cluster.ts',
    'parts-see-ports: src/tftp/part.ts -> src/cluster/cluster.ts',
    'protocols-without-config-schema: src/tftp/part.ts -> src/config/schema.ts',
  ]);
});

test('import rules: a part importing the Cluster class, even as a type, is found; its narrow ports are allowed', async (t) => {
  const { root, put } = await sourceTree(t);
  await put(
    'src/dhcp/server.ts',
    ["import type { Cluster } from '../cluster/cluster.js';", "import type { BootEvents, PeersByAddress } from '../cluster/ports.js';"].join('\n'),
  );
  await put('src/monitor/notices.ts', "import type { ClusterEvent } from '../cluster/ports.js';\n");
  await put('src/daemon.ts', "import { Cluster } from './cluster/cluster.js';\n");
  const violations = checkImports(await importGraph(root));
  assert.deepEqual(violations.map(key), ['parts-see-ports: src/dhcp/server.ts -> src/cluster/cluster.ts']);
  assert.match(formatViolation(violations[0]!), /^src\/dhcp\/server\.ts imports src\/cluster\/cluster\.ts: parts reach the cluster through the narrow ports of src\/cluster\/ports\.ts/);
});

test('import rules: a violating file on disk is found, whatever the import form', async (t) => {
  const { root, put } = await sourceTree(t);
  await put(
    'src/cluster/bad.ts',
    [
      "import {",
      "  a,",
      "  b,",
      "} from '../dhcp/server.js';",
      "import type { C } from '../config/schema.js';",
      "export { d } from '../store/state-store.js';",
      "const m = await import('../lab/lab.js');",
      "import { ok } from './types.js';",
      "import { readFile } from 'node:fs/promises';",
      "import { z } from 'zod';",
    ].join('\n'),
  );
  await put('src/cluster/types.ts', 'export const ok = 1;\n');
  const violations = checkImports(await importGraph(root));
  assert.deepEqual(violations.map(key).sort(), [
    'cluster-is-the-core: src/cluster/bad.ts -> src/config/schema.ts',
    'cluster-is-the-core: src/cluster/bad.ts -> src/dhcp/server.ts',
    'cluster-is-the-core: src/cluster/bad.ts -> src/store/state-store.ts',
    'config-read-at-the-root: src/cluster/bad.ts -> src/config/schema.ts',
    'lab-out-of-production: src/cluster/bad.ts -> src/lab/lab.ts',
  ]);
  assert.match(formatViolation(violations[0]!), /^src\/cluster\/bad\.ts imports src\/dhcp\/server\.ts: src\/cluster is the domain/);
});

test('import rules: specifiers resolve to repository files; packages and built-ins are not files', () => {
  assert.equal(resolveSpecifier('src/dhcp/part.ts', '../config/schema.js'), 'src/config/schema.ts');
  assert.equal(resolveSpecifier('src/cli/commands/lab.ts', '../../lab/run-lab.js'), 'src/lab/run-lab.ts');
  assert.equal(resolveSpecifier('src/tftp/pool.ts', './worker-boot.mjs'), 'src/tftp/worker-boot.mjs');
  assert.equal(resolveSpecifier('src/a.ts', 'node:fs'), null);
  assert.equal(resolveSpecifier('src/a.ts', 'zod'), null);
});

test('import rules: src/ keeps them', async () => {
  const graph = await importGraph(repo);
  assert.ok(graph.size > 100 && graph.has('src/daemon.ts'), `read ${graph.size} files of src/`);
  assert.deepEqual(checkImports(graph).map((v) => formatViolation(v)), []);
});
