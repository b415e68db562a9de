import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { openLink, type DatagramPath, type LinkEvents, type TransferLink } from '../../src/tftp/datagram-link.js';
import { chooseDatagramPath, nativeDatagrams } from '../../src/tftp/native-datagrams.js';
import { PimanError } from '../../src/errors.js';
import { skipOrFail } from '../helpers/require-env.js';
import { eventually } from '../helpers/eventually.js';

function recorder(): { events: LinkEvents; acks: number[]; datagrams: Buffer[]; failures: string[] } {
  const acks: number[] = [];
  const datagrams: Buffer[] = [];
  const failures: string[] = [];
  return { acks, datagrams, failures, events: { ack: (b) => acks.push(b), datagram: (m) => datagrams.push(m), failed: (m) => failures.push(m) } };
}

async function peer(): Promise<{ sock: Socket; got: { msg: Buffer; from: RemoteInfo }[] }> {
  const sock = createSocket('udp4');
  const got: { msg: Buffer; from: RemoteInfo }[] = [];
  sock.on('message', (msg, from) => got.push({ msg, from }));
  sock.bind(0, '127.0.0.1');
  await once(sock, 'listening');
  return { sock, got };
}

for (const path of ['node', 'native'] as DatagramPath[]) {
  const available = (t: { skip(m?: string): void }): boolean => {
    if (path === 'node') return true;
    const n = nativeDatagrams();
    if ('addon' in n) return true;
    skipOrFail(t, n.reason);
    return false;
  };

  test(`${path}: a link to an impossible peer (port 0) is refused with an error, not thrown out of a callback`, async (t) => {
    if (!available(t)) return;
    await assert.rejects(openLink(path, '127.0.0.1', '127.0.0.1', 0), /cannot open a transfer socket: /);
  });

  test(`${path}: a link sends from a fresh port on the given address, reports ACKs as block numbers and anything else as bytes`, async (t) => {
    if (!available(t)) return;
    const p = await peer();
    const r = recorder();
    let link: TransferLink | null = null;
    try {
      link = await openLink(path, '127.0.0.1', '127.0.0.1', p.sock.address().port);
      link.listen(r.events);
      link.send(Buffer.from([0, 3, 0, 1, 0xaa]));
      await eventually(() => p.got.length > 0, 'the first datagram', 2000);
      const first = p.got[0]!;
      assert.deepEqual([...first.msg], [0, 3, 0, 1, 0xaa]);
      assert.equal(first.from.address, '127.0.0.1');
      assert.ok(first.from.port > 0 && first.from.port !== p.sock.address().port);
      assert.equal(link.queued(), 0);
      const tid = first.from.port;
      p.sock.send(Buffer.from([0, 4, 0xff, 0xfe]), tid, '127.0.0.1');
      p.sock.send(Buffer.from([0, 4, 0, 1, 9]), tid, '127.0.0.1'); // 5 bytes: not a plain ACK
      const error = Buffer.concat([Buffer.from([0, 5, 0, 2]), Buffer.from('no thanks\0', 'latin1')]);
      p.sock.send(error, tid, '127.0.0.1');
      // Another TID: the connected socket never hears it.
      const other = await peer();
      other.sock.send(Buffer.from([0, 4, 0, 9]), tid, '127.0.0.1');
      await eventually(() => r.acks.length + r.datagrams.length >= 3, 'three datagrams', 2000);
      await new Promise((res) => setTimeout(res, 50));
      other.sock.close();
      assert.deepEqual(r.acks, [0xfffe]);
      assert.deepEqual(r.datagrams.map((d) => [...d]), [[0, 4, 0, 1, 9], [...error]]);
      assert.deepEqual(r.failures, []);
    } finally {
      link?.close();
      p.sock.close();
    }
  });

  test(`${path}: a datagram larger than any TFTP packet arrives as bytes (at least its first 1,500), never overruns`, async (t) => {
    if (!available(t)) return;
    const p = await peer();
    const r = recorder();
    const link = await openLink(path, '127.0.0.1', '127.0.0.1', p.sock.address().port);
    try {
      link.listen(r.events);
      link.send(Buffer.from([0, 3, 0, 1]));
      await eventually(() => p.got.length > 0, 'the first datagram', 2000);
      const tid = p.got[0]!.from.port;
      const big = Buffer.alloc(9000, 0x41);
      big.writeUInt16BE(5, 0);
      // 8: more would overflow the socket receive buffer (about 12 of these fit) and be dropped by the kernel
      for (let i = 0; i < 8; i++) p.sock.send(big, tid, '127.0.0.1');
      p.sock.send(Buffer.from([0, 4, 0, 2]), tid, '127.0.0.1');
      await eventually(() => r.acks.includes(2), 'the ACK after them', 2000);
      assert.equal(r.datagrams.length, 8);
      for (const d of r.datagrams) {
        assert.ok(d.length >= 1500 && d.length <= big.length, `length ${d.length}`);
        assert.ok(d.equals(big.subarray(0, d.length)));
      }
    } finally {
      link.close();
      p.sock.close();
    }
  });

  test(`${path}: a link whose client has gone reports the failure (ICMP port unreachable), and closes cleanly`, async (t) => {
    if (!available(t)) return;
    const p = await peer();
    const port = p.sock.address().port;
    p.sock.close();
    const r = recorder();
    const link = await openLink(path, '127.0.0.1', '127.0.0.1', port);
    try {
      link.listen(r.events);
      // One datagram: the ICMP error then waits on the socket for its next read.
      link.send(Buffer.from([0, 3, 0, 1]));
      await eventually(() => r.failures.length > 0, 'a failure', 2000);
      assert.match(r.failures[0]!, /ECONNREFUSED/);
    } finally {
      link.close();
      link.close(); // twice: no throw
    }
  });
}

test('tftp.datagrams: auto takes the native path when it loads and falls back to node:dgram, saying why; native without it is E_TFTP', () => {
  const built = () => ({ addon: {} });
  const missing = () => ({ reason: '/x/udp-batch.node is not built' });
  assert.deepEqual(chooseDatagramPath('auto', built), { path: 'native' });
  assert.deepEqual(chooseDatagramPath('auto', missing), { path: 'node', fallback: '/x/udp-batch.node is not built' });
  assert.deepEqual(chooseDatagramPath('native', built), { path: 'native' });
  assert.deepEqual(chooseDatagramPath('node', () => assert.fail('node:dgram does not load the addon')), { path: 'node' });
  assert.throws(
    () => chooseDatagramPath('native', missing),
    (e: unknown) => e instanceof PimanError && e.code === 'E_TFTP' && /tftp\.datagrams is native, but \/x\/udp-batch\.node is not built; or set tftp\.datagrams: auto/.test(e.message),
  );
});
