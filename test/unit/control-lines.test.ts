import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { LineSplitter } from '../../src/control/lines.js';

const texts = (ls: { text: string }[]): string[] => ls.map((l) => l.text);

test('LF and CRLF lines, several per chunk', () => {
  const s = new LineSplitter();
  assert.deepEqual(texts(s.push(Buffer.from('IS_INSTALLED\r\n+ send x\nEOM\n'))), ['IS_INSTALLED', '+ send x', 'EOM']);
  assert.equal(s.end(), null);
});

test('a line split over chunks, byte by byte', () => {
  const s = new LineSplitter();
  const out: string[] = [];
  for (const b of Buffer.from('IS_UNINSTALLED\r\n')) out.push(...texts(s.push(Uint8Array.of(b))));
  assert.deepEqual(out, ['IS_UNINSTALLED']);
});

test('a UTF-8 character split between chunks survives', () => {
  const s = new LineSplitter();
  const b = Buffer.from('é\n');
  assert.deepEqual(texts(s.push(b.subarray(0, 1))), []);
  assert.deepEqual(texts(s.push(b.subarray(1))), ['é']);
});

test('unterminated rest comes out at end()', () => {
  const s = new LineSplitter();
  s.push(Buffer.from('FINISHED MOUNTING'));
  assert.deepEqual(s.end(), { text: 'FINISHED MOUNTING', truncated: false });
  assert.equal(s.end(), null);
});

test('an overlong line is cut at maxLine and the rest of it dropped', () => {
  const s = new LineSplitter(8);
  const r = s.push(Buffer.from('0123456789abcdef\nok\n'));
  assert.deepEqual(r, [
    { text: '01234567', truncated: true },
    { text: 'ok', truncated: false },
  ]);
});

const bytes = fc.uint8Array({ maxLength: 400, size: 'max' }).map((u) => Buffer.from(u));
const withNewlines = fc.array(fc.oneof(bytes, fc.constantFrom(Buffer.from('\n'), Buffer.from('\r\n'))), { maxLength: 30, size: 'max' }).map((a) => Buffer.concat(a));

function splitWhole(data: Buffer, max: number): { text: string; truncated: boolean }[] {
  const s = new LineSplitter(max);
  const out = [...s.push(data)];
  const rest = s.end();
  if (rest) out.push(rest);
  return out;
}

test('property: any chunking gives the same lines as one chunk', () => {
  fc.assert(
    fc.property(withNewlines, fc.array(fc.nat(), { maxLength: 20, size: 'max' }), fc.integer({ min: 1, max: 300 }), (data, cuts, max) => {
      const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
      const s = new LineSplitter(max);
      const out: { text: string; truncated: boolean }[] = [];
      let prev = 0;
      for (const p of [...points, data.length]) {
        out.push(...s.push(data.subarray(prev, p)));
        prev = p;
      }
      const rest = s.end();
      if (rest) out.push(rest);
      assert.deepEqual(out, splitWhole(data, max));
    }),
  );
});

test('property: lines never hold a newline, never exceed maxLine bytes, and the count matches the newlines', () => {
  fc.assert(
    fc.property(withNewlines, fc.integer({ min: 1, max: 300 }), (data, max) => {
      const lines = splitWhole(data, max);
      const nl = data.filter((b) => b === 0x0a).length;
      const tail = data.length > 0 && data[data.length - 1] !== 0x0a ? 1 : 0;
      assert.equal(lines.length, nl + tail);
      for (const l of lines) {
        assert.ok(!l.text.includes('\n'));
        assert.ok(Buffer.byteLength(l.text) <= max * 3); // replacement chars may widen invalid bytes
      }
    }),
  );
});

test('property: lines without CR or overlong parts round-trip exactly', () => {
  const line = fc.string({ maxLength: 50, size: 'max' }).filter((t) => !/[\r\n]/.test(t) && !t.includes('\uFFFD'));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20, size: 'max' }), fc.boolean(), (ls, crlf) => {
      const data = Buffer.from(ls.map((l) => l + (crlf ? '\r\n' : '\n')).join(''));
      assert.deepEqual(texts(splitWhole(data, 4096)), ls);
    }),
  );
});
