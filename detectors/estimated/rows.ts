// Score rows of the estimated-quality detector, from sums and an artifact.
//  - estimated_<metric> for the current window: value the estimate, details
//    the band; alerts when it is at least `drop` below the reference's
//    realized value and the drop exceeds the band (error metrics: at
//    error_ratio × the reference and beyond the band).
//  - realized_<metric> for the window whose labels are due, with the
//    estimate of the same labelled rows in details, and estimate_error
//    (feature = the metric): realized - estimate, alert when outside the
//    band: the calibration no longer holds (concept drift, or the model's
//    scores changed meaning) and the reference should be refitted.
import type { ScoreRow, ScoreStatus, TimeWindow } from '../../src/core/score.ts';
import { finite } from '../operational/score-row.ts';
import type { Artifact, ClassifierReference, RegressionReference } from './artifact.ts';
import { standardErrors } from './band.ts';
import { classifierMetricValues, headlineMetrics } from './estimates.ts';
import { estimateRegression, type RegressionBinSums } from './regression.ts';
import type { ClassLayout } from './score-sql.ts';
import type { SegmentSums } from './sums.ts';

export const ESTIMATED_DETECTOR = 'estimated_quality';

export const RECALIBRATE_ADVICE =
  'the estimate missed the realized value by more than its band: the calibration no longer holds (concept drift, or the scores changed meaning); pin a recent labelled range as the reference to refit it';

export interface RowContext {
  runId: string;
  runAt: Date;
  window: TimeWindow;
  model: string;
  version: string;
  minCount: number;
  drop: number;
  errorRatio: number;
  bandSigmas: number;
}

interface Measured {
  segment: string;
  feature?: string;
  metric: string;
  value: number | null;
  threshold?: number | null;
  status: ScoreStatus;
  nRef: number;
  nCur: number;
  details: Record<string, unknown>;
}

export function row(c: RowContext, baseline: string, m: Measured): ScoreRow {
  return {
    run_id: c.runId,
    run_at: c.runAt.toISOString(),
    detector: ESTIMATED_DETECTOR,
    window_start: c.window.start.toISOString(),
    window_end: c.window.end.toISOString(),
    baseline,
    model: c.model,
    model_version: c.version,
    segment: m.segment,
    feature: m.feature ?? '',
    metric: m.metric,
    value: finite(m.value),
    p_value: null,
    threshold: finite(m.threshold),
    status: m.status,
    n_ref: Math.round(m.nRef),
    n_cur: Math.round(m.nCur),
    details: JSON.stringify(m.details),
  };
}

export function referenceLabel(a: Pick<Artifact, 'key'>): string {
  return `reference:${a.key.referenceFrom.toISOString()}/${a.key.referenceTo.toISOString()}`;
}

const LOWER_IS_BETTER = new Set(['mae', 'rmse']);

/** The judgement of an estimate against the reference's realized value. */
function judge(c: RowContext, metric: string, value: number | null, refValue: number | null, band: number | null, n: number): { status: ScoreStatus; threshold: number | null } {
  if (n < c.minCount) return { status: 'insufficient_data', threshold: null };
  if (value === null) return { status: 'no_data', threshold: null };
  if (refValue === null) return { status: 'ok', threshold: null };
  // Without a band (nothing in the window to average over) the estimate is not judged.
  const beyondBand = (gap: number) => band !== null && gap > band;
  if (LOWER_IS_BETTER.has(metric)) {
    const threshold = refValue * c.errorRatio;
    return { status: value >= threshold && value > refValue && beyondBand(value - refValue) ? 'alert' : 'ok', threshold };
  }
  const threshold = refValue - c.drop;
  return { status: value <= threshold && beyondBand(refValue - value) ? 'alert' : 'ok', threshold };
}

function artifactDetails(a: Artifact): Record<string, unknown> {
  return { calibration_version: a.artifactVersion, methods: Object.fromEntries(a.calibrations.map((k) => [k.cls, k.method])) };
}

