// The input contract between the detectors and the alert engine: after every
// detector run the scheduler hands the engine the rows that run wrote.

export type ScoreStatus = 'ok' | 'warn' | 'alert' | 'insufficient_data' | 'no_data' | 'no_labels' | 'error';

export interface ScoreRow {
  run_id: string;
  /** ISO timestamp of the run. */
  run_at: string;
  detector: string;
  model: string;
  model_version: string;
  segment: string;
  /** '' for model-level metrics such as volume. */
  feature: string;
  /** psi, js, ks, wasserstein, chi2, missing_share_delta, volume_drop, error_rate, accuracy, ... */
  metric: string;
  value: number | null;
  p_value: number | null;
  threshold: number | null;
  status: ScoreStatus;
  /** Segment tags of the traffic scored, e.g. { deployment: 'canary' }. */
  tags?: Record<string, string>;
}

export interface ScoreRun {
  run_id: string;
  /** ISO timestamp of the run. */
  run_at: string;
  scores: ReadonlyArray<ScoreRow>;
}

/** Statuses that judge health; any other (insufficient_data, no_data, no_labels, error) neither advances nor resets an alert. */
const JUDGING: ReadonlySet<string> = new Set(['ok', 'warn', 'alert']);

export function isSilentStatus(status: string): boolean {
  return !JUDGING.has(status);
}
