// The unit every detector produces and everything downstream consumes
// (drift_scores rows, Prometheus gauges, alert rules).

export type ScoreStatus = 'ok' | 'warn' | 'alert' | 'insufficient_data' | 'no_data' | 'no_labels' | 'error';

export interface ScoreRow {
  run_id: string;
  /** ISO timestamp of the run. */
  run_at: string;
  detector: string;
  window_start: string;
  window_end: string;
  /** How the baseline was chosen, e.g. "range:2026-11-01T00:00Z/2026-11-08T00:00Z", "previous", "version:v11", "dataset:train". */
  baseline: string;
  model: string;
  model_version: string;
  /** '' or "tag=value" for a tag segment. */
  segment: string;
  /** '' for model-level metrics (volume, latency, error rate, quality). */
  feature: string;
  metric: string;
  value: number | null;
  p_value: number | null;
  threshold: number | null;
  status: ScoreStatus;
  n_ref: number;
  n_cur: number;
  /** JSON with evidence (bins, categories, counts). */
  details: string;
  /** Deployment tags of the version (e.g. deployment: canary), for alert rules. */
  tags?: Record<string, string>;
}

/** The time window a run looks at, [start, end). */
export interface TimeWindow {
  start: Date;
  end: Date;
}
