// The model view: request volume, latency, errors and versions seen, per
// model and version, fed from the store by ModelMetricsCollector.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { droppedSeriesCounter, SeriesCap } from './series-cap.ts';

/** Buckets in seconds, from 1 ms to 10 s: typical online inference. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ModelMetrics {
  readonly #predictions: Counter<'model' | 'version'>;
  readonly #errors: Counter<'model' | 'version'>;
  readonly #latency: Histogram<'model' | 'version'>;
  readonly #lastSeen: Gauge<'model' | 'version'>;
  readonly #cap: SeriesCap;
  /** Told of every version recorded (for metrics.version_ttl). */
  onSeen: ((model: string, version: string) => void) | null = null;

  constructor(registry: Registry, maxVersions = 500) {
    this.#predictions = new Counter({
      name: 'driftwatch_model_predictions_total',
      help: 'Predictions stored, by model and version.',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    this.#errors = new Counter({
      name: 'driftwatch_model_prediction_errors_total',
      help: 'Predictions stored with a non-null error, by model and version.',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    this.#latency = new Histogram({
      name: 'driftwatch_model_latency_seconds',
      help: 'Inference latency reported by the model server, by model and version.',
      labelNames: ['model', 'version'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
    this.#lastSeen = new Gauge({
      name: 'driftwatch_model_version_last_seen_timestamp_seconds',
      help: 'Event time of the newest prediction of each model version (a version info series).',
      labelNames: ['model', 'version'],
      registers: [registry],
    });
    this.#cap = new SeriesCap('driftwatch_model_*', maxVersions, droppedSeriesCounter(registry));
  }

  /** Drop every series (this instance stopped owning the metrics role: another exports the totals). */
  reset(): void {
    for (const m of [this.#predictions, this.#errors, this.#latency, this.#lastSeen]) m.reset();
    this.#cap.clear();
  }

  /**
   * Record aggregates computed by the engine for one version: counts, the
   * newest event time, and per latency bucket (LATENCY_BUCKETS plus +Inf)
   * the count and the sum of latencies in seconds.
   */
  record(model: string, version: string, agg: { n: number; errors: number; lastTsMs: number; buckets: ReadonlyArray<{ count: number; sum: number }> }): void {
    if (agg.n <= 0 || !this.#cap.admit(`${model}\u0000${version}`)) return;
    this.onSeen?.(model, version);
    const labels = { model, version };
    this.#predictions.inc(labels, agg.n);
    if (agg.errors > 0) this.#errors.inc(labels, agg.errors);
    // The histogram has no bulk API: observing each bucket's mean once per
    // value lands every value in its own bucket and keeps _sum exact.
    for (const b of agg.buckets) {
      if (b.count <= 0) continue;
      const mean = b.sum / b.count;
      for (let i = 0; i < b.count; i++) this.#latency.observe(labels, mean);
    }
    this.#lastSeen.set(labels, Math.max(agg.lastTsMs / 1000, 0));
  }

  /** Drop the series of a version not seen for metrics.version_ttl. */
  removeVersion(model: string, version: string): number {
    const labels = { model, version };
    for (const m of [this.#predictions, this.#errors, this.#latency, this.#lastSeen]) m.remove(labels);
    this.#cap.forget(`${model}\u0000${version}`);
    return 4;
  }
}
