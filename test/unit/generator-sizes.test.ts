/**
 * The property tests' generators (test/helpers/fc-sizes.ts) reach the sizes
 * that matter: fast-check's default size would cap them at about ten
 * elements and leave the interesting cases (long options, full headers,
 * full blocks, long OIDs) untested. Each is sampled with the same settings
 * the tests use, and compared with the plain fast-check default.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dhcpOptionValue, dhcpOptions, dhcpRandomDatagram, oidArcs, tarStream, tftpDataPayload } from '../helpers/fc-sizes.js';
import { decodeDhcp } from '../../src/dhcp/packet.js';
import { DecodeError } from '../../src/errors.js';
import { TarReader } from '../../src/lab/tar.js';

const RUNS = 300;
const sample = <T>(a: fc.Arbitrary<T>, seed: number): T[] => fc.sample(a, { numRuns: RUNS, seed });
const count = <T>(xs: readonly T[], pred: (x: T) => boolean): number => xs.filter(pred).length;

test('without size settings fast-check stops at about ten bytes (why the helper exists)', () => {
  const plain = sample(fc.uint8Array({ maxLength: 600 }), 1);
  assert.ok(Math.max(...plain.map((b) => b.length)) <= 10);
});

test('DHCP: option values over 255 bytes (two pieces) and over 510 (three)', () => {
  const values = sample(dhcpOptionValue, 2);
  assert.ok(count(values, (v) => v.length > 255) >= RUNS / 4, 'over 255 bytes');
  assert.ok(count(values, (v) => v.length > 510) >= RUNS / 20, 'over 510 bytes');
  const maps = sample(dhcpOptions, 3);
  assert.ok(count(maps, (m) => [...m.values()].some((v) => v.length > 255)) >= RUNS / 4, 'option maps with a long option');
  assert.ok(count(maps, (m) => m.size >= 5) >= RUNS / 4, 'option maps with five or more options');
});

test('DHCP: random datagrams reach the 240-byte header and the option parser', () => {
  const dgrams = sample(dhcpRandomDatagram, 4);
  const withHeader = dgrams.filter((b) => b.length >= 240 && b.readUInt32BE(236) === 0x63825363);
  assert.ok(withHeader.length >= RUNS / 3, `${withHeader.length} of ${RUNS} have a header and cookie`);
  let decoded = 0;
  for (const b of withHeader) {
    try {
      decodeDhcp(b);
      decoded++;
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
    }
  }
  // Random option bytes mostly overrun; some parse through to the end.
  assert.ok(decoded >= 5, `${decoded} random datagrams decoded`);
});

test('tar: full 512-byte headers whose checksum passes and whose fields are parsed', () => {
  const streams = sample(tarStream, 5);
  assert.ok(count(streams, (s) => s.length >= 512) >= RUNS / 2, 'at least one whole block');
  let headers = 0;
  for (const s of streams) {
    const r = new TarReader(
      () => headers++,
      () => undefined,
    );
    try {
      r.push(s);
    } catch (e) {
      if ((e as { code?: string }).code !== 'E_DECODE') throw e;
    }
  }
  assert.ok(headers >= RUNS / 4, `${headers} headers parsed whole`);
});

test('TFTP: DATA payloads up to a full 1,468-byte block (and full 512 and 1,024 blocks)', () => {
  const payloads = sample(tftpDataPayload, 6);
  for (const n of [512, 1024, 1468]) assert.ok(count(payloads, (p) => p.length === n) >= 10, `full ${n}-byte blocks`);
  assert.ok(count(payloads, (p) => p.length > 600) >= RUNS / 4, 'over 600 bytes');
  assert.ok(payloads.every((p) => p.length <= 1468));
});

test('SNMP: OIDs of over 128 sub-identifiers, and arcs that need five BER octets', () => {
  const oids = sample(oidArcs, 7);
  assert.ok(count(oids, (o) => o.length > 128) >= RUNS / 5, 'over 128 sub-identifiers');
  assert.ok(oids.every((o) => o.length >= 2 && o.length <= 200 && o[0]! <= 2 && o[1]! <= 39));
  assert.ok(count(oids, (o) => o.some((x) => x >= 2 ** 28)) >= RUNS / 4, 'arcs of five octets');
});
