// Compiles src/ to dist/ (same folder layout, so paths relative to a module,
// like ../../mibs, hold in both) and writes the worker threads' entries, which
// in src/ load TypeScript through tsx and in dist/ the compiled worker.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', `${root}/tsconfig.build.json`], { stdio: 'inherit' });
const workers = [
  ['tftp/worker-boot.mjs', './transfer-worker.js', 'a TFTP transfer worker thread'],
  ['lab/sim-worker-boot.mjs', './sim-switch-worker.js', "the simulated switch's worker thread"],
];
for (const [entry, module, what] of workers) {
  writeFileSync(`${root}/dist/${entry}`, `// Entry of ${what} (compiled package).\nawait import('${module}');\n`);
}
