import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebhookSender, type WebhookSenderOptions } from '../../src/monitor/webhook-sender.js';
import { redactUrl, webhookBody } from '../../src/monitor/webhook-format.js';
import { noticeOf, type Notice } from '../../src/monitor/notices.js';
import type { Timers } from '../../src/agent/notify-queue.js';
import { initialPortState, type PortView } from '../../src/cluster/types.js';
import type { PoeSwitch } from '../../src/switch/types.js';

/** A virtual clock: timers fire when the test advances it. */
class FakeTimers implements Timers {
  t = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): { unref?: () => void } {
    const id = this.next++;
    this.pending.set(id, { at: this.t + ms, fn });
    return { id } as unknown as { unref?: () => void };
  }
  clearTimeout(h: unknown): void {
    this.pending.delete((h as { id: number }).id);
  }
  get waiting(): number[] {
    return [...this.pending.values()].map((p) => p.at - this.t);
  }
  async advance(ms: number): Promise<void> {
    this.t += ms;
    for (const [id, p] of [...this.pending]) {
      if (p.at <= this.t) {
        this.pending.delete(id);
        p.fn();
      }
    }
    await flush();
  }
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
};

function sender(answers: Array<number | Error | 'hang'>, patch: Partial<WebhookSenderOptions> = {}) {
  const timers = new FakeTimers();
  const sent: string[] = [];
  const warnings: Record<string, unknown>[] = [];
  const s = new WebhookSender({
    name: 'http://127.0.0.1:1/…',
    maxQueued: 10,
    retries: 3,
    timeoutMs: 1000,
    backoffMs: 1000,
    maxBackoffMs: 4000,
    timers,
    warn: (f) => warnings.push(f),
    post: (body) => {
      sent.push(body);
      const a = answers.shift() ?? 200;
      if (a === 'hang') return new Promise(() => undefined);
      return a instanceof Error ? Promise.reject(a) : Promise.resolve(a);
    },
    ...patch,
  });
  return { s, timers, sent, warnings };
}

test('a 500 and a network error are retried after 1 s, then 2 s; a 2xx ends it', async () => {
  const { s, timers, sent } = sender([500, new Error('ECONNREFUSED'), 204]);
  s.push('a');
  await flush();
  assert.deepEqual(sent, ['a']);
  assert.deepEqual(timers.waiting, [1000]);
  await timers.advance(999);
  assert.equal(sent.length, 1);
  await timers.advance(1);
  assert.equal(sent.length, 2);
  assert.deepEqual(timers.waiting, [2000]);
  await timers.advance(2000);
  assert.deepEqual(sent, ['a', 'a', 'a']);
  assert.deepEqual(s.stats, { delivered: 1, failed: 0, dropped: 0, retries: 2 });
  assert.equal(s.queued, 0);
});

test('given up after `retries`, backoff capped; the next notice goes on; a 4xx is not retried', async () => {
  const { s, timers, sent, warnings } = sender([500, 500, 500, 500, 400, 200]);
  s.push('a');
  s.push('b');
  await flush();
  for (const wait of [1000, 2000, 4000]) {
    assert.deepEqual(timers.waiting, [wait]);
    await timers.advance(wait);
  }
  // the 4th attempt of a failed (retries: 3), b's first got a 400: neither is retried
  assert.deepEqual(sent, ['a', 'a', 'a', 'a', 'b']);
  assert.deepEqual(s.stats, { delivered: 0, failed: 2, dropped: 0, retries: 3 });
  assert.deepEqual(timers.waiting, []);
  assert.equal(warnings.length, 2);
  assert.equal(warnings[1]!.reason, 'HTTP 400');
  s.push('c');
  await flush();
  assert.equal(s.stats.delivered, 1);
});

test('one in flight at a time, in order; a hanging receiver only fills its own bounded queue', async () => {
  const { s, sent } = sender(['hang'], { maxQueued: 3 });
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) s.push(`n${i}`);
  assert.ok(performance.now() - t0 < 200, 'push does not wait');
  await flush();
  assert.deepEqual(sent, ['n0']);
  assert.equal(s.queued, 3);
  assert.equal(s.stats.dropped, 997);
});

