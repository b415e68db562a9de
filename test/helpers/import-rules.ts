/**
 * The dependency rules of docs/architecture.md, checked over the import
 * graph of src/ (every static, type-only, re-export and literal dynamic
 * import, read with the TypeScript compiler's own pre-processor).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join, posix, relative, sep } from 'node:path';
import ts from 'typescript';

/** Repository-relative path (posix) -> the repository-relative files it imports. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

export interface Rule {
  readonly name: string;
  /** Why, printed with each violation. */
  readonly why: string;
  readonly from: (file: string) => boolean;
  readonly to: (file: string) => boolean;
}

export interface Violation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
}

export const PROTOCOLS = ['dhcp', 'tftp', 'control', 'snmp', 'agent', 'switch', 'monitor', 'metrics'] as const;

const under = (...dirs: string[]) => (f: string) => dirs.some((d) => f.startsWith(`src/${d}/`));
const isProtocol = under(...PROTOCOLS);

/** Composition: the only code that reads piman.yaml and hosts.csv (src/lab writes a piman.yaml and starts the daemon like `piman server`). */
const readsConfig = (f: string) => f === 'src/daemon.ts' || f === 'src/parts.ts' || under('config', 'cli', 'lab')(f);
/** Who may hold the whole Cluster: the cluster folder, the composition, the CLI (its mapper run) and the lab. */
const holdsCluster = (f: string) => f === 'src/daemon.ts' || f === 'src/parts.ts' || under('cluster', 'cli', 'lab')(f);
/** The CLI's `lab` commands are the only production code that starts the lab. */
const mayUseLab = (f: string) => under('lab')(f) || /^src\/cli\/commands\/lab[^/]*\.ts$/.test(f);

export const RULES: readonly Rule[] = [
  {
    name: 'cluster-is-the-core',
    why: 'src/cluster is the domain: it imports no protocol, no config and no store implementation (it owns the persistence interface it needs)',
    from: under('cluster'),
    to: (f) => isProtocol(f) || under('config', 'store')(f),
  },
  {
    name: 'protocols-without-config-schema',
    why: 'protocol code gets its own small options type; src/parts.ts maps piman.yaml onto it',
    from: isProtocol,
    to: (f) => f === 'src/config/schema.ts',
  },
  {
    name: 'config-read-at-the-root',
    why: 'only src/daemon.ts, src/parts.ts and the CLI (and the lab, which composes piman like the CLI) read configuration',
    from: (f) => f.startsWith('src/') && !readsConfig(f),
    to: under('config'),
  },
  {
    name: 'composition-on-top',
    why: 'parts know src/part.ts (what a part is and may use), not the daemon or the list of parts that compose them',
    from: (f) => f.startsWith('src/') && f !== 'src/parts.ts' && !under('cli', 'lab')(f),
    to: (f) => f === 'src/daemon.ts' || f === 'src/parts.ts',
  },
  {
    name: 'parts-see-ports',
    why: 'parts reach the cluster through the narrow ports of src/cluster/ports.ts they declare, never the whole Cluster class (only the composition, the CLI and the lab hold it)',
    from: (f) => f.startsWith('src/') && !holdsCluster(f),
    to: (f) => f === 'src/cluster/cluster.ts',
  },
  {
    name: 'lab-out-of-production',
    why: 'the virtual lab is a test and demo harness: production code never imports it, only the CLI `lab` commands',
    from: (f) => f.startsWith('src/') && !mayUseLab(f),
    to: under('lab'),
  },
];

export function checkImports(graph: ImportGraph, rules: readonly Rule[] = RULES): Violation[] {
  const out: Violation[] = [];
  for (const [from, targets] of graph) {
    for (const to of targets) {
      for (const r of rules) if (r.from(from) && r.to(to)) out.push({ rule: r.name, from, to });
    }
  }
  return out;
}

export function formatViolation(v: Violation, rules: readonly Rule[] = RULES): string {
  return `${v.from} imports ${v.to}: ${rules.find((r) => r.name === v.rule)?.why ?? v.rule}`;
}

/** The relative specifiers of one module's source, as written ('../x.js'). */
export function importSpecifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** '../config/schema.js' imported by src/dhcp/part.ts -> src/config/schema.ts; null for packages and node: built-ins. */
export function resolveSpecifier(from: string, spec: string): string | null {
  if (!spec.startsWith('./') && !spec.startsWith('../')) return null;
  const target = posix.normalize(posix.join(posix.dirname(from), spec));
  return target.endsWith('.js') ? `${target.slice(0, -3)}.ts` : target;
}

/** Every .ts/.mjs file below `dir` of the repository at `root`, with what it imports. */
export async function importGraph(root: string, dir = 'src'): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const entries = await readdir(join(root, dir), { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || !/\.(ts|mjs)$/.test(e.name) || e.name.endsWith('.d.ts')) continue;
    const file = relative(root, join(e.parentPath, e.name)).split(sep).join('/');
    const text = await readFile(join(root, file), 'utf8');
    graph.set(
      file,
      importSpecifiers(text)
        .map((s) => resolveSpecifier(file, s))
        .filter((t): t is string => t !== null),
    );
  }
  return graph;
}
