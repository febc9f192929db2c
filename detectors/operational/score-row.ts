// Builds ScoreRows for the monitors: the run's identity, window and baseline
// are filled in once here, so each monitor states only what it measured.
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import { baselineLabel, type MonitorContext } from './context.ts';

export interface Measured {
  model: string;
  version: string;
  feature?: string;
  metric: string;
  value: number | null;
  p_value?: number | null;
  threshold?: number | null;
  status: ScoreStatus;
  n_ref?: number;
  n_cur?: number;
  /**
   * Evidence. Every comparative metric carries `ref`: the baseline's value of
   * the same metric (1 for a ratio, 0 for a delta or a count of changes), so a
   * report can put both sides next to each other.
   */
  details?: Record<string, unknown>;
}

/** NaN and infinities are not numbers a gauge or JSON can carry. */
export function finite(x: number | null | undefined): number | null {
  return x === null || x === undefined || !Number.isFinite(x) ? null : x;
}

export function scoreRow(ctx: MonitorContext, detector: string, m: Measured): ScoreRow {
  return {
    run_id: ctx.runId,
    run_at: ctx.runAt.toISOString(),
    detector,
    window_start: ctx.window.start.toISOString(),
    window_end: ctx.window.end.toISOString(),
    baseline: baselineLabel(ctx.baseline),
    model: m.model,
    model_version: m.version,
    segment: '',
    feature: m.feature ?? '',
    metric: m.metric,
    value: finite(m.value),
    p_value: finite(m.p_value),
    threshold: finite(m.threshold),
    status: m.status,
    n_ref: m.n_ref ?? 0,
    n_cur: m.n_cur ?? 0,
    details: m.details === undefined ? '' : JSON.stringify(m.details),
  };
}
