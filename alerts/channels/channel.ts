// The one contract every channel implements, after OpenTelemetry's exporters:
// send a notification (resolves once delivered, rejects with
// DW_ALERT_DELIVERY once retries are spent), flush what is queued, shut down
// (idempotent; waits for in-flight sends until its deadline, then aborts).
import { DriftwatchError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log/logger.ts';
import type { AlertMetrics } from '../metrics.ts';
import type { Notification } from '../notification.ts';
import { deliverWithRetries, type AttemptResult, type DeliveryPolicy } from './delivery.ts';

export type ChannelType = 'slack' | 'email' | 'pagerduty' | 'alertmanager' | 'webhook' | 'fake';

export interface Channel {
  readonly type: ChannelType;
  /**
   * Set by channels whose far side expires what is not re-sent (Alertmanager):
   * the dispatcher posts the firing alerts the receiver was told about again
   * this often (ms), besides the grouped notifications.
   */
  readonly resendMs?: number;
  send(notification: Notification): Promise<void>;
  /** Resolves when every send accepted so far has settled. */
  flush(): Promise<void>;
  /** Refuse new sends, wait for in-flight ones (aborting them when `deadline` fires). Idempotent. */
  shutdown(deadline?: AbortSignal): Promise<void>;
}

export interface ChannelContext {
  receiver: string;
  logger: Logger;
  metrics?: AlertMetrics;
  delivery: DeliveryPolicy;
}

/** Replace every occurrence of each secret in a text (error bodies may echo what was sent). */
export function scrub(text: string, secrets: ReadonlyArray<string>): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out;
}

/**
 * In-flight tracking, retries and shutdown, shared by the channels. A channel
 * implements `attempt` (one try, classified) and names its target for logs
 * without secrets.
 */
export abstract class BaseChannel implements Channel {
  abstract readonly type: ChannelType;
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #abort = new AbortController();
  #closed = false;

  constructor(protected readonly ctx: ChannelContext) {}

  /** Where the channel sends, safe to log (no tokens). */
  protected abstract target(): string;
  /** Values that must never appear in logs or errors. */
  protected secrets(): string[] {
    return [];
  }

  /** Deliver one notification: usually one or more `this.attempts(...)` calls. */
  protected abstract deliver(n: Notification, signal: AbortSignal): Promise<void>;

  send(n: Notification): Promise<void> {
    if (this.#closed) return Promise.reject(new DriftwatchError('DW_ALERT_DELIVERY', `${this.type} channel of receiver ${this.ctx.receiver} is shut down`));
    const p = this.deliver(n, this.#abort.signal);
    this.#inflight.add(p);
    const done = (): void => void this.#inflight.delete(p);
    p.then(done, done);
    return p;
  }

  async flush(): Promise<void> {
    await Promise.allSettled([...this.#inflight]);
  }

  async shutdown(deadline?: AbortSignal): Promise<void> {
    this.#closed = true;
    const onDeadline = (): void => this.#abort.abort(new Error('shutdown deadline'));
    if (deadline?.aborted) onDeadline();
    deadline?.addEventListener('abort', onDeadline, { once: true });
    try {
      await this.flush();
      await this.close();
    } finally {
      deadline?.removeEventListener('abort', onDeadline);
    }
  }

  /** Release transports (SMTP pools); default nothing. */
  protected async close(): Promise<void> {}

  /** Run one logical delivery with retries; throws DW_ALERT_DELIVERY when it fails for good. */
  protected async attempts(what: string, attempt: (signal: AbortSignal) => Promise<AttemptResult>, signal: AbortSignal): Promise<void> {
    const secrets = this.secrets();
    const res = await deliverWithRetries(attempt, this.ctx.delivery, signal, (r, n, delayMs) => {
      this.ctx.metrics?.channelRetries.inc({ channel: this.type });
      this.ctx.logger.warn('notification attempt failed, retrying', {
        channel: this.type,
        receiver: this.ctx.receiver,
        target: this.target(),
        what,
        attempt: n,
        retry_in_ms: delayMs,
        status: r.ok ? undefined : r.status,
        error: r.ok ? undefined : scrub(r.error, secrets),
      });
    });
    if (!res.ok) {
      const reason = scrub(res.error, secrets);
      throw new DriftwatchError('DW_ALERT_DELIVERY', `${this.type} ${what} to ${this.target()} failed${res.retriable ? ' after retries' : ''}: ${reason}`, {
        retriable: res.retriable,
        details: { channel: this.type, receiver: this.ctx.receiver, status: res.status },
      });
    }
  }
}
