// Label-based model quality per model, version and window, compared with a
// baseline window or the champion version. The engine joins labels to
// predictions and aggregates (confusion cells, calibration bins, rank sums,
// error sums); Node turns those few rows into the metrics of metrics.ts.
//
// Status of a metric row: no_labels when no prediction of the window has a
// label yet (no alert), insufficient_data below minCount usable labels, else
// compared with the baseline when it has minCount usable labels itself:
// score metrics (accuracy, macro precision/recall/F1, ROC AUC) alert on a
// drop of at least qualityDrop (accuracy also needs the one-sided
// two-proportion z-test below alpha); error metrics (log loss, Brier, ECE,
// MAE, RMSE, MAPE) alert at qualityErrorRatio times the baseline. Per-class
// rows (feature "class=<name>") are for reading, never alert.
//
// Bad input is counted, per version: labels_late (arrived after the label
// horizon; excluded), labels_invalid (a label the task cannot use, e.g. not a
// number for a regressor; excluded), labels_duplicate (extra arrivals for an
// event; the newest label won), and per model labels_unknown (labels in the
// window for events with no prediction within the horizon; kept in the
// labels table).
import type { Store } from '../../src/core/store/store.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import { validateContext } from '../operational/context.ts';
import { twoProportionZTest } from '../operational/proportions.ts';
import { scoreRow } from '../operational/score-row.ts';
import { pairSides, type Side } from '../operational/sides.ts';
import { loadDeploymentTags, withTags } from '../operational/tags.ts';
import { classificationMetrics } from './classification.ts';
import { QUALITY_DETECTOR, type QualityContext, type QualityTask } from './context.ts';
import { regressionMetrics } from './regression.ts';
import { sideKey, type SideMetrics } from './side-metrics.ts';
import { CLASS_LABEL_OK, labelledSource, NUMERIC_LABEL_OK } from './sql.ts';
import { modelTasks } from './task.ts';
import { unknownLabels } from './unknown-labels.ts';


type Direction = 'higher' | 'lower' | 'info';

interface Summary {
  side: Side;
  model: string;
  model_version: string;
  predictions: number;
  labelled: number;
  late: number;
  invalid: number;
  matched: number;
  duplicates: number;
}

const num = (v: unknown) => Number(v);

export async function qualityMonitor(store: Store, ctx: QualityContext): Promise<ScoreRow[]> {
  validateContext(ctx);
  const models = await modelTasks(store, ctx);
  const out: ScoreRow[] = [];
  for (const { model, task } of models) out.push(...(await modelQuality(store, { ...ctx, model }, task)));
  return withTags(out, await loadDeploymentTags(store, ctx));
}

async function modelQuality(store: Store, ctx: QualityContext & { model: string }, task: QualityTask): Promise<ScoreRow[]> {
  const labelOk = task === 'classification' ? CLASS_LABEL_OK : NUMERIC_LABEL_OK;
  const left = labelledSource(ctx, 'LEFT');
  const summaries = (
    await store.query<Summary>(
      `SELECT side, {model:String} AS model, model_version, count() AS predictions, countIf(has_label = 1) AS labelled,
              countIf(has_label = 1 AND NOT in_horizon) AS late,
              countIf(has_label = 1 AND in_horizon AND NOT (${labelOk})) AS invalid,
              countIf(has_label = 1 AND in_horizon AND ${labelOk}) AS matched,
              sumIf(greatest(toInt64(arrivals) - 1, 0), has_label = 1) AS duplicates
       FROM (${left.sql}) GROUP BY side, model_version`,
      { params: { ...left.params, model: ctx.model }, signal: ctx.signal },
    )
  ).map((r) => ({ ...r, predictions: num(r.predictions), labelled: num(r.labelled), late: num(r.late), invalid: num(r.invalid), matched: num(r.matched), duplicates: num(r.duplicates) }));

  const metrics = task === 'classification' ? await classificationMetrics(store, ctx) : await regressionMetrics(store, ctx);
  const out: ScoreRow[] = [];
  for (const p of pairSides(summaries, ctx)) {
    const cur = p.cur[0];
    const ref = p.ref[0];
    if (!cur || cur.predictions === 0) continue;
    out.push(...versionRows(ctx, task, p.version, cur, ref, metrics.get(sideKey('cur', cur.model_version)), ref ? metrics.get(sideKey('ref', ref.model_version)) : undefined));
  }
  out.push(await unknownLabels(store, ctx));
  return out;
}

