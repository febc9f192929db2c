// Feeds the model view (ModelMetrics) from what the store actually holds:
// every few seconds, the predictions inserted since the last look,
// aggregated per model and version by the engine (counts, errors, latency
// buckets). So the series match the store, whatever path the events took
// (Kafka, HTTP, a replay), and the ingest hot path stays untouched. With
// several instances on one ClickHouse server only the owner of the metrics
// role exports these series (the others export none), so a sum() over
// instances counts every prediction once; a new owner starts from zero (a
// counter reset to rate() and increase()).
import { describeError } from '../core/errors.ts';
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Ownership } from '../core/ownership.ts';
import type { Store } from '../core/store/store.ts';
import { LATENCY_BUCKETS, type ModelMetrics } from './model-metrics.ts';

/** Rows become visible a moment after their ingested_at; read only this far behind now. */
const VISIBILITY_LAG_MS = 3_000;
/** Partition pruning: events whose ts is older than this when they arrive are not counted. */
const MAX_EVENT_AGE_MS = 2 * 86_400_000;

export class ModelMetricsCollector implements Component {
  readonly name = 'model-metrics';
  #timer: NodeJS.Timeout | null = null;
  #watermark = 0;
  #running: Promise<void> | null = null;
  /** True while this instance exports (owns the metrics role). */
  #exporting = false;

  constructor(
    private readonly store: () => Store,
    private readonly metrics: ModelMetrics,
    private readonly logger: Logger,
    private readonly intervalMs = 5_000,
    private readonly owner?: Ownership,
  ) {}

  async start(): Promise<void> {
    this.#timer = setInterval(() => {
      if (!this.#running) this.#running = this.collect().finally(() => (this.#running = null));
    }, this.intervalMs);
    this.#timer.unref();
    this.#follow();
  }

  /** Start exporting on gaining the role (counting from now), drop every series on losing it. */
  #follow(): boolean {
    const held = this.owner ? this.owner.held() : true;
    if (held && !this.#exporting) {
      this.#watermark = Date.now() - VISIBILITY_LAG_MS;
      this.#exporting = true;
    } else if (!held && this.#exporting) {
      this.metrics.reset();
      this.#exporting = false;
    }
    return held;
  }

  /** One look at the rows inserted since the last one. Never rejects. */
  async collect(): Promise<void> {
    if (!this.#follow()) return;
    const to = Date.now() - VISIBILITY_LAG_MS;
    if (to <= this.#watermark) return;
    try {
      const rows = await this.store().query<{ model: string; version: string; n: number; errors: number; last_ts: number; bc: number[]; bs: number[] }>(
        `SELECT model, model_version AS version, count() AS n, countIf(error != '') AS errors,
                toUnixTimestamp64Milli(max(ts)) AS last_ts,
                countResampleIf(0, {nb:UInt32}, 1)(arrayCount(b -> b < latency_ms / 1000, {buckets:Array(Float64)}), isNotNull(latency_ms)) AS bc,
                sumResampleIf(0, {nb:UInt32}, 1)(latency_ms / 1000, arrayCount(b -> b < latency_ms / 1000, {buckets:Array(Float64)}), isNotNull(latency_ms)) AS bs
         FROM predictions
         WHERE ts >= fromUnixTimestamp64Milli({min_ts:Int64})
           AND ingested_at >= fromUnixTimestamp64Milli({from:Int64}) AND ingested_at < fromUnixTimestamp64Milli({to:Int64})
         GROUP BY model, model_version`,
        { params: { nb: LATENCY_BUCKETS.length + 1, buckets: LATENCY_BUCKETS, min_ts: this.#watermark - MAX_EVENT_AGE_MS, from: this.#watermark, to } },
      );
      for (const r of rows) {
        this.metrics.record(r.model, r.version, {
          n: Number(r.n),
          errors: Number(r.errors),
          lastTsMs: Number(r.last_ts),
          buckets: r.bc.map((c, i) => ({ count: Number(c), sum: Number(r.bs[i] ?? 0) })),
        });
      }
      this.#watermark = to;
    } catch (e) {
      // Next tick reads the same range again: nothing is skipped.
      this.logger.warn('model metrics collection failed', { error: describeError(e) });
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
