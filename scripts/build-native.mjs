// Builds native/udp-batch.c into native/build/udp-batch.node with the C
// compiler and Node's own headers (N-API, libuv), when both are there and
// the source is newer. It never fails an install: without them piman uses
// node:dgram for its TFTP transfers (README, "Where the TFTP storm's CPU
// goes"), and this prints one line saying why.
//   node scripts/build-native.mjs [--require]   (--require: exit 1 when it cannot build)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const source = join(root, 'native', 'udp-batch.c');
const target = join(root, 'native', 'build', 'udp-batch.node');
const required = process.argv.includes('--require');

function fail(why) {
  const line = `piman: TFTP transfers will use node:dgram, not the native datagram path: ${why}`;
  if (required) {
    console.error(line);
    process.exit(1);
  }
  console.log(line);
  process.exit(0);
}

if (process.platform !== 'linux') fail(`it is built for Linux only (this is ${process.platform})`);
if (!existsSync(source)) fail(`${source} is missing`);
if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) process.exit(0);

// Node's headers: next to the binary (official and NodeSource builds), or where Debian puts them.
const headerDirs = [resolve(dirname(process.execPath), '..', 'include', 'node'), '/usr/include/node', '/usr/local/include/node'];
const headers = headerDirs.find((d) => existsSync(join(d, 'node_api.h')) && existsSync(join(d, 'uv.h')));
if (!headers) fail(`Node's C headers (node_api.h, uv.h) are in none of ${headerDirs.join(', ')}`);
const cc = process.env.CC ?? 'cc';
mkdirSync(dirname(target), { recursive: true });
const partial = `${target}.${process.pid}.tmp`;
try {
  execFileSync(cc, ['-O2', '-Wall', '-Wextra', '-shared', '-fPIC', `-I${headers}`, '-o', partial, source], { stdio: ['ignore', 'ignore', 'pipe'] });
} catch (e) {
  const err = /** @type {{ code?: string, stderr?: Buffer }} */ (e);
  fail(err.code === 'ENOENT' ? `no C compiler (${cc}; Debian: apt-get install gcc libc6-dev)` : `${cc} failed: ${String(err.stderr ?? e).trim().split('\n')[0]}`);
}
renameSync(partial, target);
console.log(`piman: built ${target}`);
