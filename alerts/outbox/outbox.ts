// The durable outbox of action webhooks. A message is written to the store
// before anything is sent; a worker delivers due messages signed per
// Standard Webhooks and records the outcome as a new row:
//   2xx -> delivered; 408, 429, 5xx, network errors, timeouts -> retried with
//   exponential backoff and jitter (Retry-After honoured) until the action's
//   retry_horizon, then expired; any other 4xx -> failed, no retry.
// A crash between sending and recording means the message is sent again with
// the same webhook-id, which receivers use as their idempotency key: each
// message takes effect exactly once.
import { describeError } from '../../src/core/errors.ts';
import type { Logger } from '../../src/core/log/logger.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import { signedHeaders } from '../actions/sign.ts';
import { httpAttempt, retryDelay, errorText, type AttemptResult } from '../channels/delivery.ts';
import type { Clock } from '../clock.ts';
import type { ActionConfig } from '../config.ts';
import type { AlertMetrics } from '../metrics.ts';
import type { OutboxMessage, OutboxStore } from './store.ts';

export interface OutboxOptions {
  store: OutboxStore;
  actions: ReadonlyArray<ActionConfig>;
  clock: Clock;
  logger: Logger;
  metrics?: AlertMetrics;
  pollMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Deliveries in parallel. */
  concurrency?: number;
  random?: () => number;
}

export interface NewMessage {
  id: string;
  action: string;
  kind: 'retrain' | 'rollback';
  model: string;
  fingerprint: string;
  payload: string;
  dryRun: boolean;
  /** A rollback without a healthy target: record it (state no_target), never send it. */
  noTarget?: boolean;
}

export class Outbox {
  readonly #o: OutboxOptions;
  readonly #actions: Map<string, ActionConfig>;
  /** Pending messages, loaded at start and kept in step with the store (write-through). */
  readonly #pending = new Map<string, OutboxMessage>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;
  #again = false;
  #stopped = false;

  constructor(opts: OutboxOptions) {
    this.#o = opts;
    this.#actions = new Map(opts.actions.map((a) => [a.name, a]));
  }

