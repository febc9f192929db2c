// Drift and quality scores as gauges: the latest value and status of every
// (model, version, detector, segment, feature, metric), with a cap on
// series. The detector is a label, so two jobs scoring the same feature
// against different baselines are two series; the segment is its own label.
// "Latest" is by window: a re-score of an older window (late data, a
// backfill) does not overwrite a newer window's value; a re-score of the
// same window does.
//
// The status is one 0/1 series per status (the Prometheus way to export an
// enum, as kube-state-metrics does): `driftwatch_drift_status{status="alert"}
// == 1` selects what is alerting, and max() or sum() never mix states.
import { Gauge, type Registry } from 'prom-client';
import type { ScoreRow } from '../core/score.ts';
import { droppedSeriesCounter, SeriesCap } from './series-cap.ts';

export const SCORE_STATUSES: ReadonlyArray<ScoreRow['status']> = ['ok', 'warn', 'alert', 'insufficient_data', 'no_data', 'no_labels', 'error'];

const LABELS = ['model', 'version', 'detector', 'segment', 'feature', 'metric'] as const;
type Label = (typeof LABELS)[number];
type Labels = Record<Label, string>;

export class ScoreGauges {
  readonly #value: Gauge<Label>;
  readonly #status: Gauge<Label | 'status'>;
  readonly #cap: SeriesCap;
  /** Per series key: its labels and the window end (ms) of the value it shows. */
  readonly #series = new Map<string, { labels: Labels; windowEnd: number }>();

  constructor(registry: Registry, maxSeries = 10_000) {
    this.#value = new Gauge({
      name: 'driftwatch_drift_score',
      help: 'Latest score of each detector metric (PSI, JS, KS D, Wasserstein, chi2, quality, ...), by model, version, detector, segment, feature and metric.',
      labelNames: [...LABELS],
      registers: [registry],
    });
    this.#status = new Gauge({
      name: 'driftwatch_drift_status',
      help: `Latest status of each score: 1 for its current status, 0 for the others (${SCORE_STATUSES.join(', ')}).`,
      labelNames: [...LABELS, 'status'],
      registers: [registry],
    });
    this.#cap = new SeriesCap('driftwatch_drift_score', maxSeries, droppedSeriesCounter(registry));
  }

  update(rows: Iterable<ScoreRow>): void {
    for (const r of rows) {
      const labels: Labels = { model: r.model, version: r.model_version, detector: r.detector, segment: r.segment, feature: r.feature, metric: r.metric };
      const key = LABELS.map((l) => labels[l]).join('\u0000');
      if (!this.#cap.admit(key)) continue;
      const end = Date.parse(r.window_end);
      const prev = this.#series.get(key);
      if (!Number.isNaN(end) && end < (prev?.windowEnd ?? -Infinity)) continue;
      this.#series.set(key, { labels, windowEnd: Number.isNaN(end) ? (prev?.windowEnd ?? -Infinity) : end });
      if (r.value !== null && Number.isFinite(r.value)) this.#value.set(labels, r.value);
      else this.#value.remove(labels);
      for (const s of SCORE_STATUSES) this.#status.set({ ...labels, status: s }, s === r.status ? 1 : 0);
    }
  }

  /** Drop every series of a model version (it has not been seen for metrics.version_ttl). */
  removeVersion(model: string, version: string): number {
    let n = 0;
    for (const [key, s] of this.#series) {
      if (s.labels.model !== model || s.labels.version !== version) continue;
      this.#value.remove(s.labels);
      for (const st of SCORE_STATUSES) this.#status.remove({ ...s.labels, status: st });
      this.#series.delete(key);
      this.#cap.forget(key);
      n++;
    }
    return n;
  }
}
