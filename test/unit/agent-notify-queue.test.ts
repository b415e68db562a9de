import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NotifyQueue, type Timers } from '../../src/agent/notify-queue.js';

/** Manual clock: timers fire only when advance() passes their time. */
class FakeTimers implements Timers {
  t = 0;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { unref?: () => void } {
    const id = ++this.seq;
    this.pending.set(id, { at: this.t + ms, fn });
    return { id } as unknown as { unref?: () => void };
  }
  clearTimeout(h: unknown): void {
    this.pending.delete((h as { id: number }).id);
  }
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, p]) => p.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.t = due[1].at;
      due[1].fn();
    }
    this.t = end;
  }
}

test('first notification goes at once, a burst is coalesced to the latest per kind, 500 ms apart', () => {
  const timers = new FakeTimers();
  const sent: { at: number; item: string }[] = [];
  const q = new NotifyQueue<string>(500, (item) => sent.push({ at: timers.now(), item }), timers);
  q.push('1.7', 'state', 'off');
  q.push('1.7', 'state', 'poweringOn');
  q.push('1.7', 'state', 'netbooting');
  q.push('1.7', 'installFailed', 'failed: x');
  q.push('1.8', 'state', 'off');
  timers.advance(2000);
  assert.deepEqual(sent, [
    { at: 0, item: 'off' },
    { at: 0, item: 'off' },
    { at: 500, item: 'netbooting' },
    { at: 1000, item: 'failed: x' },
  ]);
  q.close();
});

test('property: never two notifications for one port within the gap, and the last pushed state is always sent', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ dt: fc.integer({ min: 0, max: 800 }), port: fc.constantFrom('a', 'b'), v: fc.nat(100) }), { minLength: 1, maxLength: 40 }),
      (events) => {
        const timers = new FakeTimers();
        const sent: { at: number; port: string; v: number }[] = [];
        const q = new NotifyQueue<{ port: string; v: number }>(500, (x) => sent.push({ at: timers.now(), ...x }), timers);
        const last = new Map<string, number>();
        for (const e of events) {
          timers.advance(e.dt);
          q.push(e.port, 'state', { port: e.port, v: e.v });
          last.set(e.port, e.v);
        }
        timers.advance(10_000);
        for (const port of ['a', 'b']) {
          const mine = sent.filter((s) => s.port === port);
          for (let i = 1; i < mine.length; i++) assert.ok(mine[i]!.at - mine[i - 1]!.at >= 500);
          if (last.has(port)) assert.equal(mine.at(-1)?.v, last.get(port));
        }
        q.close();
      },
    ),
  );
});
