import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile, rm, mkdir, copyFile } from 'node:fs/promises';
import { makeRootfs } from '../helpers/rootfs-fixture.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = new URL('../../bin/piman.js', import.meta.url).pathname;
const example = new URL('../../examples/piman.yaml', import.meta.url).pathname;

function piman(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { cwd, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

test('--help lists the old tool commands', async () => {
  const r = await piman(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['server', 'restart', 'reinstall', 'mapper', 'monitoring', 'status']) assert.match(r.stdout, new RegExp(`\\n  ${c}\\b`));
});

test('config check: the example is ok beside a boot folder, a rootfs and its hosts.csv (without its interface, which this machine lacks)', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'boot'));
  await makeRootfs(dir, { bigBytes: 1024 });
  await copyFile(new URL('../../examples/hosts.csv', import.meta.url).pathname, join(dir, 'hosts.csv'));
  const text = await readFile(example, 'utf8');
  assert.match(text, /^  interface: eth1 /m);
  const local = text
    .replace(/^  interface: eth1 .*\n/m, '')
    .replace('/srv/piman/boot', join(dir, 'boot'))
    .replace('/srv/piman/rootfs.tgz', join(dir, 'rootfs.tgz'))
    .replace('/var/lib/piman', join(dir, 'state'));
  await writeFile(join(dir, 'piman.yaml'), local);
  const r = await piman(['config', 'check', '-c', join(dir, 'piman.yaml')]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'ok (1 switch, 2 hosts)\n');
});

test('config check: a bad value and an unknown key each exit 1 naming the key, without a stack', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const text = await readFile(example, 'utf8');
  await writeFile(join(dir, 'bad.yaml'), text.replace('  port: 69', '  port: "x"'));
  const bad = await piman(['config', 'check', '-c', join(dir, 'bad.yaml')]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /bad\.yaml: tftp\.port: must be a port number/);
  assert.doesNotMatch(bad.stderr, /\n\s+at /, 'no stack trace');
  await writeFile(join(dir, 'unknown.yaml'), text + 'colour: blue\n');
  const unknown = await piman(['-c', join(dir, 'unknown.yaml'), 'config', 'check']);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /unknown\.yaml: colour: unknown key/);
});

test('config check reports hosts.csv problems with the line', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'piman.yaml'), 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\n');
  await writeFile(join(dir, 'hosts.csv'), 'b827eb000001;10.0.0.1;a;\nzz;10.0.0.2;b;\n');
  const r = await piman(['config', 'check'], dir);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /hosts\.csv: line 2: 'zz' is not a MAC address/);
});

test('a missing argument prints the usage and exits 2', async () => {
  const r = await piman(['restart']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /missing required argument 'port'/);
  assert.match(r.stderr, /Usage: piman restart/);
});

test('an unknown command exits 2', async () => {
  const r = await piman(['frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command 'frobnicate'/);
});

test('piman server --help shows every option that applies, the environment and the signals', async () => {
  const r = await piman(['server', '--help']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /-c, --config <file>/);
  assert.match(r.stdout, /PIMAN_LOG_LEVEL/);
  assert.match(r.stdout, /SIGHUP/);
  assert.match(r.stdout, /SIGTERM/);
});

test('piman completion zsh: a zsh function that completes commands, subcommands and file options; an unknown shell is refused', async (t) => {
  const r = await piman(['completion', 'zsh']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^#compdef piman/);
  const dir = await mkdtemp(join(tmpdir(), 'piman-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, '_piman'), r.stdout);
  // compadd and _files exist only inside zsh's completion system: stand-ins print what would be offered.
  const complete = (line: string): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(
        'zsh',
        ['-fc', `zsh -n "$1" && compdef() { :; } && compadd() { shift; print -r -- "$*"; } && _files() { print FILES; } && source "$1" && words=(\${=2}) && CURRENT=\${#words} && _piman`, 'x', join(dir, '_piman'), line],
        (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout.trim())),
      ),
    );
  assert.match(await complete('piman x'), /(^| )reinstall( |$)/);
  assert.match(await complete('piman config x'), /(^| )check( |$)/);
  assert.match(await complete('piman -c x'), /^FILES$/);
  const bad = await piman(['completion', 'toString']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /no completion for 'toString' \(bash or zsh\)/);
});

test('piman completion bash: a completion script that knows every command and option, and passes bash -n', async (t) => {
  const r = await piman(['completion', 'bash']);
  assert.equal(r.code, 0, r.stderr);
  for (const w of ['server', 'reinstall', 'config', 'check', '--json', '--config', 'complete -F']) assert.ok(r.stdout.includes(w), w);
  const dir = await mkdtemp(join(tmpdir(), 'piman-cli-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'piman.bash'), r.stdout);
  const words = await new Promise<string>((resolve, reject) =>
    execFile(
      'bash',
      ['-c', `bash -n "$1" && source "$1" && COMP_WORDS=(piman config ch); COMP_CWORD=2; _piman; echo "\${COMPREPLY[*]}"`, 'x', join(dir, 'piman.bash')],
      (err, stdout, stderr) => (err ? reject(new Error(stderr)) : resolve(stdout.trim())),
    ),
  );
  assert.equal(words, 'check');
});
