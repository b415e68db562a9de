/**
 * The loopback lab end to end: piman (all parts, in process), the simulated
 * switch over SNMP and virtual Pis on 127.0.1.N. No privileges needed.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { Lab } from '../../src/lab/lab.js';
import { runLab, until, FIRST_RELEASE } from '../../src/lab/run-lab.js';
import { silentLogger } from '../../src/log.js';
import { probeHealth } from '../../src/monitor/probe.js';

const log = silentLogger();
const labs: Lab[] = [];
after(async () => {
  for (const l of labs) await l.stop();
});

async function bootLab(model: 3 | 4, pis: number): Promise<Lab> {
  const lab = await Lab.start({ pis, model, log, switchLog: log });
  labs.push(lab);
  await lab.powerOnAll();
  await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up'), 60_000, 'all up');
  return lab;
}

test('Pi 4 lab: every Pi boots, installs, is up; prefix folder, tsize-probed files and health endpoint', async () => {
  const lab = await bootLab(4, 4);
  const c = lab.daemon.ctx.cluster;
  assert.equal(c.getCounters().installsDone, 4);
  for (const [i, pi] of lab.pis.entries()) {
    const st = pi.status();
    assert.equal(st.phase, 'up');
    assert.equal(st.release, FIRST_RELEASE);
    assert.equal(st.lease?.ip, lab.hosts[i]!.ip);
    const files = st.files.map((f) => f.replace(/^[0-9a-f]{8}\//, ''));
    for (const f of ['start4.elf', 'fixup4.dat', 'cmdline.txt', 'kernel8.img', 'initramfs8']) assert.ok(files.includes(f), `${pi.identity.mac} fetched ${f}`);
    // The bootloader asks under its serial folder; piman serves the root's file when there is no such folder.
    assert.equal(st.files[0], `${pi.identity.serial}/start4.elf`);
  }
  const h = lab.hosts[1]!;
  const sample = await probeHealth(h.ip, lab.ports.health, 5000);
  // The monitor's own parser reads it, and the lab's numbers stay under the default thresholds.
  assert.ok(sample.cpuPercent >= 0 && sample.cpuPercent < 50);
  assert.ok(sample.pids > 0 && sample.pids < 100);
  assert.equal(typeof sample.temp, 'number');
});

test('power off mid-install stops the Pi at once; the next power-on installs again and keeps going to up', async () => {
  const lab = labs[0] ?? (await bootLab(4, 4));
  const key = { switchIndex: 1, port: 3 };
  const pi = lab.pis[2]!;
  const c = lab.daemon.ctx.cluster;
  c.apply(key, { type: 'markReinstall' });
  await lab.daemon.ctx.power.cycle([key]);
  await pi.waitFor('installing', 30_000);
  await lab.daemon.ctx.power.setPower(key, 'off');
  await pi.waitFor('off', 10_000);
  assert.equal(pi.powered, false);
  assert.equal(pi.health.listening, false);
  assert.equal(c.port(key)?.reinstall, true, 'an interrupted install keeps the mark');
  await lab.writeRootfs('second image');
  await lab.daemon.ctx.power.setPower(key, 'on');
  await until(lab, () => c.port(key)?.state === 'up' && pi.phase === 'up', 30_000, 'port 3 up again');
  assert.equal(pi.disk?.release, 'second image');
  assert.equal(c.port(key)?.reinstall, false);
});

test('Pi 3 lab: shared-xid boot ROMs all get their own address and come up', async () => {
  const lab = await bootLab(3, 3);
  for (const [i, pi] of lab.pis.entries()) {
    assert.equal(pi.status().lease?.ip, lab.hosts[i]!.ip);
    assert.ok(pi.status().files.includes('bootcode.bin'));
  }
});

test('piman lab --demo: reinstalls through SNMP, prints the inventory, returns 0', async () => {
  let text = '';
  const out = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  const code = await runLab({ pis: 5, model: 4, demo: true, verbose: false, keep: false, out });
  assert.equal(code, 0, text);
  assert.match(text, /snmpwalk -v2c -c public -M \S+ -m PIMAN-MIB:SNMPv2-MIB 127\.0\.0\.1:\d+ PIMAN-MIB::pimanPortTable/);
  assert.match(text, /Inventory/);
  assert.match(text, /Demo finished/);
  assert.match(text, /pi005 +dc:a6:32:4c:00:05 +127\.0\.1\.5 +up +piman-lab rootfs 2/);
});
