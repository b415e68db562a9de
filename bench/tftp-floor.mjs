/**
 * The floor of a TFTP server on node:dgram, for bench/tftp.ts (`--servers
 * node-floor`): what one socket per transfer costs in Node with no server
 * logic at all, to tell piman's own per-block work from the runtime's.
 *   node bench/tftp-floor.mjs ROOT PORT ADDRESS THREADS [native]
 * Not a server to use: no path checks, no options but blksize and tsize,
 * a fixed 1 s retransmission timer, no limits; every file is read whole
 * into memory at start and cut into packets once per thread. A RRQ gets
 * an OACK (blksize at most 1468, tsize) or DATA 1, then each ACK n gets
 * DATA n+1 from a ready buffer and refreshes the timer, as piman does.
 * THREADS > 0 hands transfers to that many worker threads round-robin.
 * `native` (`--servers native-floor`): the same over piman's native datagram
 * path (native/udp-batch.c) instead of node:dgram.
 */
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** A transfer to run: { file, blksize, oack: [name, value][], address, port } (client's). */

function loadFiles(root) {
  const files = new Map();
  const walk = (dir, prefix) => {
    for (const n of readdirSync(dir)) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p, `${prefix}${n}/`);
      else files.set(`${prefix}${n}`, readFileSync(p));
    }
  };
  walk(root, '');
  return files;
}

/** Ready DATA packets of a file, by `blksize:name`: built once per thread (piman's reader fills its per chunk). */
const ready = new Map();

function packetsOf(content, key, blksize) {
  const have = ready.get(key);
  if (have) return have;
  const total = Math.floor(content.length / blksize) + 1;
  const packets = [];
  for (let b = 1; b <= total; b++) {
    const payload = content.subarray((b - 1) * blksize, Math.min(content.length, b * blksize));
    const p = Buffer.allocUnsafe(4 + payload.length);
    p.writeUInt16BE(3, 0);
    p.writeUInt16BE(b & 0xffff, 2);
    payload.copy(p, 4);
    packets.push(p);
  }
  ready.set(key, packets);
  return packets;
}

/** Sends a file over a fresh socket connected to the client: lockstep, windowsize 1. */
function serve(files, bind, j) {
  const packets = packetsOf(files.get(j.file), `${j.blksize}:${j.file}`, j.blksize);
  const total = packets.length;
  const s = createSocket('udp4');
  // ICMP port unreachable once the client has gone (ECONNREFUSED on a connected socket): that transfer is over.
  s.on('error', () => s.close());
  let sent = 0;
  let tries = 0;
  // Retransmission on a timer, as any server must (resending on a repeated ACK would double packets).
  const timer = setTimeout(() => {
    if (++tries > 5) return s.close();
    if (sent === 0) sendOack();
    else s.send(packets[sent - 1]);
    timer.refresh();
  }, 1000);
  s.on('close', () => clearTimeout(timer));
  s.on('message', (msg) => {
    if (msg.length !== 4 || msg[1] !== 4) return s.close();
    const acked = (msg[2] << 8) | msg[3];
    if (acked !== (sent & 0xffff)) return;
    if (sent >= total) return s.close();
    tries = 0;
    timer.refresh();
    s.send(packets[sent++]);
  });
  const sendOack = () => s.send(Buffer.from([0, 6, ...j.oack.flatMap(([k, v]) => [...Buffer.from(`${k}\0${v}\0`, 'latin1')])]));
  s.bind({ address: bind, port: 0 }, () =>
    s.connect(j.port, j.address, () => {
      if (j.oack.length > 0) sendOack();
      else s.send(packets[sent++]);
    }),
  );
}

/** The addon of native/udp-batch.c (node scripts/build-native.mjs), loaded only for `native`. */
const loadNative = () => createRequire(import.meta.url)(join(dirname(fileURLToPath(import.meta.url)), '..', 'native', 'build', 'udp-batch.node'));
let native = null;
/** fd -> transfer; one poller per thread, results as (fd, length or -errno, first 4 bytes, spill offset) entries. */
const byFd = new Map();
const out = new Int32Array(4 * 128);
const spill = new Uint8Array(1500 * 128);
let poller = null;
function onBatch(count) {
  for (let i = 0; i < count; i++) {
    const t = byFd.get(out[4 * i]);
    if (t) t.onDatagram(out[4 * i + 1], out[4 * i + 2]);
  }
}

/** Sends a file over a fresh socket connected to the client: lockstep, windowsize 1, datagrams through the addon. */
function serveNative(files, bind, j) {
  native ??= loadNative();
  poller ??= native.poller(out, spill, onBatch);
  const packets = packetsOf(files.get(j.file), `${j.blksize}:${j.file}`, j.blksize);
  const total = packets.length;
  const fd = native.open(bind, j.address, j.port);
  if (fd < 0) return;
  let sent = 0;
  let tries = 0;
  const close = () => {
    clearTimeout(timer);
    byFd.delete(fd);
    native.unwatchAndClose(poller, fd);
  };
  const timer = setTimeout(() => {
    if (++tries > 5) return close();
    if (sent === 0) sendOack();
    else native.send(fd, packets[sent - 1]);
    timer.refresh();
  }, 1000);
  const sendOack = () => native.send(fd, Buffer.from([0, 6, ...j.oack.flatMap(([k, v]) => [...Buffer.from(`${k}\0${v}\0`, 'latin1')])]));
  byFd.set(fd, {
    onDatagram(len, head) {
      // ICMP port unreachable once the client has gone (ECONNREFUSED): that transfer is over.
      if (len !== 4 || head >>> 16 !== 4) return close();
      const acked = head & 0xffff;
      if (acked !== (sent & 0xffff)) return;
      if (sent >= total) return close();
      tries = 0;
      timer.refresh();
      native.send(fd, packets[sent++]);
    },
  });
  native.watch(poller, fd);
  if (j.oack.length > 0) sendOack();
  else native.send(fd, packets[sent++]);
}

if (isMainThread) {
  const [root, port = '0', address = '127.0.0.1', threads = '0', path = 'node'] = process.argv.slice(2);
  const run = path === 'native' ? serveNative : serve;
  if (!root) {
    console.error('usage: tftp-floor.mjs ROOT PORT ADDRESS THREADS [native]');
    process.exit(2);
  }
  const files = loadFiles(root);
  const workers = Array.from({ length: Number(threads) }, () => new Worker(new URL(import.meta.url), { workerData: { root, address, path } }));
  let next = 0;
  const server = createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    if (msg[1] !== 1) return;
    const strs = msg.subarray(2).toString('latin1').split('\0');
    const file = strs[0];
    const content = files.get(file);
    if (!content) return;
    let blksize = 512;
    const oack = [];
    for (let i = 2; i + 1 < strs.length; i += 2) {
      const k = strs[i].toLowerCase();
      if (k === 'blksize') {
        blksize = Math.min(1468, Number(strs[i + 1]));
        oack.push(['blksize', String(blksize)]);
      } else if (k === 'tsize') oack.push(['tsize', String(content.length)]);
    }
    const job = { file, blksize, oack, address: rinfo.address, port: rinfo.port };
    if (workers.length === 0) run(files, address, job);
    else workers[next++ % workers.length].postMessage(job);
  });
  server.bind({ address, port: Number(port) }, () => console.log(`listening ${server.address().port}`));
  const stop = () => void Promise.all(workers.map((w) => w.terminate())).then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else {
  const { root, address, path } = workerData;
  const files = loadFiles(root);
  const run = path === 'native' ? serveNative : serve;
  parentPort.on('message', (j) => run(files, address, j));
}
