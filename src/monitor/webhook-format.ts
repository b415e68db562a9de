/**
 * What a webhook receives for a notice: Slack's `{text}`, Discord's
 * `{content}`, or plain JSON with every field. And the one way a webhook URL
 * is shown in logs and metrics: its origin only, since Slack and Discord
 * put the secret in the path (and anyone may put one in the query or the
 * user info). Pure.
 */
import { noticeText, type Notice, type NoticeKind } from './notices.js';

export const WEBHOOK_FORMATS = ['slack', 'discord', 'json'] as const;
export type WebhookFormat = (typeof WEBHOOK_FORMATS)[number];

/** Discord refuses content over 2000 characters. */
const DISCORD_MAX = 2000;

export function webhookBody(n: Notice, format: WebhookFormat, at: number): string {
  const text = noticeText(n);
  switch (format) {
    case 'slack':
      return JSON.stringify({ text });
    case 'discord':
      return JSON.stringify({ content: text.length > DISCORD_MAX ? text.slice(0, DISCORD_MAX - 3) + '...' : text });
    case 'json':
      return JSON.stringify({ event: n.kind, time: new Date(at).toISOString(), text, ...fields(n) });
  }
}

function fields(n: Notice): Record<string, string | number | null> {
  if (n.kind === 'switchUnreachable') return { switch: n.switchName, address: n.address, reason: n.reason };
  if (n.kind === 'switchBack') return { switch: n.switchName, address: n.address };
  const port = { switch: n.port.switchName, port: n.port.port, hostname: n.port.hostname, ip: n.port.ip };
  switch (n.kind) {
    case 'healthAlert':
    case 'healthResolved':
      return { ...port, metric: n.crossing?.metric ?? null, value: n.crossing?.value ?? null, threshold: n.crossing?.threshold ?? null, message: n.message };
    case 'portFailed':
    case 'installFailed':
      return { ...port, reason: n.reason };
    case 'installDone':
      return port;
  }
}

/** `https://hooks.slack.com/…`: scheme, host and port; never the path, query or user info. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(invalid URL)';
  }
}

export function wants(events: readonly NoticeKind[], n: Notice): boolean {
  return events.includes(n.kind);
}