test('push after close does nothing; close cancels a retry', async () => {
  const { s, timers, sent } = sender([500]);
  s.push('a');
  await flush();
  s.close();
  assert.deepEqual(timers.waiting, []);
  s.push('b');
  await timers.advance(10_000);
  assert.deepEqual(sent, ['a']);
});

const port = (patch: Partial<PortView> = {}): PortView => ({
  ...initialPortState(0),
  switchIndex: 1,
  port: 7,
  switchName: 'sw1',
  mac: 'b8:27:eb:00:00:07',
  ip: '10.0.0.7',
  hostname: 'pi7',
  ...patch,
});

test('Slack, Discord and JSON bodies of a health alert', () => {
  const n = noticeOf({ port: port(), effect: { type: 'healthAlert', message: 'pi7: cpu 95.0 % > 50 %', crossing: { metric: 'cpu', value: 95, threshold: 50 } } })!;
  assert.deepEqual(JSON.parse(webhookBody(n, 'slack', 0)), { text: 'health alert on pi7 (sw1:7): cpu 95.0 % > 50 %' });
  assert.deepEqual(JSON.parse(webhookBody(n, 'discord', 0)), { content: 'health alert on pi7 (sw1:7): cpu 95.0 % > 50 %' });
  assert.deepEqual(JSON.parse(webhookBody(n, 'json', 0)), {
    event: 'healthAlert',
    time: '1970-01-01T00:00:00.000Z',
    text: 'health alert on pi7 (sw1:7): cpu 95.0 % > 50 %',
    switch: 'sw1',
    port: 7,
    hostname: 'pi7',
    ip: '10.0.0.7',
    metric: 'cpu',
    value: 95,
    threshold: 50,
    message: 'pi7: cpu 95.0 % > 50 %',
  });
  const long: Notice = { kind: 'portFailed', port: { switchName: 'sw1', port: 7, hostname: 'pi7', ip: null }, reason: 'x'.repeat(5000) };
  assert.equal((JSON.parse(webhookBody(long, 'discord', 0)) as { content: string }).content.length, 2000);
});

test('which cluster events are notices', () => {
  assert.equal(noticeOf({ port: port({ lastError: 'no progress' }), effect: { type: 'stateChanged', from: 'booting', to: 'failed' } })?.kind, 'portFailed');
  assert.equal(noticeOf({ port: port(), effect: { type: 'stateChanged', from: 'booting', to: 'up' } }), null);
  assert.equal(noticeOf({ port: port(), effect: { type: 'installDone' } })?.kind, 'installDone');
  assert.equal(noticeOf({ port: port(), effect: { type: 'installFailed', reason: 'cut' } })?.kind, 'installFailed');
  assert.equal(noticeOf({ port: port(), effect: { type: 'persist' } }), null);
});

test('webhook URLs are shown by their origin only', () => {
  assert.equal(redactUrl('https://hooks.slack.com/services/T000/B000/XXXXSECRET'), 'https://hooks.slack.com/…');
  assert.equal(redactUrl('https://user:pass@discord.com/api/webhooks/1/tok?wait=true'), 'https://discord.com/…');
  assert.equal(redactUrl('http://127.0.0.1:8080/hook?token=s3cret'), 'http://127.0.0.1:8080/…');
  assert.equal(redactUrl('not a url'), '(invalid URL)');
});

test('switch reachability tells once when a switch stops answering and once when it is back; ', async () => {
  const { SwitchReachability } = await import('../../src/agent/switch-reachability.js');
  const { silentLogger } = await import('../../src/log.js');
  let up = true;
  const sw: PoeSwitch = {
    name: 'sw1',
    address: '127.0.0.1',
    setPower: async () => undefined,
    getPower: async () => {
      if (!up) throw new Error('no answer');
      return 'on';
    },
    detection: async () => 'deliveringPower',
    macTable: async () => new Map(),
    close: () => undefined,
  };
  const changes: string[] = [];
  const r = new SwitchReachability(new Map([[1, sw]]), silentLogger(), (i, ok, why) => changes.push(`${i} ${ok} ${why}`));
  await r.probe();
  up = false;
  await r.probe();
  await r.probe();
  up = true;
  await r.probe();
  await r.probe();
  assert.deepEqual(changes, ['1 false no answer', '1 true ']);
});
