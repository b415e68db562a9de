/** Named images (issue 15): config, hosts.csv column, the catalog's choice, SETs, state across restarts, the control decision. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { parseConfigText } from '../../src/config/load.js';
import { ConfigError } from '../../src/errors.js';
import { parseHostsText } from '../../src/config/hosts.js';
import { ImageCatalog } from '../../src/images/catalog.js';
import { planSet, INTEGER_TYPE, OCTET_STRING_TYPE, type SetContext, type SetTarget } from '../../src/agent/set-plan.js';
import { PORT_COL } from '../../src/agent/oids.js';
import { initialPortState, type PortKey, type PortView } from '../../src/cluster/types.js';
import { Cluster } from '../../src/cluster/cluster.js';
import { MemoryStateStore } from '../../src/store/state-store.js';
import { openConversation, receiveLine } from '../../src/control/conversation.js';
import { silentLogger } from '../../src/log.js';
import { dateAndTime, imageValue } from '../../src/agent/values.js';
import { IMAGE_COL } from '../../src/agent/oids.js';

const head = 'server: { address: 10.0.0.1 }\nswitches: [{ name: sw1, address: 10.0.0.2, ports: 8 }]\n';
const cfg = (install: string) => parseConfigText(`${head}install:\n${install}`, '/srv/piman/piman.yaml');

test('install.rootfs alone is one image named default; install.images with defaultImage; paths resolve against the file', () => {
  const one = parseConfigText(head, '/srv/piman/piman.yaml');
  assert.deepEqual(one.install.images, { default: '/srv/piman/rootfs.tgz' });
  assert.equal(one.install.defaultImage, 'default');
  assert.equal(one.install.rootfs, '/srv/piman/rootfs.tgz');
  const two = cfg('  images: { course: course.tgz, research: /data/research.tgz }\n  defaultImage: research\n');
  assert.deepEqual(two.install.images, { course: '/srv/piman/course.tgz', research: '/data/research.tgz' });
  assert.equal(two.install.rootfs, '/data/research.tgz');
  // One image needs no defaultImage.
  assert.equal(cfg('  images: { only: o.tgz }\n').install.defaultImage, 'only');
});

test('image config errors name the key and what to do', () => {
  const problem = (install: string): string => {
    try {
      cfg(install);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      return e.message;
    }
    return assert.fail('accepted');
  };
  assert.match(problem('  images: { a: a.tgz, b: b.tgz }\n'), /install\.defaultImage: required when install\.images lists more than one image \(one of a, b\)/);
  assert.match(problem('  images: { a: a.tgz }\n  defaultImage: b\n'), /install\.defaultImage: 'b' is not in install\.images \(a\)/);
  assert.match(problem('  rootfs: r.tgz\n  images: { a: a.tgz }\n'), /install\.rootfs: give either install\.rootfs .* or install\.images/);
  assert.match(problem('  defaultImage: a\n'), /install\.defaultImage: needs install\.images/);
  assert.match(problem('  images: { "bad name": a.tgz }\n'), /install\.images.*image names are 1-32 letters/);
  assert.match(problem('  images: {}\n'), /install\.images: list at least one image/);
});

const SW = [{ index: 1, name: 'sw1', address: '10.0.0.2', ports: 8 }];

test('hosts.csv image column: optional, checked against install.images; any other sixth column is refused', () => {
  const text = 'switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,10.0.0.11,pi1,research\nsw1,2,b8:27:eb:00:00:02,10.0.0.12,pi2\n';
  const hosts = parseHostsText(text, 'hosts.csv', SW, undefined, ['course', 'research']);
  assert.equal(hosts[0]!.image, 'research');
  assert.equal(hosts[1]!.image, undefined);
  assert.throws(() => parseHostsText(text, 'hosts.csv', SW, undefined, ['course']), /line 2: image 'research' is not in install\.images of piman\.yaml \(course\)/);
  assert.throws(() => parseHostsText('switch,port,mac,ip,hostname,os\n', 'hosts.csv', SW), /header must be .* or '.*,image'/);
  assert.throws(() => parseHostsText('switch,port,mac,ip,hostname,image\nsw1,1,b8:27:eb:00:00:01,10.0.0.11,pi1,a b\n', 'hosts.csv', SW), /'a b' is not an image name/);
});

test('catalog: pimanPortImage, then hosts.csv, then the default; a missing file is reported once and only its Pis are held', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'piman-cat-'));
  try {
    const gz = gzipSync(Buffer.from('x'.repeat(2000)));
    await writeFile(join(dir, 'a.tgz'), gz);
    const log = silentLogger();
    log.level = 'info';
    const errors: unknown[] = [];
    const orig = log.error.bind(log);
    log.error = ((o: unknown, m?: string) => (errors.push(m ?? o), orig(o as object, m))) as typeof log.error;
    const cat = new ImageCatalog({ a: join(dir, 'a.tgz'), b: join(dir, 'b.tgz') }, 'a', log);
    await cat.refresh();
    await cat.refresh();
    assert.equal(cat.info('a')!.sha256, createHash('sha256').update(gz).digest('hex'));
    assert.equal(cat.info('a')!.problem, null);
    assert.match(cat.info('b')!.problem!, /no such file/);
    assert.equal(errors.length, 1, 'reported once, not at every refresh');
    assert.equal(cat.imageFor({ image: '' }), 'a');
    assert.equal(cat.imageFor({ image: '', hostImage: 'b' }), 'b');
    assert.equal(cat.imageFor({ image: 'a', hostImage: 'b' }), 'a');
    assert.equal(cat.problemFor({ image: '' }), null);
    assert.match(cat.problemFor({ image: '', hostImage: 'b' })!, /image 'b' cannot be installed/);
    await writeFile(join(dir, 'b.tgz'), gz);
    await cat.refresh();
    assert.equal(cat.problemFor({ image: 'b' }), null);
    await unlink(join(dir, 'a.tgz'));
    await cat.refresh();
    assert.equal(errors.length, 2);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

function view(key: PortKey): PortView {
  return { ...key, switchName: 'sw1', mac: null, ip: null, hostname: null, ...initialPortState(0), state: 'up' };
}
const ctx: SetContext = {
  canPower: () => true,
  port: (k) => (k.port <= 8 ? view(k) : undefined),
  isBusy: () => false,
  imageProblem: (n) => (n === 'a' || n === 'b' ? null : n === 'broken' ? "image 'broken' cannot be installed: no such file" : 'unknown'),
};
const img = (port: number, value: unknown, type: number = OCTET_STRING_TYPE): SetTarget => ({ kind: 'port', column: PORT_COL.pimanPortImage, key: { switchIndex: 1, port }, type, value });
const reinstall = (port: number): SetTarget => ({ kind: 'port', column: PORT_COL.pimanPortReinstall, key: { switchIndex: 1, port }, type: INTEGER_TYPE, value: 1 });

test('SET pimanPortImage: chosen before the reinstall of the same PDU; unknown inconsistentValue, bad syntax wrongValue, wrong type wrongType', () => {
  const k = { switchIndex: 1, port: 7 };
  assert.deepEqual(planSet([reinstall(7), img(7, Buffer.from('b'))], ctx), {
    ok: true,
    actions: [{ type: 'chooseImage', key: k, name: 'b' }, { type: 'markReinstall', key: k }, { type: 'cycle', key: k }],
  });
  assert.deepEqual(planSet([img(7, Buffer.from(''))], ctx), { ok: true, actions: [{ type: 'chooseImage', key: k, name: '' }] });
  const st = (r: ReturnType<typeof planSet>): string => (r.ok ? 'ok' : `${r.status}@${r.index}`);
  assert.equal(st(planSet([img(7, Buffer.from('nosuch')), reinstall(7)], ctx)), 'inconsistentValue@0');
  assert.equal(st(planSet([reinstall(7), img(7, Buffer.from('broken'))], ctx)), 'inconsistentValue@1');
  assert.equal(st(planSet([img(7, Buffer.from('a b'))], ctx)), 'wrongValue@0');
  assert.equal(st(planSet([img(7, Buffer.from('x'.repeat(33)))], ctx)), 'wrongValue@0');
  assert.equal(st(planSet([img(7, 1, INTEGER_TYPE)], ctx)), 'wrongType@0');
  assert.equal(st(planSet([img(7, Buffer.from('a')), img(7, Buffer.from('b'))], ctx)), 'inconsistentValue@1');
  assert.equal(st(planSet([{ kind: 'port', column: PORT_COL.pimanPortInstalledImage, key: k, type: OCTET_STRING_TYPE, value: Buffer.from('a') }], ctx)), 'notWritable@0');
});

test('the chosen image and the installed image survive a restart; an old state file has none', async () => {
  const store = new MemoryStateStore();
  const opts = { switches: SW, hosts: [], store, timeoutMs: 60_000 };
  const k = { switchIndex: 1, port: 3 };
  const c1 = await Cluster.open(opts);
  c1.apply(k, { type: 'chooseImage', name: 'research' });
  await c1.apply(k, { type: 'markReinstall' }).persisted;
  c1.apply(k, { type: 'decision', action: 'format' });
  c1.apply(k, { type: 'archiveSent', image: { name: 'research', digest: 'ab'.repeat(32) } });
  await c1.apply(k, { type: 'installReported' }).persisted;
  const c2 = await Cluster.open(opts);
  const p = c2.port(k)!;
  assert.equal(p.image, 'research');
  assert.equal(p.installedImage, 'research');
  assert.equal(p.installedDigest, 'ab'.repeat(32));
  const old = structuredClone(store.snapshot!) as unknown as { ports: Record<string, Record<string, unknown>> };
  for (const st of Object.values(old.ports)) for (const f of ['image', 'sentImage', 'sentDigest', 'installedImage', 'installedDigest']) delete st[f];
  const { parseSnapshot } = await import('../../src/store/state-store.js');
  const back = parseSnapshot(JSON.stringify(old), 'cluster.json');
  assert.equal(Object.values(back.ports)[0]!.image, '');
});

test('control: a Pi whose image cannot be installed is not told format (installed: boot, mark kept; uninstalled: failed)', () => {
  const conv = openConversation(new Date(0)).conv;
  const problem = "image 'b' cannot be installed: no such file";
  const installed = receiveLine(conv, 'IS_INSTALLED', { state: 'netbooting', reinstall: true, archiveSent: false, imageProblem: problem });
  assert.deepEqual(installed.send, ['boot', 'EOM']);
  assert.ok(!installed.events.some((e) => e.type === 'cancelReinstall'));
  const blank = receiveLine(conv, 'IS_UNINSTALLED', { state: 'netbooting', reinstall: false, archiveSent: false, imageProblem: problem });
  assert.deepEqual(blank.send, []);
  assert.equal(blank.close, true);
  assert.deepEqual(blank.events, [{ type: 'markReinstall' }, { type: 'fail', reason: problem }]);
});

test('pimanImageTable values: size in KiB rounded up, DateAndTime in UTC', () => {
  const r = { index: 1, name: 'a', size: 1025, sha256: 'ff', mtimeMs: Date.UTC(2026, 11, 7, 12, 30, 5, 250), problem: null, ports: 3 };
  assert.deepEqual(imageValue(IMAGE_COL.pimanImageSize, r), { kind: 'gauge', value: 2 });
  assert.deepEqual(dateAndTime(r.mtimeMs), Buffer.from([0x07, 0xea, 12, 7, 12, 30, 5, 2, 0x2b, 0, 0]));
  assert.deepEqual(imageValue(IMAGE_COL.pimanImagePorts, r), { kind: 'gauge', value: 3 });
});

test('reload (SIGHUP): install.images and defaultImage change live, without restartNeeded; the image table follows', async () => {
  const { Daemon } = await import('../../src/daemon.js');
  const dir = await mkdtemp(join(tmpdir(), 'piman-reload-'));
  try {
    const gz = gzipSync(Buffer.from('y'.repeat(100)));
    await writeFile(join(dir, 'a.tgz'), gz);
    await writeFile(join(dir, 'b.tgz'), gz);
    await writeFile(join(dir, 'hosts.csv'), 'switch,port,mac,ip,hostname\n');
    const text = (images: string, def: string) => `${head}state: ./state\ninstall:\n  images: { ${images} }\n  defaultImage: ${def}\n`;
    const config = parseConfigText(text('a: a.tgz', 'a'), join(dir, 'piman.yaml'));
    const log = silentLogger();
    const warned: unknown[] = [];
    log.warn = ((o: unknown) => void warned.push(o)) as typeof log.warn;
    const daemon = await Daemon.create({ config, log, store: new MemoryStateStore() }, []);
    const cat = daemon.ctx.images!;
    let changes = 0;
    cat.on(() => changes++);
    await daemon.reload(async () => parseConfigText(text('a: a.tgz, b: b.tgz', 'b'), join(dir, 'piman.yaml')));
    assert.deepEqual(cat.names(), ['a', 'b']);
    assert.equal(cat.defaultImage, 'b');
    assert.equal(cat.info('b')!.problem, null);
    assert.equal(changes, 1);
    assert.deepEqual(warned, [], 'no restartNeeded warning for images');
    await daemon.stop({ save: false });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