  /** Load what a previous process left pending. */
  async load(): Promise<number> {
    for (const m of await this.#o.store.pending()) this.#pending.set(m.id, m);
    this.#o.metrics?.outboxPending.set(this.#pending.size);
    return this.#pending.size;
  }

  pendingCount(): number {
    return this.#pending.size;
  }

  /** Store a message durably (a no-op for an id already stored); resolves once it is written. */
  async enqueue(n: NewMessage): Promise<OutboxMessage> {
    const existing = this.#pending.get(n.id) ?? (await this.#o.store.get(n.id));
    if (existing) return existing;
    const now = this.#o.clock.now();
    const m: OutboxMessage = {
      id: n.id,
      action: n.action,
      kind: n.kind,
      model: n.model,
      fingerprint: n.fingerprint,
      payload: n.payload,
      state: n.noTarget ? 'no_target' : n.dryRun ? 'dry_run' : 'pending',
      attempts: 0,
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
      lastStatus: 0,
      lastError: '',
    };
    await this.#o.store.put(m);
    if (n.noTarget) {
      this.#o.metrics?.outboxDeliveries.inc({ action: n.action, outcome: 'no_target' });
      return m;
    }
    if (n.dryRun) {
      this.#o.metrics?.outboxDeliveries.inc({ action: n.action, outcome: 'dry_run' });
      this.#o.logger.info('dry run: action recorded, not sent', { action: n.action, kind: n.kind, model: n.model, webhook_id: n.id });
      return m;
    }
    this.#pending.set(m.id, m);
    this.#o.metrics?.outboxPending.set(this.#pending.size);
    this.#o.logger.info('action queued', { action: n.action, kind: n.kind, model: n.model, webhook_id: n.id });
    if (!this.#stopped && this.#timer) void this.runOnce();
    return m;
  }

  lastCreated(action: string, model: string): Promise<number | null> {
    return this.#o.store.lastCreated(action, model);
  }

  /** Deliver every due message once. Runs never overlap; a call during a run schedules one more. Never rejects. */
  runOnce(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      do {
        this.#again = false;
        await this.#round().catch((e: unknown) => this.#o.logger.error('outbox round failed', { error: describeError(e), code: 'DW_ALERT_STATE' }));
      } while (this.#again && !this.#stopped);
    })().finally(() => (this.#running = null));
    return this.#running;
  }

  async #round(): Promise<void> {
    const now = this.#o.clock.now();
    const due = [...this.#pending.values()].filter((m) => m.nextAttemptAt <= now);
    const limit = this.#o.concurrency ?? 4;
    for (let i = 0; i < due.length && !this.#stopped; i += limit) {
      await Promise.all(due.slice(i, i + limit).map((m) => this.#deliver(m)));
    }
  }

  async #deliver(m: OutboxMessage): Promise<void> {
    const { clock, logger, metrics } = this.#o;
    const action = this.#actions.get(m.action);
    if (!action) {
      await this.#settle(m, { ...m, state: 'failed', lastError: `action ${m.action} is no longer configured`, updatedAt: clock.now() });
      logger.error('action message dropped: its action is no longer configured', { action: m.action, webhook_id: m.id, code: 'DW_ALERT_DELIVERY' });
      return;
    }
    const secret = (action.secret ?? action.secret_file)?.reveal() ?? '';
    const attemptAt = clock.now();
    const headers = { ...action.headers, ...signedHeaders(secret, m.id, Math.floor(attemptAt / 1000), m.payload) };
    const timeoutMs = parseDuration(action.timeout);
    const timeout = AbortSignal.timeout(timeoutMs);
    let res: AttemptResult;
    try {
      res = await httpAttempt({ url: action.url, body: m.payload, headers }, AbortSignal.any([timeout, this.#abort.signal]));
    } catch (e) {
      if (this.#abort.signal.aborted) return; // shutdown: stays pending, sent again after restart
      res = { ok: false, retriable: true, error: timeout.aborted ? `timed out after ${timeoutMs}ms` : errorText(e) };
    }
    const now = clock.now();
    const attempts = m.attempts + 1;
    if (res.ok) {
      await this.#settle(m, { ...m, state: 'delivered', attempts, lastStatus: res.status ?? 200, lastError: '', updatedAt: now });
      metrics?.outboxDeliveries.inc({ action: m.action, outcome: 'delivered' });
      logger.info('action delivered', { action: m.action, kind: m.kind, model: m.model, webhook_id: m.id, attempts, status: res.status });
      return;
    }
    const error = res.error.split(secret).join('[redacted]');
    if (!res.retriable) {
      await this.#settle(m, { ...m, state: 'failed', attempts, lastStatus: res.status ?? 0, lastError: error, updatedAt: now });
      metrics?.outboxDeliveries.inc({ action: m.action, outcome: 'failed' });
      logger.error('action refused by the receiver; not retried', { action: m.action, model: m.model, webhook_id: m.id, status: res.status, error, code: 'DW_ALERT_DELIVERY' });
      return;
    }
    const delay = retryDelay(attempts - 1, { baseMs: this.#o.backoffBaseMs, maxMs: this.#o.backoffMaxMs, random: this.#o.random }, res.retryAfterMs);
    const horizon = m.createdAt + parseDuration(action.retry_horizon);
    if (now + delay > horizon) {
      await this.#settle(m, { ...m, state: 'expired', attempts, lastStatus: res.status ?? 0, lastError: error, updatedAt: now });
      metrics?.outboxDeliveries.inc({ action: m.action, outcome: 'expired' });
      logger.error('action not delivered within its retry horizon; giving up', { action: m.action, model: m.model, webhook_id: m.id, attempts, error, retry_horizon: action.retry_horizon, code: 'DW_ALERT_DELIVERY' });
      return;
    }
    await this.#settle(m, { ...m, attempts, nextAttemptAt: now + delay, lastStatus: res.status ?? 0, lastError: error, updatedAt: now });
    metrics?.outboxDeliveries.inc({ action: m.action, outcome: 'retry' });
    logger.warn('action delivery failed, will retry', { action: m.action, model: m.model, webhook_id: m.id, attempts, retry_in_ms: delay, status: res.status, error });
  }

  async #settle(prev: OutboxMessage, next: OutboxMessage): Promise<void> {
    try {
      await this.#o.store.put(next);
    } catch (e) {
      // Keep the old state in memory too: the message is retried, and the
      // receiver deduplicates by webhook-id if it did arrive.
      this.#o.logger.error('cannot record an outbox outcome; the message will be sent again', { webhook_id: prev.id, error: describeError(e), code: 'DW_ALERT_STATE' });
      prev.nextAttemptAt = this.#o.clock.now() + this.#o.backoffBaseMs;
      return;
    }
    if (next.state === 'pending') this.#pending.set(next.id, next);
    else this.#pending.delete(next.id);
    this.#o.metrics?.outboxPending.set(this.#pending.size);
  }

  start(): void {
    if (this.#timer || this.#stopped) return;
    this.#timer = setInterval(() => void this.runOnce(), this.#o.pollMs);
    this.#timer.unref();
    void this.runOnce();
  }

  /** Stop polling; let the current round finish until `deadline`, then abort it (messages stay pending). */
  async stop(deadline?: AbortSignal): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const onDeadline = (): void => this.#abort.abort(new Error('shutdown deadline'));
    if (deadline?.aborted) onDeadline();
    deadline?.addEventListener('abort', onDeadline, { once: true });
    try {
      await this.#running;
    } finally {
      deadline?.removeEventListener('abort', onDeadline);
    }
  }
}
