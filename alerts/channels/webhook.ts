// Generic JSON webhook: the Alertmanager webhook body (version "4") that
// many tools already parse, with driftwatch's evidence on each alert.
// Optionally signed per Standard Webhooks (webhook-id = the notification id).
import type { WebhookConfig } from '../config.ts';
import type { Notification } from '../notification.ts';
import { signedHeaders } from '../actions/sign.ts';
import { BaseChannel, type ChannelContext } from './channel.ts';
import { httpAttempt } from './delivery.ts';

export function webhookBody(n: Notification): Record<string, unknown> {
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: n.externalUrl ?? '',
    alerts: n.alerts.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: a.startsAt,
      endsAt: a.endsAt ?? '0001-01-01T00:00:00Z',
      generatorURL: a.generatorUrl ?? '',
      fingerprint: a.fingerprint,
      value: a.value,
      threshold: a.threshold,
      evidence: a.evidence,
      ...(a.actions.length > 0 ? { actions: a.actions } : {}),
    })),
  };
}

export class WebhookChannel extends BaseChannel {
  readonly type = 'webhook' as const;
  readonly #token: string | undefined;
  readonly #secret: string | undefined;

  constructor(
    private readonly cfg: WebhookConfig,
    ctx: ChannelContext,
  ) {
    super(ctx);
    this.#token = (cfg.bearer_token ?? cfg.bearer_token_file)?.reveal();
    this.#secret = (cfg.secret ?? cfg.secret_file)?.reveal();
  }

  protected target(): string {
    const u = new URL(this.cfg.url);
    return `${u.origin}${u.pathname}`;
  }

  protected override secrets(): string[] {
    return [this.#token, this.#secret].filter((s): s is string => s !== undefined);
  }

  protected async deliver(n: Notification, signal: AbortSignal): Promise<void> {
    const body = JSON.stringify(webhookBody(n));
    await this.attempts(
      'notification',
      (s) => {
        const headers: Record<string, string> = { ...this.cfg.headers };
        if (this.#token) headers.authorization = `Bearer ${this.#token}`;
        if (this.#secret) Object.assign(headers, signedHeaders(this.#secret, `msg_${n.id}`, Math.floor(Date.now() / 1000), body));
        return httpAttempt({ url: this.cfg.url, body, headers }, s);
      },
      signal,
    );
  }
}
