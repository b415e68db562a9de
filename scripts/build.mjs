// Compiles src/ to dist/ (same folder layout, so paths relative to a module,
// like ../../mibs, hold in both) and writes the TFTP worker entry, which in
// src/ loads TypeScript through tsx and in dist/ the compiled worker.
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(`${root}/dist`, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', `${root}/tsconfig.build.json`], { stdio: 'inherit' });
writeFileSync(`${root}/dist/tftp/worker-boot.mjs`, "// Entry of a TFTP transfer worker thread (compiled package).\nawait import('./transfer-worker.js');\n");
