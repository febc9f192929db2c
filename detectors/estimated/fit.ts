// Fitting a classifier's calibration on the labelled reference: decide the
// layout (binary, multi-class, confidence only) from what the reference
// logged, cut each class's score at the reference's quantiles, let the
// engine count rows and positives per (fold, fine bin), choose and fit each
// class's calibrator in Node (calibrate.ts), then score the reference itself
// with it: its realized metrics are the baseline the estimates are judged
// against and its counts give the band (band.ts).
import type { Store } from '../../src/core/store/store.ts';
import { asBits, floatBits, floatFromBits } from '../compare/sql.ts';
import { sortClasses } from '../quality/metrics.ts';
import type { ClassCalibration, ClassifierReference } from './artifact.ts';
import { chooseCalibrator, type BinAggregate, type CalibrationMethod } from './calibrate.ts';
import { classifierMetricValues } from './estimates.ts';
import { CORRECT, type ClassLayout } from './score-sql.ts';
import type { Source } from './source.ts';
import { classifierSums, scoredRows } from './sums.ts';

export interface FitOptions {
  method: CalibrationMethod | 'auto';
  /** Fine bins of the score (quantiles of the reference). */
  bins: number;
  histogramBins: number;
  folds: number;
  positiveClass?: string | undefined;
  signal?: AbortSignal | undefined;
}

export type LayoutResult = { layout: ClassLayout; labelled: number } | { layout: null; labelled: number; reason: string };

/** What the labelled reference logged decides the layout. */
export async function classifierLayout(store: Store, src: Source, o: Pick<FitOptions, 'positiveClass' | 'signal'>): Promise<LayoutResult> {
  const [r] = await store.query<{ ys: string[]; yhats: string[]; keys: string[]; n: string; probs: string; conf: string }>(
    `SELECT groupUniqArray(1000)(y) AS ys, groupUniqArray(1000)(yhat) AS yhats, groupUniqArrayArray(1000)(mapKeys(probabilities)) AS keys,
            count() AS n, countIf(length(probabilities) > 0) AS probs, countIf(confidence IS NOT NULL) AS conf
     FROM (${src.sql}) WHERE lab = 1 AND segment = ''`,
    { params: src.params, signal: o.signal },
  );
  const labelled = Number(r?.n ?? 0);
  if (!r || labelled === 0) return { layout: null, labelled, reason: 'the reference has no labelled predictions' };
  const classes = sortClasses([...r.ys, ...r.yhats]);
  const pos = o.positiveClass ?? classes[classes.length - 1] ?? '';
  const binary = classes.length === 2 || (classes.length === 1 && o.positiveClass !== undefined);
  if (binary) {
    if (Number(r.probs) + Number(r.conf) === 0) return { layout: null, labelled, reason: 'the reference logs neither probabilities nor a confidence' };
    return { layout: { task: 'binary', classes: [pos], positive: pos, negative: classes.find((c) => c !== pos) ?? '' }, labelled };
  }
  if (classes.length < 2) return { layout: null, labelled, reason: `the reference has one class only (${classes[0] ?? ''}); set positive_class for a binary model` };
  if (Number(r.probs) > 0) return { layout: { task: 'multiclass', classes: sortClasses([...classes, ...r.keys]) }, labelled };
  if (Number(r.conf) > 0) return { layout: { task: 'confidence', classes: [CORRECT] }, labelled };
  return { layout: null, labelled, reason: 'the reference logs neither probabilities nor a confidence' };
}

const levels = (bins: number) => Array.from({ length: bins - 1 }, (_, k) => (k + 1) / bins);

/** Fit every class's calibrator and measure the reference. */
export async function fitClassifier(store: Store, src: Source, layout: ClassLayout, o: FitOptions): Promise<{ calibrations: ClassCalibration[]; reference: ClassifierReference }> {
  const rows = scoredRows(src, layout);
  const usable = `scored AND lab = 1 AND segment = ''`;
  const k = layout.classes.length;
  const q = await store.query<{ i: number; q: string[] }>(
    `SELECT i, ${asBits(`quantilesExact(${levels(o.bins).join(', ')})(s)`)} AS q
     FROM (SELECT arrayJoin(arrayEnumerate(S)) AS i, S[i] AS s FROM (${rows.sql}) WHERE ${usable}) GROUP BY i`,
    { params: rows.params, signal: o.signal },
  );
  const edges: number[][] = Array.from({ length: k }, () => []);
  for (const r of q) edges[Number(r.i) - 1] = [...new Set(r.q.map(floatFromBits))].sort((a, b) => a - b);

  const agg = await store.query<{ i: number; fold: number; bin: number; n: string; pos: string; sum_s: number; sum_s2: number; sum_ys: number }>(
    `SELECT i, cityHash64(event_id) % {folds:UInt32} AS fold, arrayCount(x -> s > x, arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), {fine_edges:Array(Array(String))}[i])) AS bin,
            count() AS n, sum(yt) AS pos, sum(s) AS sum_s, sum(s * s) AS sum_s2, sum(yt * s) AS sum_ys
     FROM (SELECT event_id, arrayJoin(arrayEnumerate(S)) AS i, S[i] AS s, YT[i] AS yt FROM (${rows.sql}) WHERE ${usable})
     GROUP BY i, fold, bin`,
    { params: { ...rows.params, folds: o.folds, fine_edges: edges.map((e) => e.map(floatBits)) }, signal: o.signal },
  );
  const folds: BinAggregate[][][] = edges.map((e) => Array.from({ length: o.folds }, () => Array.from({ length: e.length + 1 }, () => ({ n: 0, pos: 0, sumS: 0, sumS2: 0, sumYS: 0 }))));
  for (const r of agg) {
    const b = folds[Number(r.i) - 1]?.[Number(r.fold)]?.[Number(r.bin)];
    if (b) Object.assign(b, { n: Number(r.n), pos: Number(r.pos), sumS: Number(r.sum_s), sumS2: Number(r.sum_s2), sumYS: Number(r.sum_ys) });
  }
  const calibrations = layout.classes.map((cls, i): ClassCalibration => {
    const choice = chooseCalibrator(edges[i]!, folds[i]!, o.method, o.histogramBins);
    const all = folds[i]!.flat();
    return { cls, ...choice.calibrator, nRef: all.reduce((s, b) => s + b.n, 0), positives: all.reduce((s, b) => s + b.pos, 0), cvBrier: choice.cvBrier };
  });

  const sums = (await classifierSums(store, src, layout, calibrations, o.signal)).get('');
  if (!sums) throw new RangeError('the reference has no rows');
  const values = classifierMetricValues(layout, sums.realized, sums.aucRealized);
  const estimates = classifierMetricValues(layout, sums.expectedLabelled, sums.aucLabelled);
  return {
    calibrations,
    reference: { task: layout.task, classes: layout.classes, positive: layout.positive, negative: layout.negative, confusion: sums.realized, auc: sums.aucRealized, values, estimates },
  };
}