const CLASSIFICATION_METRICS: ReadonlyArray<[string, Direction]> = [
  ['accuracy', 'higher'],
  ['precision_macro', 'higher'],
  ['recall_macro', 'higher'],
  ['f1_macro', 'higher'],
  ['roc_auc', 'higher'],
  ['log_loss', 'lower'],
  ['brier', 'lower'],
  ['ece', 'lower'],
];
const REGRESSION_METRICS: ReadonlyArray<[string, Direction]> = [
  ['mae', 'lower'],
  ['rmse', 'lower'],
  ['mape', 'lower'],
];

function versionRows(ctx: QualityContext, task: QualityTask, version: string, cur: Summary, ref: Summary | undefined, mCur: SideMetrics | undefined, mRef: SideMetrics | undefined): ScoreRow[] {
  const t = ctx.thresholds;
  const nCur = cur.matched;
  const nRef = ref?.matched ?? 0;
  const refUsable = nRef >= ctx.minCount;
  const base = { model: cur.model, version, n_cur: nCur, n_ref: nRef };
  const out: ScoreRow[] = [];

  const judged = (metric: string, dir: Direction, feature = '', valueKey = metric): ScoreRow => {
    const value = mCur?.values.get(valueKey) ?? null;
    const refValue = mRef?.values.get(valueKey) ?? null;
    let status: ScoreStatus;
    let threshold: number | null = null;
    let pValue: number | null = null;
    if (cur.labelled === 0) status = 'no_labels';
    else if (nCur < ctx.minCount) status = 'insufficient_data';
    else if (value === null) status = 'no_data';
    else if (dir === 'info' || !refUsable || refValue === null) status = 'ok';
    else if (dir === 'higher') {
      threshold = refValue - t.qualityDrop;
      if (metric === 'accuracy' && mCur && mRef) pValue = twoProportionZTest(mCur.correct, nCur, mRef.correct, nRef, 'smaller').p_value;
      status = value <= threshold && (pValue === null || pValue < t.alpha) ? 'alert' : 'ok';
    } else {
      threshold = refValue * t.qualityErrorRatio;
      status = value >= threshold && value > refValue ? 'alert' : 'ok';
    }
    const reason = mCur?.reasons.get(valueKey);
    return scoreRow(ctx, QUALITY_DETECTOR, {
      ...base,
      feature,
      metric,
      value: cur.labelled === 0 ? null : value,
      p_value: pValue,
      threshold,
      status,
      details: { ref: refValue, task, ...(reason ? { reason } : {}), ...(refUsable ? {} : { baseline: nRef === 0 ? 'no_labels' : 'insufficient_data' }) },
    });
  };

  for (const [metric, dir] of task === 'classification' ? CLASSIFICATION_METRICS : REGRESSION_METRICS) out.push(judged(metric, dir));
  if (task === 'classification' && mCur && cur.labelled > 0) {
    for (const cls of mCur.classes) {
      for (const m of ['precision', 'recall', 'f1']) out.push(judged(m, 'info', `class=${cls}`, `${m}:${cls}`));
    }
  }

  const count = (metric: string, value: number, refValue: number | null, extra: Record<string, unknown> = {}): ScoreRow =>
    scoreRow(ctx, QUALITY_DETECTOR, {
      ...base,
      metric,
      value,
      status: metric === 'labels_matched' && cur.labelled === 0 ? 'no_labels' : 'ok',
      details: { ref: refValue, ...extra },
    });
  out.push(
    count('labels_matched', nCur, ref?.matched ?? null, { predictions: cur.predictions, coverage: cur.predictions > 0 ? nCur / cur.predictions : null, ...(mCur?.badPredictions ? { predictions_non_numeric: mCur.badPredictions } : {}) }),
    count('labels_late', cur.late, ref?.late ?? null, { horizon_ms: ctx.labelHorizonMs }),
    count('labels_invalid', cur.invalid, ref?.invalid ?? null),
    count('labels_duplicate', cur.duplicates, ref?.duplicates ?? null),
  );
  return out;
}

