// Per-row arrays over the classes of a classifier, as SQL over the columns
// of source.ts: S the model's raw score per class, P the calibrated
// probability per class, YP [ŷ = class], YT [y = class]; `scored` says the
// row carries what its task needs. The class list per task:
//   binary      [positive]: S = the positive class's score (probabilities,
//               else from the confidence), P = its calibration;
//   multiclass  every class: S = probabilities[class], P = calibrated per
//               class one-vs-rest, then normalised to sum 1 (as NannyML);
//   confidence  ["correct"]: S = confidence, YP = 1, YT = [y = ŷ], so P is
//               the calibrated probability that the prediction is right.
// Calibrators travel as bound parameters of exact bit patterns (edges,
// values: one array per class); an empty values array means the raw score.
import type { QueryParams } from '../../src/core/store/store.ts';
import { floatBits } from '../compare/sql.ts';
import { POSITIVE_SCORE } from '../quality/sql.ts';
import type { Calibrator } from './calibrate.ts';
import type { ClassifierTask } from './metrics.ts';

export interface ClassLayout {
  task: ClassifierTask;
  /** Class names in array order (binary: [positive]; confidence: ["correct"]). */
  classes: string[];
  /** Binary only: the two classes. */
  positive?: string;
  negative?: string;
}

export const CORRECT = 'correct';

const nestedFloats = (param: string) => `arrayMap(a -> arrayMap(x -> reinterpretAsFloat64(toUInt64(x)), a), {${param}:Array(Array(String))})`;

export interface RowArrays {
  /** Columns to add to a SELECT over the source: scored, S, YP, YT, P. */
  select: string;
  params: QueryParams;
}

/** Calibrators in class order; without them P is the raw score (used while fitting). */
export function rowArrays(layout: ClassLayout, calibrators?: readonly Pick<Calibrator, 'edges' | 'values'>[]): RowArrays {
  const params: QueryParams = { classes: layout.classes };
  let scored: string;
  let s: string;
  let yp: string;
  let yt: string;
  if (layout.task === 'binary') {
    params.pos = layout.positive ?? '';
    params.neg = layout.negative ?? '';
    scored = `(${POSITIVE_SCORE}) IS NOT NULL`;
    s = `[toFloat64(ifNull(${POSITIVE_SCORE}, 0))]`;
    yp = `[toUInt8(yhat = {pos:String})]`;
    yt = `[toUInt8(y = {pos:String})]`;
  } else if (layout.task === 'multiclass') {
    scored = 'length(probabilities) > 0';
    s = `arrayMap(c -> toFloat64(probabilities[c]), {classes:Array(String)})`;
    yp = `arrayMap(c -> toUInt8(yhat = c), {classes:Array(String)})`;
    yt = `arrayMap(c -> toUInt8(y = c), {classes:Array(String)})`;
  } else {
    scored = 'confidence IS NOT NULL';
    s = `[toFloat64(ifNull(confidence, 0))]`;
    yp = `[toUInt8(1)]`;
    yt = `[toUInt8(y = yhat)]`;
  }
  let p = 'S';
  if (calibrators) {
    params.cal_edges = calibrators.map((c) => c.edges.map(floatBits));
    params.cal_values = calibrators.map((c) => c.values.map(floatBits));
    const cal = `arrayMap((s, e, v) -> least(greatest(if(empty(v), s, v[arrayCount(x -> s > x, e) + 1]), 0), 1), S, ${nestedFloats('cal_edges')}, ${nestedFloats('cal_values')})`;
    p = layout.task === 'multiclass' ? `arrayMap(x -> if(arraySum(C) > 0, x / arraySum(C), x), ${cal} AS C)` : cal;
  }
  return { select: `${scored} AS scored, ${s} AS S, ${yp} AS YP, ${yt} AS YT, ${p} AS P`, params };
}
