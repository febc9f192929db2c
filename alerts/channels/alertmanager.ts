// Alertmanager API v2: POST /api/v2/alerts with the alerts of a group, the
// way Prometheus talks to Alertmanager. Alertmanager resolves an alert whose
// endsAt passed, so a firing alert carries endsAt = now + 4 x resend_interval
// and the dispatcher posts it again every resend_interval while it fires
// (Prometheus: --rules.alert.resend-delay, 1m, and the same factor of 4). If
// driftwatch dies, its alerts resolve in Alertmanager within 4 x
// resend_interval instead of staying active for hours. A resolved alert is
// posted once, with endsAt = its resolution time. When an alert's severity
// changes, the previous label set is ended too, since Alertmanager
// identifies alerts by all their labels.
import { parseDuration } from '../../src/core/util/duration.ts';
import { ALERTMANAGER_RESEND_FACTOR, type AlertmanagerConfig } from '../config.ts';
import type { Notification, NotifiedAlert } from '../notification.ts';
import { BaseChannel, type ChannelContext } from './channel.ts';
import { httpAttempt } from './delivery.ts';

export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** One alert as posted: a firing alert is valid for `validForMs` from `now`; a resolved one ends when it resolved. */
export function postableAlert(a: NotifiedAlert, now: number, validForMs: number): PostableAlert {
  const annotations: Record<string, string> = { ...a.annotations };
  if (a.value !== null) annotations.value = String(a.value);
  if (a.threshold !== null) annotations.threshold = String(a.threshold);
  return {
    labels: { ...a.labels },
    annotations,
    startsAt: a.startsAt,
    endsAt: a.endsAt ?? new Date(now + validForMs).toISOString(),
    ...(a.generatorUrl ? { generatorURL: a.generatorUrl } : {}),
  };
}

export class AlertmanagerChannel extends BaseChannel {
  readonly type = 'alertmanager' as const;
  readonly resendMs: number;
  readonly #endpoint: string;
  readonly #token: string | undefined;
  /** Severity last sent per fingerprint, to end the old label set on a change. */
  readonly #sentSeverity = new Map<string, string>();

  constructor(cfg: Pick<AlertmanagerConfig, 'url'> & Partial<AlertmanagerConfig>, ctx: ChannelContext) {
    super(ctx);
    this.#endpoint = new URL('api/v2/alerts', cfg.url.endsWith('/') ? cfg.url : cfg.url + '/').toString();
    this.#token = (cfg.bearer_token ?? cfg.bearer_token_file)?.reveal();
    this.resendMs = parseDuration(cfg.resend_interval ?? '1m');
  }

  /** How long a posted firing alert stays active in Alertmanager without another post. */
  get validForMs(): number {
    return ALERTMANAGER_RESEND_FACTOR * this.resendMs;
  }

  protected target(): string {
    return this.#endpoint;
  }

  protected override secrets(): string[] {
    return this.#token ? [this.#token] : [];
  }

  protected async deliver(n: Notification, signal: AbortSignal): Promise<void> {
    const now = Date.now();
    const alerts: PostableAlert[] = [];
    for (const a of n.alerts) {
      const prev = this.#sentSeverity.get(a.fingerprint);
      if (prev !== undefined && prev !== a.severity) {
        alerts.push({ ...postableAlert(a, now, this.validForMs), labels: { ...a.labels, severity: prev }, endsAt: new Date(now).toISOString() });
      }
      alerts.push(postableAlert(a, now, this.validForMs));
    }
    const body = JSON.stringify(alerts);
    const headers: Record<string, string> = this.#token ? { authorization: `Bearer ${this.#token}` } : {};
    await this.attempts(`${alerts.length} alert(s)`, (s) => httpAttempt({ url: this.#endpoint, body, headers }, s), signal);
    for (const a of n.alerts) {
      if (a.status === 'firing') this.#sentSeverity.set(a.fingerprint, a.severity);
      else this.#sentSeverity.delete(a.fingerprint);
    }
  }
}
