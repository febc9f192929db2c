// Drift and quality scores as gauges: the latest value and status of every
// (model, version, feature, metric), with a cap on series. "Latest" is by
// window: a re-score of an older window (late data, a backfill) does not
// overwrite a newer window's value; a re-score of the same window does.
import { Gauge, type Registry } from 'prom-client';
import type { ScoreRow } from '../core/score.ts';
import { droppedSeriesCounter, SeriesCap } from './series-cap.ts';

const STATUS_CODE: Record<ScoreRow['status'], number> = { ok: 0, warn: 1, alert: 2, insufficient_data: -1, no_data: -2, no_labels: -3, error: -4 };

type Labels = 'model' | 'version' | 'feature' | 'metric';

export class ScoreGauges {
  readonly #value: Gauge<Labels>;
  readonly #status: Gauge<Labels>;
  readonly #cap: SeriesCap;
  /** Window end (ms) of the value each series shows. */
  readonly #windowEnd = new Map<string, number>();

  constructor(registry: Registry, maxSeries = 10_000) {
    this.#value = new Gauge({
      name: 'driftwatch_drift_score',
      help: 'Latest score of each detector metric (PSI, JS, KS D, Wasserstein, chi2, quality, ...), by model, version, feature and metric.',
      labelNames: ['model', 'version', 'feature', 'metric'],
      registers: [registry],
    });
    this.#status = new Gauge({
      name: 'driftwatch_drift_status',
      help: 'Latest status of each score: 0 ok, 1 warn, 2 alert, -1 insufficient data, -2 no data, -3 no labels, -4 error.',
      labelNames: ['model', 'version', 'feature', 'metric'],
      registers: [registry],
    });
    this.#cap = new SeriesCap('driftwatch_drift_score', maxSeries, droppedSeriesCounter(registry));
  }

  update(rows: Iterable<ScoreRow>): void {
    for (const r of rows) {
      const labels = { model: r.model, version: r.model_version, feature: r.segment ? `${r.feature}@${r.segment}` : r.feature, metric: r.metric };
      const key = `${labels.model}\u0000${labels.version}\u0000${labels.feature}\u0000${labels.metric}`;
      if (!this.#cap.admit(key)) continue;
      const end = Date.parse(r.window_end);
      if (!Number.isNaN(end)) {
        if (end < (this.#windowEnd.get(key) ?? -Infinity)) continue;
        this.#windowEnd.set(key, end);
      }
      if (r.value !== null && Number.isFinite(r.value)) this.#value.set(labels, r.value);
      else this.#value.remove(labels);
      this.#status.set(labels, STATUS_CODE[r.status]);
    }
  }
}
