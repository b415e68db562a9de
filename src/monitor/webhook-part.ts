/**
 * `monitor.webhooks`: each notice (cluster events through `noticeOf`, switch
 * reachability from the daemon's NoticeSignal) goes to the webhooks that
 * asked for its kind, each through its own WebhookSender; counted on
 * /metrics per webhook (its position in the list, from 1).
 */
import type { Part, PartContext } from '../part.js';
import type { ClusterEvents } from '../cluster/ports.js';
import { realTimers } from '../agent/notify-queue.js';
import type { MetricFamily } from '../metrics/registry.js';
import { noticeOf, type Notice, type NoticeKind } from './notices.js';
import { redactUrl, wants, webhookBody, type WebhookFormat } from './webhook-format.js';
import { postJson } from './webhook-http.js';
import { WebhookSender } from './webhook-sender.js';

/** One webhook (an entry of monitor.webhooks; src/parts.ts maps it). */
export interface WebhookOptions {
  readonly url: string;
  readonly format: WebhookFormat;
  /** The notice kinds it is sent. */
  readonly events: readonly NoticeKind[];
  readonly maxQueued: number;
  readonly retries: number;
  readonly timeoutMs: number;
}

/** The webhooks part's settings: the webhooks, in config order (none: the part does nothing). */
export interface WebhookPartOptions {
  readonly webhooks: readonly WebhookOptions[];
}

export function webhookPart(o: WebhookPartOptions, ctx: PartContext<ClusterEvents>): Part {
  const hooks = o.webhooks;
  const log = ctx.log.child({ part: 'webhooks' });
  let senders: WebhookSender[] = [];
  let stop: Array<() => void> = [];
  return {
    name: 'webhooks',
    async start() {
      if (hooks.length === 0) return;
      senders = hooks.map((h) => {
        const url = new URL(h.url);
        return new WebhookSender({
          name: redactUrl(h.url),
          maxQueued: h.maxQueued,
          retries: h.retries,
          timeoutMs: h.timeoutMs,
          backoffMs: 1000,
          maxBackoffMs: 300_000,
          post: (body, timeoutMs) => postJson(url, body, timeoutMs),
          timers: realTimers,
          warn: (fields, message) => log.warn(fields, message),
        });
      });
      const send = (n: Notice | null): void => {
        if (!n) return;
        const at = Date.now();
        hooks.forEach((h, i) => {
          if (wants(h.events, n)) senders[i]!.push(webhookBody(n, h.format, at));
        });
      };
      stop = [ctx.cluster.on((e) => send(noticeOf(e))), ctx.notices.on(send), ctx.metrics.add(() => webhookFamilies(senders))];
      log.info({ webhooks: hooks.map((h) => redactUrl(h.url)) }, 'webhooks ready');
    },
    async stop() {
      for (const s of stop) s();
      stop = [];
      for (const s of senders) s.close();
      senders = [];
    },
  };
}

export function webhookFamilies(senders: readonly WebhookSender[]): MetricFamily[] {
  const label = (i: number): Record<string, string> => ({ webhook: String(i + 1) });
  return [
    {
      name: 'piman_webhook_notices_total',
      type: 'counter',
      help: 'Notices for a webhook by what became of them: delivered (2xx), failed (given up after its retries, or a 4xx), dropped (queue full).',
      samples: senders.flatMap((s, i) => [
        { labels: { ...label(i), result: 'delivered' }, value: s.stats.delivered },
        { labels: { ...label(i), result: 'failed' }, value: s.stats.failed },
        { labels: { ...label(i), result: 'dropped' }, value: s.stats.dropped },
      ]),
    },
    { name: 'piman_webhook_retries_total', type: 'counter', help: 'Webhook deliveries sent again after a timeout, network error, 5xx or 429.', samples: senders.map((s, i) => ({ labels: label(i), value: s.stats.retries })) },
    { name: 'piman_webhook_queued', type: 'gauge', help: 'Notices waiting for a webhook (the one being sent included).', samples: senders.map((s, i) => ({ labels: label(i), value: s.queued })) },
  ];
}
