/**
 * Raspberry Pi 5 in the loopback lab: its EEPROM bootloader fetches
 * config.txt first (its probe under the serial folder decides the prefix),
 * then the Pi 5 device tree, the overlay map, cmdline.txt and kernel_2712.img
 * with its initramfs; never bootcode.bin, start*.elf or fixup*.dat. A mixed
 * rack (3,4,5) boots every Pi.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Lab } from '../../src/lab/lab.js';
import { until } from '../../src/lab/run-lab.js';
import { silentLogger } from '../../src/log.js';
import { parseModels, labIdentity } from '../../src/lab/pi-profile.js';
import { buildDiscover } from '../../src/lab/pi-dhcp.js';
import { Opt } from '../../src/dhcp/options.js';

const log = silentLogger();
const labs: Lab[] = [];
after(async () => {
  for (const l of labs) await l.stop();
});

const PI5_SEQUENCE = ['config.txt', 'bcm2712-rpi-5-b.dtb', 'overlays/overlay_map.dtb', 'cmdline.txt', 'kernel_2712.img', 'initramfs_2712'];

test('Pi 5: config.txt decides the prefix, then the 2712 device tree and kernel; no bootcode.bin, start4.elf or fixup', async () => {
  const lab = await Lab.start({ pis: 2, model: 5, log, switchLog: log });
  labs.push(lab);
  await lab.powerOnAll();
  await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up'), 60_000, 'all up');
  const [p1, p2] = lab.pis as [(typeof lab.pis)[0], (typeof lab.pis)[0]];
  // Pi 1 has its own serial folder in the lab's boot folder: everything comes from there.
  assert.equal(p1.status().files[0], `${p1.identity.serial}/config.txt`);
  assert.deepEqual(p1.status().files.map((f) => f.replace(`${p1.identity.serial}/`, '')).sort(), [...PI5_SEQUENCE].sort());
  assert.ok(p1.status().files.every((f) => f.startsWith(`${p1.identity.serial}/`)));
  // Pi 2 has none: piman answers its serial-folder requests from the root (README "TFTP"), so it asks the same way.
  assert.deepEqual(p2.status().files.map((f) => f.replace(`${p2.identity.serial}/`, '')).sort(), [...PI5_SEQUENCE].sort());
  for (const p of lab.pis) assert.ok(!p.status().files.some((f) => /bootcode|start4?\.elf|fixup/.test(f)), 'the Pi 5 firmware is in its EEPROM');
  // The server saw the Pi's last file, as for other models.
  assert.match(lab.daemon.ctx.cluster.port({ switchIndex: 1, port: 2 })!.lastFile, /kernel_2712\.img|initramfs_2712|cmdline\.txt|overlay_map|bcm2712/);
});

test('Pi 5 DHCP: PXE options with its own option 97 GUID (RPi5 + serial); MAC with a Pi 5 OUI', () => {
  const id = labIdentity(5, 3);
  assert.match(id.mac, /^2c:cf:67:/);
  const d = buildDiscover(id, 1, 0);
  const guid = d.options.get(Opt.clientUuid)!;
  assert.equal(guid.length, 17);
  assert.equal(guid[0], 0);
  assert.equal(guid.subarray(1, 5).toString('latin1'), 'RPi5');
  assert.equal(guid.subarray(5, 13).toString('latin1'), id.serial);
});

test('--model lists: 3,4,5 in turn; anything else refused', () => {
  assert.deepEqual(parseModels('3,4,5'), [3, 4, 5]);
  assert.deepEqual(parseModels('5'), [5]);
  assert.equal(parseModels('6'), null);
  assert.equal(parseModels('4,,5'), null);
});

test('a mixed rack (3,4,5): every Pi boots and installs', async () => {
  const lab = await Lab.start({ pis: 6, model: [3, 4, 5], log, switchLog: log });
  labs.push(lab);
  await lab.powerOnAll();
  await until(lab, () => lab.daemon.ctx.cluster.ports().every((p) => p.state === 'up'), 90_000, 'all up');
  assert.deepEqual(lab.pis.map((p) => p.identity.model), [3, 4, 5, 3, 4, 5]);
  assert.ok(lab.pis.every((p) => p.disk !== null));
  assert.ok(lab.pis[0]!.status().files.includes('bootcode.bin'));
  assert.ok(lab.pis[1]!.status().files.some((f) => f.endsWith('start4.elf')));
  assert.ok(lab.pis[2]!.status().files.some((f) => f.endsWith('kernel_2712.img')));
});
