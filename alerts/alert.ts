// The alert as the engine keeps it: identity (fingerprint of its labels),
// the pending -> firing -> resolved lifecycle and the score rows behind it.
import type { Severity } from './config.ts';
import type { Labels } from './labels.ts';
import type { ScoreStatus } from './score.ts';

export type AlertState = 'inactive' | 'pending' | 'firing' | 'resolved';

/** One score row that breached, as it is kept for notifications and rollback reasons. */
export interface Evidence {
  run_id: string;
  run_at: string;
  detector: string;
  model: string;
  model_version: string;
  segment: string;
  feature: string;
  metric: string;
  value: number | null;
  p_value: number | null;
  /** The detector's own threshold. */
  detector_threshold: number | null;
  /** The rule threshold that was crossed (null when the detector status decided). */
  threshold: number | null;
  status: ScoreStatus;
  severity: Severity;
}

export interface Alert {
  fingerprint: string;
  rule: string;
  /** Identity labels plus severity. */
  labels: Labels;
  annotations: Readonly<Record<string, string>>;
  state: AlertState;
  severity: Severity;
  value: number | null;
  threshold: number | null;
  /** Consecutive breaching runs of the current episode. */
  breachRuns: number;
  /** Consecutive healthy runs since the last breach. */
  okRuns: number;
  /** First breach of the current episode (ms). */
  activeAt: number | null;
  firedAt: number | null;
  lastBreachAt: number | null;
  resolvedAt: number | null;
  lastRunId: string;
  /** The most recent breaching rows, newest last. */
  evidence: ReadonlyArray<Evidence>;
  updatedAt: number;
}

export const MAX_EVIDENCE = 10;

export interface AlertTransition {
  fingerprint: string;
  rule: string;
  labels: Labels;
  from: AlertState;
  to: AlertState;
  at: number;
  run_id: string;
  severity: Severity;
  value: number | null;
  threshold: number | null;
}
