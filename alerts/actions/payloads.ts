// Bodies of the retrain and rollback webhooks. Reasons carry the scores and
// thresholds behind the alert and a parameterised query that reproduces each
// score from the drift_scores table (values bound, never spliced).
import type { Alert, Evidence } from '../alert.ts';

export const REPRODUCE_SQL = `SELECT run_id, run_at, detector, model, model_version, segment, feature, metric, value, p_value, threshold, status
FROM drift_scores
WHERE run_id = {run_id:String} AND model = {model:String} AND model_version = {model_version:String}
  AND segment = {segment:String} AND feature = {feature:String} AND metric = {metric:String}`;

export interface Reason {
  run_id: string;
  run_at: string;
  detector: string;
  metric: string;
  feature: string;
  segment: string;
  value: number | null;
  p_value: number | null;
  /** The rule threshold crossed (null when the detector status decided). */
  threshold: number | null;
  detector_threshold: number | null;
  status: string;
  severity: string;
  /** Run with the params bound, e.g. clickhouse-client --param_run_id=... or the driftwatch API. */
  sql: string;
  params: Record<string, string>;
}

export function reasonsOf(evidence: ReadonlyArray<Evidence>): Reason[] {
  return evidence.map((e) => ({
    run_id: e.run_id,
    run_at: e.run_at,
    detector: e.detector,
    metric: e.metric,
    feature: e.feature,
    segment: e.segment,
    value: e.value,
    p_value: e.p_value,
    threshold: e.threshold,
    detector_threshold: e.detector_threshold,
    status: e.status,
    severity: e.severity,
    sql: REPRODUCE_SQL,
    params: { run_id: e.run_id, model: e.model, model_version: e.model_version, segment: e.segment, feature: e.feature, metric: e.metric },
  }));
}

function alertPart(a: Alert): Record<string, unknown> {
  return {
    fingerprint: a.fingerprint,
    rule: a.rule,
    labels: a.labels,
    annotations: a.annotations,
    severity: a.severity,
    starts_at: new Date(a.firedAt ?? a.activeAt ?? a.updatedAt).toISOString(),
  };
}

export interface PayloadBase {
  id: string;
  action: string;
  createdAt: number;
  dryRun: boolean;
  alert: Alert;
}

/** Why a rollback has no target: no other version of the model has a healthy record. */
export const NO_HEALTHY_TARGET = 'no_healthy_target';

/**
 * A rollback body. With no healthy version on record, `target_version` is
 * null and `target_reason` says `no_healthy_target`: such a message is
 * recorded in the outbox (state no_target) and not sent.
 */
export function rollbackPayload(p: PayloadBase & { targetVersion: string | null }): Record<string, unknown> {
  return {
    type: 'rollback',
    id: p.id,
    action: p.action,
    created_at: new Date(p.createdAt).toISOString(),
    dry_run: p.dryRun,
    model: p.alert.labels.model ?? '',
    current_version: p.alert.labels.version ?? '',
    target_version: p.targetVersion,
    ...(p.targetVersion === null ? { target_reason: NO_HEALTHY_TARGET } : {}),
    alert: alertPart(p.alert),
    reasons: reasonsOf(p.alert.evidence),
  };
}

export function retrainPayload(p: PayloadBase): Record<string, unknown> {
  return {
    type: 'retrain',
    id: p.id,
    action: p.action,
    created_at: new Date(p.createdAt).toISOString(),
    dry_run: p.dryRun,
    model: p.alert.labels.model ?? '',
    version: p.alert.labels.version ?? '',
    alert: alertPart(p.alert),
    reasons: reasonsOf(p.alert.evidence),
  };
}
