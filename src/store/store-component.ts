// The store as a daemon component: opens (waiting for a server with capped
// backoff), migrates, applies retention, and keeps readiness current with a
// periodic ping.
import type { Config } from '../config/schema.ts';
import { DriftwatchError, describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import { redactUrl } from '../core/log/redact.ts';
import { applyRetention, migrate } from '../core/store/migrate.ts';
import { openStore } from './open.ts';
import { clusterOptions } from './cluster.ts';
import type { Store } from '../core/store/store.ts';

const PING_EVERY_MS = 10_000;

export class StoreComponent implements Component {
  readonly name = 'store';
  #store: Store | null = null;
  #status: Readiness;
  #timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly config: Config,
    private readonly logger: Logger,
    private readonly startSignal: AbortSignal,
  ) {
    const where = config.clickhouse.url ? redactUrl(config.clickhouse.url) : 'embedded';
    this.#status = { ready: false, reason: `connecting to ClickHouse (${where})` };
  }

  get store(): Store {
    if (!this.#store) throw new DriftwatchError('DW_STORE_UNREACHABLE', this.#status.reason, { retriable: true });
    return this.#store;
  }

  async start(): Promise<void> {
    this.#store = await openStore(this.config, { logger: this.logger, signal: this.startSignal });
    const cluster = clusterOptions(this.config);
    const res = await migrate(this.#store, this.logger, undefined, cluster);
    await applyRetention(this.#store, this.config.clickhouse.ttl_days, cluster);
    this.logger.info('schema up to date', { applied: res.applied.length, already_applied: res.alreadyApplied.length });
    this.#status = { ready: true, reason: `${this.#store.kind} ${this.#store.location}` };
    this.#timer = setInterval(() => void this.#ping(), PING_EVERY_MS);
    this.#timer.unref();
  }

  async #ping(): Promise<void> {
    const store = this.#store;
    if (!store) return;
    const ok = await store.ping();
    if (ok !== this.#status.ready) {
      if (ok) this.logger.info('ClickHouse reachable again', { location: store.location });
      else this.logger.warn('ClickHouse ping failed', { location: store.location, code: 'DW_STORE_UNREACHABLE' });
    }
    this.#status = ok ? { ready: true, reason: `${store.kind} ${store.location}` } : { ready: false, reason: `ClickHouse at ${store.location} does not answer` };
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    const store = this.#store;
    this.#store = null;
    if (store) await store.close().catch((e: unknown) => this.logger.warn('store close failed', { error: describeError(e) }));
  }

  readiness(): Readiness {
    return this.#status;
  }
}