function layoutOf(ref: ClassifierReference): ClassLayout {
  return { task: ref.task, classes: ref.classes, positive: ref.positive, negative: ref.negative };
}

/** estimated_* rows of one segment of the current window. */
export function classifierEstimateRows(c: RowContext, a: Artifact, s: SegmentSums): ScoreRow[] {
  const ref = a.reference as ClassifierReference;
  const layout = layoutOf(ref);
  const est = classifierMetricValues(layout, s.expected, s.auc);
  const se = standardErrors({ task: ref.task, confusion: ref.confusion, auc: ref.auc }, s.expected, s.auc);
  const common = { rows: s.rows, unscored: s.rows - s.expected.n, ...artifactDetails(a) };
  const out: ScoreRow[] = [];
  for (const metric of headlineMetrics(ref.task)) {
    const value = est[metric] ?? null;
    const stdErr = se.get(metric) ?? null;
    const band = stdErr === null ? null : c.bandSigmas * stdErr;
    const refValue = ref.values[metric] ?? null;
    const j = judge(c, metric, value, refValue, band, s.expected.n);
    out.push(
      row(c, referenceLabel(a), {
        segment: s.segment,
        metric: `estimated_${metric}`,
        value,
        threshold: j.threshold,
        status: j.status,
        nRef: ref.confusion.n,
        nCur: s.expected.n,
        details: { band, lower: bandEdge(value, band, -1), upper: bandEdge(value, band, 1), se: stdErr, reference: refValue, reference_estimate: ref.estimates[metric] ?? null, ...common },
      }),
    );
  }
  if (ref.task === 'multiclass' && s.expected.n >= c.minCount) {
    for (const cls of ref.classes) {
      for (const m of ['precision', 'recall', 'f1', 'roc_auc']) {
        const key = `${m}:${cls}`;
        out.push(row(c, referenceLabel(a), { segment: s.segment, feature: `class=${cls}`, metric: `estimated_${m}`, value: est[key] ?? null, status: 'ok', nRef: ref.confusion.n, nCur: s.expected.n, details: { reference: ref.values[key] ?? null } }));
      }
    }
  }
  return out;
}

const bandEdge = (v: number | null, band: number | null, sign: number) => (v === null || band === null ? null : v + sign * band);

/** realized_* and estimate_error rows of one segment of a window whose labels are due. */
export function classifierRealizedRows(c: RowContext, a: Artifact, s: SegmentSums): ScoreRow[] {
  const ref = a.reference as ClassifierReference;
  const layout = layoutOf(ref);
  // Multi-class AUC over the classes present among the labels, on both sides of the comparison.
  const present = (i: number) => (s.aucRealized[i]?.pos ?? 0) > 0 && (s.aucRealized[i]?.neg ?? 0) > 0;
  const realized = classifierMetricValues(layout, s.realized, s.aucRealized, present);
  const estLab = classifierMetricValues(layout, s.expectedLabelled, s.aucLabelled, present);
  const estAll = classifierMetricValues(layout, s.expected, s.auc);
  const se = standardErrors({ task: ref.task, confusion: ref.confusion, auc: ref.auc }, s.expectedLabelled, s.aucLabelled);
  return loopRows(c, a, s.segment, headlineMetrics(ref.task), { realized, estLab, estAll, se, labelled: s.realized.n, labelledRows: s.labelledRows, rows: s.rows, nRef: ref.confusion.n });
}

interface LoopInput {
  realized: Record<string, number | null>;
  estLab: Record<string, number | null>;
  estAll: Record<string, number | null>;
  se: Map<string, number | null>;
  /** Scored rows with a label; rows with a label; all rows. */
  labelled: number;
  labelledRows: number;
  rows: number;
  nRef: number;
}

