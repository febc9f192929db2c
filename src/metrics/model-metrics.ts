// The model view: request volume, latency, errors and versions seen, per
// model and version, fed by ingest as events are stored.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { droppedSeriesCounter, SeriesCap } from './series-cap.ts';

export interface PredictionSample {
  model: string;
  version: string;
  /** null when the event had no latency. */
  latencyMs: number | null;
  error: boolean;
  /** Event time in ms since epoch. */
  ts: number;
}

/** Buckets in seconds, from 1 ms to 10 s: typical online inference. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class ModelMetrics {
  readonly #predictions: Counter<'model' | 'version'>;
  readonly #errors: Counter<'model' | 'version'>;
  readonly #latency: Histogram<'model' | 'version'>;
  readonly #lastSeen: Gauge<'model' | 'version'>;
  readonly #cap: SeriesCap;

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

  /** Record a batch of stored predictions, aggregated per version first. */
  observe(samples: Iterable<PredictionSample>): void {
    const byVersion = new Map<string, { labels: { model: string; version: string }; n: number; errors: number; lastTs: number; latencies: number[] }>();
    for (const s of samples) {
      const key = `${s.model}\u0000${s.version}`;
      let agg = byVersion.get(key);
      if (!agg) {
        if (!this.#cap.admit(key)) continue;
        agg = { labels: { model: s.model, version: s.version }, n: 0, errors: 0, lastTs: 0, latencies: [] };
        byVersion.set(key, agg);
      }
      agg.n++;
      if (s.error) agg.errors++;
      if (s.ts > agg.lastTs) agg.lastTs = s.ts;
      if (s.latencyMs !== null && Number.isFinite(s.latencyMs)) agg.latencies.push(s.latencyMs / 1000);
    }
    for (const agg of byVersion.values()) {
      this.#predictions.inc(agg.labels, agg.n);
      if (agg.errors > 0) this.#errors.inc(agg.labels, agg.errors);
      for (const l of agg.latencies) this.#latency.observe(agg.labels, l);
      this.#lastSeen.set(agg.labels, Math.max(agg.lastTs / 1000, 0));
    }
  }
}
