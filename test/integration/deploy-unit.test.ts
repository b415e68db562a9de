/**
 * deploy/piman.service: `systemd-analyze verify` passes and
 * `systemd-analyze security --offline=true` scores 2.0 or better; piman
 * tells systemd it is ready (Type=notify) only once every part listens, and
 * says STOPPING=1 on SIGTERM.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JsonLines } from '../helpers/json-lines.js';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.js';

const UNIT = new URL('../../deploy/piman.service', import.meta.url).pathname;
const PIMAN = new URL('../../bin/piman.js', import.meta.url).pathname;

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Missing tools skip the test locally; under CI=true (scripts/install-deps.sh installs them) they fail it. */
function need(t: { skip: (m: string) => void }, cmds: string[]): boolean {
  const missing = cmds.filter((c) => !has(c));
  if (missing.length === 0) return true;
  const msg = `needs ${missing.join(', ')} (scripts/install-deps.sh installs them)`;
  if (process.env.CI === 'true') assert.fail(msg);
  t.skip(msg);
  return false;
}

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) =>
    execFile(cmd, args, { timeout: 60_000 }, (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, out: stdout + stderr })),
  );
}

test('systemd-analyze verify passes', async (t) => {
  if (!need(t, ['systemd-analyze'])) return;
  const r = await run('systemd-analyze', ['verify', UNIT]);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.out.trim(), '', 'no warning either');
});

test('systemd-analyze security --offline=true scores 2.0 or better', async (t) => {
  if (!need(t, ['systemd-analyze'])) return;
  const r = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT]);
  const m = /Overall exposure level for piman\.service: (\d+\.\d+)/.exec(r.out);
  assert.ok(m, r.out);
  assert.ok(Number(m[1]) <= 2.0, `score ${m[1]}`);
});

test('the unit runs unprivileged with only CAP_NET_BIND_SERVICE, restarts always and checks the config first', async () => {
  const text = await readFile(UNIT, 'utf8');
  const keys = (k: string): string[] => [...text.matchAll(new RegExp(`^${k}=(.*)$`, 'gm'))].map((m) => m[1]!);
  assert.deepEqual(keys('User'), ['piman']);
  assert.deepEqual(keys('CapabilityBoundingSet'), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(keys('AmbientCapabilities'), ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(keys('Restart'), ['always']);
  assert.deepEqual(keys('Type'), ['notify']);
  assert.deepEqual(keys('StateDirectory'), ['piman']);
  assert.deepEqual(keys('ConfigurationDirectory'), ['piman']);
  assert.match(keys('ExecStartPre')[0]!, /piman config check --ports -c \/etc\/piman\/piman\.yaml$/);
  assert.match(keys('ExecReload')[0]!, /kill -HUP \$MAINPID$/);
});

test('READY=1 reaches the notify socket once every part listens; STOPPING=1 on SIGTERM', (t) => notifyRun(t, false));

test('SIGTERM while systemd-notify still waits for its barrier: stopped cleanly, not killed', (t) => notifyRun(t, true));

async function notifyRun(t: TestContext, termAtReady: boolean): Promise<void> {
  if (!need(t, ['systemd-notify', 'python3'])) return;
  const work = await mkdtemp(join(tmpdir(), 'piman-notify-'));
  const sock = join(work, 'notify.sock');
  // A stand-in for systemd's notify socket: prints every datagram, closes the barrier fds systemd-notify waits on.
  const receiver = spawn(
    'python3',
    [
      '-u',
      '-c',
      [
        'import socket, sys, os, array, time',
        's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1]); print("listening")',
        'while True:',
        '  data, anc, _f, _a = s.recvmsg(4096, 1024)',
        '  for lvl, typ, d in anc:',
        '    if typ == socket.SCM_RIGHTS:',
        '      fds = array.array("i"); fds.frombytes(d[: len(d) - len(d) % 4]); time.sleep(float(sys.argv[2])); [os.close(fd) for fd in fds]',
        '  print(data.decode().replace("\\n", " "))',
      ].join('\n'),
      sock,
      // A busy manager: the barrier (systemd-notify's wait) is released this many seconds late.
      termAtReady ? '2' : '0',
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const control = await freeTcpPort();
  const msgs: Array<{ text: string; at: number }> = [];
  let buf = '';
  receiver.stdout!.on('data', (d: Buffer) => {
    buf += d.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) msgs.push({ text: l, at: Date.now() });
  });
  let server: ReturnType<typeof spawn> | null = null;
  t.after(async () => {
    server?.kill('SIGKILL');
    receiver.kill('SIGKILL');
    await rm(work, { recursive: true, force: true });
  });
  const until = async (what: string, cond: () => boolean, ms = 30_000): Promise<void> => {
    const end = Date.now() + ms;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(msgs)}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await until('the receiver', () => msgs.some((m) => m.text === 'listening'));
  await writeFile(join(work, 'rootfs.tgz'), Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]));
  await writeFile(
    join(work, 'piman.yaml'),
    [
      'server: { address: 127.0.0.1 }',
      'dhcp: { enabled: false }',
      'tftp: { enabled: false }',
      `agent: { address: 127.0.0.1, port: ${await freeUdpPort()}, switchPollSeconds: 0 }`,
      `control: { address: 127.0.0.1, port: ${control} }`,
      'install: { address: 127.0.0.1, port: 0 }',
      'switches: [{ name: sw1, address: 127.0.0.1, port: 9, ports: 2 }]',
      '',
    ].join('\n'),
  );
  server = spawn(process.execPath, [PIMAN, '-c', join(work, 'piman.yaml'), 'server'], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, NOTIFY_SOCKET: sock },
  });
  const out = new JsonLines(server.stdout!);
  await until('READY=1', () => msgs.some((m) => m.text.startsWith('READY=1')));
  if (termAtReady) {
    // READY=1 is read before the barrier: piman is still awaiting systemd-notify.
    server.kill('SIGTERM');
    await new Promise((r) => (server!.exitCode !== null || server!.signalCode !== null ? r(null) : server!.once('exit', r)));
    assert.equal(server.signalCode, null, 'not killed by the signal');
    assert.equal(server.exitCode, 0);
    return;
  }
  // Ready means listening: the control channel accepts at once.
  await new Promise<void>((resolve, reject) => {
    const c = connect(control, '127.0.0.1', () => (c.destroy(), resolve()));
    c.once('error', reject);
  });
  await out.waitFor((j) => j.msg === 'piman server running', 'the running line', 10_000);
  server.kill('SIGTERM');
  await until('STOPPING=1', () => msgs.some((m) => m.text === 'STOPPING=1'), 10_000);
  await new Promise((r) => (server!.exitCode !== null ? r(null) : server!.once('exit', r)));
  assert.equal(server.exitCode, 0);
}
