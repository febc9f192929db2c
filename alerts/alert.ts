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
  /** End of the window the score was computed over (ISO), when the run said. */
  window_end?: string | undefined;
}

/**
 * What became of one of the rule's actions when the alert started firing.
 * `no_target`: a rollback with no healthy version to return to (reason
 * `no_healthy_target`); its payload is recorded in alert_outbox, not sent.
 */
export interface ActionRecord {
  action: string;
  type: 'retrain' | 'rollback';
  outcome: 'queued' | 'dry_run' | 'muted' | 'cooldown' | 'no_target';
  /** The webhook-id of the recorded message (queued, dry_run, no_target). */
  webhook_id?: string | undefined;
  /** Rollbacks: the version to return to, null when there is none. */
  target_version?: string | null | undefined;
  reason?: 'no_healthy_target' | undefined;
  at: string;
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
  /**
   * The window the last judgement was about (ms) and what it said. A later
   * run over the same window (late data re-scored) replaces that judgement
   * instead of counting as one more run; a run over an older window is
   * history and leaves the alert alone.
   */
  lastWindowEnd?: number | null | undefined;
  lastJudgement?: 'breach' | 'ok' | null | undefined;
  /** The actions of the current episode, as decided when it started firing. */
  actions?: ReadonlyArray<ActionRecord> | undefined;
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
