// The local state of HTTP ingest under data_dir/ingest, as one component:
// at start it reads back the event-identity journal (dedup.ts) and the kept
// Idempotency-Key answers (idempotency.ts), and hands every spool entry left
// by the last run (spool.ts) to the buffer, so rows answered 202 are stored
// after a crash too. It starts before the buffer and stops after it: the
// buffer's last inserts still journal their identities.
import { join } from 'node:path';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import type { IngestBuffer } from './buffer.ts';
import { EventDedup } from './dedup.ts';
import { IdempotencyStore } from './idempotency.ts';
import type { IngestMetrics } from './metrics.ts';
import { Spool, type SpoolEntry } from './spool.ts';

export interface HttpStateOptions {
  /** data_dir/ingest */
  dir: string;
  buffer: () => IngestBuffer;
  store: () => Store;
  metrics: IngestMetrics;
  logger: Logger;
  dedupHorizonMs: number;
  dedupMaxKeys: number;
  idempotencyHorizonMs: number;
  idempotencyMaxKeys: number;
  spoolMaxBytes: number;
}

export class HttpIngestState implements Component {
  readonly name = 'http-ingest';
  readonly dedup: EventDedup;
  readonly idempotency: IdempotencyStore;
  readonly spool: Spool;
  readonly #o: HttpStateOptions;
  #replaying = 0;

  constructor(opts: HttpStateOptions) {
    this.#o = opts;
    this.dedup = new EventDedup({
      dir: join(opts.dir, 'http-keys'),
      horizonMs: opts.dedupHorizonMs,
      maxKeys: opts.dedupMaxKeys,
      store: opts.store,
      logger: opts.logger,
      onEvicted: (n) => opts.metrics.dedupEvicted.inc(n),
    });
    this.idempotency = new IdempotencyStore({ dir: join(opts.dir, 'idempotency'), horizonMs: opts.idempotencyHorizonMs, maxKeys: opts.idempotencyMaxKeys, logger: opts.logger });
    this.spool = new Spool(join(opts.dir, 'spool'), opts.spoolMaxBytes, opts.logger);
  }

  async start(): Promise<void> {
    const entries = this.spool.load();
    // Identities back to the oldest spool entry: its rows may have been
    // stored before the crash, longer ago than the horizon.
    const since = Math.min(Date.now() - this.#o.dedupHorizonMs, (entries[0]?.created ?? Infinity) - 60_000);
    this.dedup.start(since);
    this.idempotency.start();
    this.#o.metrics.spoolBytes.set(this.spool.bytes);
    if (entries.length > 0) {
      this.#o.logger.info('replaying the HTTP ingest spool (rows answered 202 and not yet stored)', { entries: entries.length, rows: entries.reduce((n, e) => n + e.rows, 0), bytes: this.spool.bytes });
    }
    for (const e of entries) this.#replay(e);
  }

  #replay(e: SpoolEntry): void {
    this.#replaying++;
    const done = {
      resolve: () => {
        this.#replaying--;
        void this.spool.remove(e).then(() => this.#o.metrics.spoolBytes.set(this.spool.bytes));
      },
      // Given up at shutdown: the entry stays for the next start.
      reject: () => void this.#replaying--,
    };
    const dedup = this.dedup.enabled && e.keys.length === 8 * e.rows ? { keys: e.keys, models: e.models, tmin: e.tmin, tmax: e.tmax, duplicates: 0 } : undefined;
    this.#o.buffer().append({ table: e.table, source: 'http', body: e.body, rows: e.rows, done, urgent: true, ...(dedup ? { dedup } : {}) });
  }

  async stop(): Promise<void> {
    await this.dedup.stop();
    await this.idempotency.stop();
  }

  readiness(): Readiness {
    return { ready: true, reason: this.#replaying > 0 ? `${this.#replaying} spool entries being stored` : `spool: ${this.spool.bytes} bytes` };
  }
}