function loopRows(c: RowContext, a: Artifact, segment: string, metrics: readonly string[], x: LoopInput): ScoreRow[] {
  const out: ScoreRow[] = [];
  const base = x.labelledRows === 0 ? 'no_labels' : x.labelled < c.minCount ? 'insufficient_data' : null;
  for (const metric of metrics) {
    const realized = x.realized[metric] ?? null;
    const estimate = x.estLab[metric] ?? null;
    const stdErr = x.se.get(metric) ?? null;
    const band = stdErr === null ? null : c.bandSigmas * stdErr;
    const common = { labelled: x.labelled, rows: x.rows, coverage: x.rows > 0 ? x.labelledRows / x.rows : null, ...artifactDetails(a) };
    out.push(
      row(c, referenceLabel(a), {
        segment,
        metric: `realized_${metric}`,
        value: base === 'no_labels' ? null : realized,
        status: base ?? (realized === null ? 'no_data' : 'ok'),
        nRef: x.nRef,
        nCur: x.labelled,
        details: { estimate, estimate_all_rows: x.estAll[metric] ?? null, band, ...common },
      }),
    );
    const error = realized === null || estimate === null ? null : realized - estimate;
    const status: ScoreStatus = base ?? (error === null || band === null ? 'no_data' : Math.abs(error) > band ? 'alert' : 'ok');
    out.push(
      row(c, referenceLabel(a), {
        segment,
        feature: metric,
        metric: 'estimate_error',
        value: base === 'no_labels' ? null : error,
        threshold: band,
        status,
        nRef: x.nRef,
        nCur: x.labelled,
        details: { realized, estimate, band, ...common, ...(status === 'alert' ? { advice: RECALIBRATE_ADVICE } : {}) },
      }),
    );
  }
  return out;
}

/** estimated_mae / estimated_rmse rows of one segment of the current window. */
export function regressionEstimateRows(c: RowContext, a: Artifact, s: RegressionBinSums): ScoreRow[] {
  const ref = a.reference as RegressionReference;
  const e = estimateRegression(ref, s.n);
  const common = { rows: s.rows, unscored: s.rows - e.n, ...artifactDetails(a) };
  const nRef = ref.n.reduce((t, v) => t + v, 0);
  return (['mae', 'rmse'] as const).map((metric) => {
    const value = e[metric];
    const stdErr = metric === 'mae' ? e.seMae : e.seRmse;
    const band = stdErr === null ? null : c.bandSigmas * stdErr;
    const refValue = ref.values[metric] ?? null;
    const j = judge(c, metric, value, refValue, band, e.n);
    return row(c, referenceLabel(a), {
      segment: s.segment,
      metric: `estimated_${metric}`,
      value,
      threshold: j.threshold,
      status: j.status,
      nRef,
      nCur: e.n,
      details: { band, lower: bandEdge(value, band, -1), upper: bandEdge(value, band, 1), se: stdErr, reference: refValue, ...common },
    });
  });
}

/** realized_mae / realized_rmse and estimate_error rows of a window whose labels are due. */
export function regressionRealizedRows(c: RowContext, a: Artifact, s: RegressionBinSums): ScoreRow[] {
  const ref = a.reference as RegressionReference;
  const lab = estimateRegression(ref, s.nLab);
  const all = estimateRegression(ref, s.n);
  const n = lab.n;
  const realized = { mae: n > 0 ? s.absSum / n : null, rmse: n > 0 ? Math.sqrt(s.sqSum / n) : null };
  return loopRows(c, a, s.segment, ['mae', 'rmse'], {
    realized,
    estLab: { mae: lab.mae, rmse: lab.rmse },
    estAll: { mae: all.mae, rmse: all.rmse },
    se: new Map([
      ['mae', lab.seMae],
      ['rmse', lab.seRmse],
    ]),
    labelled: n,
    labelledRows: s.labelledRows,
    rows: s.rows,
    nRef: ref.n.reduce((t, v) => t + v, 0),
  });
}
