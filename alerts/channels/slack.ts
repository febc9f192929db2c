// Slack incoming webhook: Block Kit blocks with a plain `text` fallback (used
// for notifications and by clients that cannot render blocks). One queue per
// webhook URL keeps messages in order and within Slack's rate limit; a 429
// pauses that queue for Retry-After.
import type { SlackConfig } from '../config.ts';
import { notificationTitle, type Notification, type NotifiedAlert } from '../notification.ts';
import { formatNumber } from '../rules.ts';
import { BaseChannel, type ChannelContext } from './channel.ts';
import { sleep } from '../../src/core/util/backoff.ts';
import { httpAttempt } from './delivery.ts';

const MAX_ALERT_SECTIONS = 20;

/** Queues keyed by webhook URL, shared by every Slack integration of one daemon. */
export class SlackQueues {
  readonly #queues = new Map<string, { tail: Promise<unknown>; pausedUntil: number }>();

  get(url: string): { tail: Promise<unknown>; pausedUntil: number } {
    let q = this.#queues.get(url);
    if (!q) {
      q = { tail: Promise.resolve(), pausedUntil: 0 };
      this.#queues.set(url, q);
    }
    return q;
  }
}

/** Slack mrkdwn needs &, < and > escaped; everything else is literal. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function link(url: string, text: string): string {
  return `<${url.replace(/[|>]/g, encodeURIComponent)}|${escapeMrkdwn(text)}>`;
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : text.slice(0, max - 1) + '…';
}

function alertLine(a: NotifiedAlert): string {
  const where = [a.labels.model, a.labels.version].filter(Boolean).join('/');
  const feature = a.labels.feature ? ` feature ${a.labels.feature}` : '';
  return `${a.status === 'firing' ? 'FIRING' : 'RESOLVED'} ${a.severity}: ${a.labels.metric ?? ''} ${formatNumber(a.value)} on ${where}${feature} (threshold ${formatNumber(a.threshold)})`;
}

export function slackPayload(n: Notification, cfg: Pick<SlackConfig, 'channel' | 'username' | 'icon_emoji'>): Record<string, unknown> {
  const title = notificationTitle(n);
  const firing = n.status === 'firing';
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: truncate(`${firing ? '🔴' : '✅'} ${title}`, 150), emoji: true } },
  ];
  for (const a of n.alerts.slice(0, MAX_ALERT_SECTIONS)) {
    const links = [
      a.annotations.runbook_url ? link(a.annotations.runbook_url, 'Runbook') : null,
      a.annotations.dashboard_url ? link(a.annotations.dashboard_url, 'Dashboard') : null,
      a.generatorUrl ? link(a.generatorUrl, 'driftwatch') : null,
    ].filter((x): x is string => x !== null);
    const status = a.status === 'firing' ? `:red_circle: *FIRING* (${a.severity})` : ':white_check_mark: *RESOLVED*';
    const summary = a.annotations.summary ? `\n${escapeMrkdwn(a.annotations.summary)}` : '';
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: truncate(`${status} *${escapeMrkdwn(a.rule)}*${summary}${links.length ? `\n${links.join(' · ')}` : ''}`, 3000) },
      fields: [
        { type: 'mrkdwn', text: `*Model*\n${escapeMrkdwn(a.labels.model ?? '')}` },
        { type: 'mrkdwn', text: `*Version*\n${escapeMrkdwn(a.labels.version ?? '')}` },
        { type: 'mrkdwn', text: `*Feature*\n${escapeMrkdwn(a.labels.feature ?? '(model)')}` },
        { type: 'mrkdwn', text: `*Metric*\n${escapeMrkdwn(a.labels.metric ?? '')}` },
        { type: 'mrkdwn', text: `*Value*\n${formatNumber(a.value)}` },
        { type: 'mrkdwn', text: `*Threshold*\n${formatNumber(a.threshold)}` },
      ],
    });
  }
  if (n.alerts.length > MAX_ALERT_SECTIONS) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${n.alerts.length - MAX_ALERT_SECTIONS} more` }] });
  }
  const group = Object.entries(n.groupLabels)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: escapeMrkdwn(`driftwatch · ${group || 'all alerts'}`) }] });
  const text = [title, ...n.alerts.slice(0, MAX_ALERT_SECTIONS).map(alertLine)].join('\n');
  return {
    text: truncate(text, 3000),
    blocks,
    ...(cfg.channel ? { channel: cfg.channel } : {}),
    ...(cfg.username ? { username: cfg.username } : {}),
    ...(cfg.icon_emoji ? { icon_emoji: cfg.icon_emoji } : {}),
  };
}

export class SlackChannel extends BaseChannel {
  readonly type = 'slack' as const;
  readonly #url: string;

  constructor(
    private readonly cfg: SlackConfig,
    ctx: ChannelContext,
    private readonly queues: SlackQueues,
  ) {
    super(ctx);
    const secret = cfg.webhook_url ?? cfg.webhook_url_file;
    if (!secret) throw new Error('slack config without webhook_url (the schema requires one)');
    this.#url = secret.reveal();
  }

  protected target(): string {
    // The path of an incoming-webhook URL is its credential.
    return `slack webhook at ${new URL(this.#url).host}`;
  }

  protected override secrets(): string[] {
    const u = new URL(this.#url);
    return [this.#url, u.pathname];
  }

  protected async deliver(n: Notification, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(slackPayload(n, this.cfg));
    const q = this.queues.get(this.#url);
    const run = async (): Promise<void> => {
      await this.attempts(
        'message',
        async (s) => {
          const wait = q.pausedUntil - Date.now();
          if (wait > 0) await sleep(wait, s);
          const res = await httpAttempt({ url: this.#url, body }, s);
          if (!res.ok && res.status === 429) q.pausedUntil = Date.now() + (res.retryAfterMs ?? 1000);
          return res;
        },
        signal,
      );
    };
    const p = q.tail.then(run, run);
    q.tail = p.catch(() => undefined);
    await p;
  }
}
