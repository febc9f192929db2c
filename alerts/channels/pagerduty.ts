// PagerDuty Events API v2: one event per alert, `trigger` while firing and
// `resolve` when resolved, dedup_key = the alert's fingerprint so PagerDuty
// keeps one incident per alert however often it is re-sent. Retries on 429
// and 5xx; other 4xx (an invalid event, a wrong routing key) are final.
import type { PagerDutyConfig } from '../config.ts';
import type { Notification, NotifiedAlert } from '../notification.ts';
import { formatNumber } from '../rules.ts';
import { BaseChannel, type ChannelContext } from './channel.ts';
import { httpAttempt } from './delivery.ts';

/** driftwatch severities are PagerDuty's: critical, error, warning, info. */
export function pagerdutySeverity(s: NotifiedAlert['severity']): 'critical' | 'error' | 'warning' | 'info' {
  return s;
}

export function pagerdutyEvent(a: NotifiedAlert, routingKey: string, cfg: Pick<PagerDutyConfig, 'source' | 'client' | 'client_url'>): Record<string, unknown> {
  if (a.status === 'resolved') return { routing_key: routingKey, event_action: 'resolve', dedup_key: a.fingerprint };
  const links = [
    a.annotations.runbook_url ? { href: a.annotations.runbook_url, text: 'Runbook' } : null,
    a.annotations.dashboard_url ? { href: a.annotations.dashboard_url, text: 'Dashboard' } : null,
    a.generatorUrl ? { href: a.generatorUrl, text: 'driftwatch' } : null,
  ].filter((l) => l !== null);
  const summary = a.annotations.summary ?? `${a.rule}: ${a.labels.metric ?? ''} ${formatNumber(a.value)}`;
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: a.fingerprint,
    payload: {
      summary: summary.slice(0, 1024),
      source: cfg.source,
      severity: pagerdutySeverity(a.severity),
      timestamp: a.startsAt,
      component: a.labels.model ?? '',
      group: [a.labels.model, a.labels.version].filter(Boolean).join('/'),
      class: a.labels.metric ?? '',
      custom_details: {
        rule: a.rule,
        labels: a.labels,
        annotations: a.annotations,
        value: a.value,
        threshold: a.threshold,
        evidence: a.evidence,
        ...(a.actions.length > 0 ? { actions: a.actions } : {}),
      },
    },
    client: cfg.client,
    ...(cfg.client_url ? { client_url: cfg.client_url } : {}),
    links,
  };
}

export class PagerDutyChannel extends BaseChannel {
  readonly type = 'pagerduty' as const;
  readonly #key: string;
  readonly #endpoint: string;

  constructor(
    private readonly cfg: PagerDutyConfig,
    ctx: ChannelContext,
  ) {
    super(ctx);
    const secret = cfg.routing_key ?? cfg.routing_key_file;
    if (!secret) throw new Error('pagerduty config without routing_key (the schema requires one)');
    this.#key = secret.reveal();
    this.#endpoint = new URL('/v2/enqueue', cfg.url).toString();
  }

  protected target(): string {
    return this.#endpoint;
  }

  protected override secrets(): string[] {
    return [this.#key];
  }

  protected async deliver(n: Notification, signal: AbortSignal): Promise<void> {
    const errors: unknown[] = [];
    for (const a of n.alerts) {
      const body = JSON.stringify(pagerdutyEvent(a, this.#key, this.cfg));
      try {
        await this.attempts(`${a.status === 'firing' ? 'trigger' : 'resolve'} ${a.fingerprint}`, (s) => httpAttempt({ url: this.#endpoint, body }, s), signal);
      } catch (e) {
        // Keep going: the other alerts of the group deserve their events;
        // the group is retried as a whole and PagerDuty dedups by key.
        errors.push(e);
      }
    }
    if (errors.length > 0) throw errors[0];
  }
}
