// Label-based quality metrics from the aggregates the engine returns
// (confusion cells, calibration bins, rank sums, error sums). Definitions
// follow scikit-learn 1.9:
//  - accuracy_score: share of rows whose predicted class equals the label.
//  - precision/recall/f1 per class, precision_recall_fscore_support with
//    zero_division=0: precision = tp / (tp + fp), recall = tp / (tp + fn),
//    f1 = 2 tp / (2 tp + fp + fn), 0 where the denominator is 0.
//  - macro averages (average='macro'): the unweighted mean over the labels
//    present in y_true ∪ y_pred; macro F1 is the mean of per-class F1, not
//    the F1 of macro precision and recall.
//  - roc_auc_score: binary from the positive class's score; multi-class as
//    multi_class='ovr', average='macro' over the classes present in y_true.
//    Computed as the Mann-Whitney statistic with mid-ranks, which is exactly
//    sklearn's trapezoidal area with tied scores.
//  - log_loss: mean of -ln(clip(p_true, eps, 1 - eps)), eps = float64
//    machine epsilon, no renormalisation (as sklearn 1.9).
//  - brier_score_loss (binary): mean (p_pos - [y = pos])^2.
//  - expected calibration error (no sklearn function): 10 equal-width bins
//    on the confidence of the predicted class, (0, 0.1], (0.1, 0.2], ...,
//    (0.9, 1] with 0 in the first bin; ECE = Σ_b (n_b / N) |acc_b - conf_b|
//    where acc_b is the share of correct predictions in bin b and conf_b
//    their mean confidence.
//  - regression: mean_absolute_error, root_mean_squared_error and
//    mean_absolute_percentage_error = mean(|y - ŷ| / max(|y|, eps)) as a
//    fraction (not percent).

import { compareCodePoints } from '../stats/categories.ts';

/** numpy.finfo(numpy.float64).eps: sklearn's clip for log loss and floor for MAPE. */
export const FLOAT64_EPS = 2.220446049250313e-16;

export interface ConfusionCell {
  y: string;
  yhat: string;
  n: number;
}

export interface ClassScores {
  cls: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows with this label (tp + fn). */
  support: number;
}

export interface ClassificationScores {
  n: number;
  correct: number;
  accuracy: number | null;
  classes: string[];
  perClass: ClassScores[];
  precisionMacro: number | null;
  recallMacro: number | null;
  f1Macro: number | null;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Classes in numpy.unique's order: numerically when every class is a number, else by code point. */
export function sortClasses(classes: Iterable<string>): string[] {
  const list = [...new Set(classes)];
  if (list.every((c) => NUMERIC.test(c))) return list.sort((a, b) => Number(a) - Number(b));
  return list.sort(compareCodePoints);
}

const divide = (num: number, den: number) => (den === 0 ? 0 : num / den);

export function classificationScores(cells: readonly ConfusionCell[]): ClassificationScores {
  const tp = new Map<string, number>();
  const truth = new Map<string, number>();
  const predicted = new Map<string, number>();
  let n = 0;
  let correct = 0;
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  for (const c of cells) {
    n += c.n;
    add(truth, c.y, c.n);
    add(predicted, c.yhat, c.n);
    if (c.y === c.yhat) {
      correct += c.n;
      add(tp, c.y, c.n);
    }
  }
  const classes = sortClasses([...truth.keys(), ...predicted.keys()]);
  const perClass = classes.map((cls) => {
    const t = tp.get(cls) ?? 0;
    const trueSum = truth.get(cls) ?? 0;
    const predSum = predicted.get(cls) ?? 0;
    return { cls, precision: divide(t, predSum), recall: divide(t, trueSum), f1: divide(2 * t, trueSum + predSum), support: trueSum };
  });
  const mean = (f: (c: ClassScores) => number) => (perClass.length === 0 ? null : perClass.reduce((s, c) => s + f(c), 0) / perClass.length);
  return {
    n,
    correct,
    accuracy: n === 0 ? null : correct / n,
    classes,
    perClass,
    precisionMacro: mean((c) => c.precision),
    recallMacro: mean((c) => c.recall),
    f1Macro: mean((c) => c.f1),
  };
}

export interface CalibrationBin {
  /** 0..9; -1 for rows without a confidence. */
  bin: number;
  n: number;
  correct: number;
  confSum: number;
}

/** ECE over the bins; null when no row or any row lacks a confidence. */
export function expectedCalibrationError(bins: readonly CalibrationBin[]): number | null {
  let total = 0;
  let sum = 0;
  for (const b of bins) {
    if (b.n === 0) continue;
    if (b.bin < 0) return null;
    total += b.n;
    sum += Math.abs(b.correct - b.confSum);
  }
  // Σ (n_b / N) |correct_b / n_b - confSum_b / n_b| = Σ |correct_b - confSum_b| / N
  return total === 0 ? null : sum / total;
}

export interface RankSums {
  nPos: number;
  nNeg: number;
  /** Σ over positives of 2 (negatives scored lower) + (negatives tied): twice the Mann-Whitney U. */
  twiceU: number;
}

/** Area under the ROC curve from rank sums; null when a class is absent. */
export function aucFromRankSums(r: RankSums): number | null {
  if (r.nPos === 0 || r.nNeg === 0) return null;
  return r.twiceU / 2 / r.nPos / r.nNeg;
}

export interface RegressionSums {
  n: number;
  absSum: number;
  sqSum: number;
  apeSum: number;
}

export function regressionScores(s: RegressionSums): { mae: number | null; rmse: number | null; mape: number | null } {
  if (s.n === 0) return { mae: null, rmse: null, mape: null };
  return { mae: s.absSum / s.n, rmse: Math.sqrt(s.sqSum / s.n), mape: s.apeSum / s.n };
}
