// Classification metrics from confusion sums, the same formulas for the
// expected confusion matrix (CBPE) and for the realized one (labels):
//
// CBPE (Confidence-based Performance Estimation, as NannyML's CBPE): with p
// the calibrated probability that a row's true class is c, the row adds p to
// the expected count of (true c, predicted ŷ). Per class c:
//   E[TP_c] = Σ_{ŷ = c} p_c     E[FP_c] = Σ_{ŷ = c} (1 - p_c)
//   E[FN_c] = Σ_{ŷ ≠ c} p_c     E[TN_c] = Σ_{ŷ ≠ c} (1 - p_c)
// and the metrics are the usual functions of those counts (ratios of
// expectations): precision = TP / (TP + FP), recall = TP / (TP + FN),
// F1 = 2 TP / (2 TP + FP + FN) (0 where a denominator is 0, as scikit-learn's
// zero_division=0), accuracy = Σ_c TP_c / n (binary: (TP + TN) / n). For the
// realized matrix p is the indicator [y = c].
//
// Sums come per class in a fixed class list: binary holds the positive class
// only; "confidence" (a classifier that logs only the confidence of its
// prediction) holds one pseudo-class "correct" with ŷ always "predicted", so
// TP is the expected number of correct predictions and only accuracy exists.
//
// ROC AUC (expected): the area under the expected ROC curve. The model's own
// score ranks the rows; at each threshold t the expected TPR(t) =
// Σ_{s ≥ t} p / Σ p and FPR(t) = Σ_{s ≥ t} (1 - p) / Σ (1 - p); the trapezoid
// area equals the weighted Mann-Whitney statistic
//   Σ_i p_i · (Σ_{s_j < s_i} (1 - p_j) + ½ Σ_{s_j = s_i} (1 - p_j)) / (Σ p · Σ (1 - p)),
// which is NannyML's estimate_roc_auc when the calibration keeps the order of
// the scores. Realized AUC is the same with p = [y = c] (rank-based with
// mid-ranks, as scikit-learn). Multi-class: one-vs-rest macro.

export type ClassifierTask = 'binary' | 'multiclass' | 'confidence';

export interface ClassSums {
  /** Rows predicted as this class. */
  pred: number;
  /** Σ p (expected) or count (realized) of rows whose true class is this one. */
  trueW: number;
  /** Σ p over rows predicted as this class (expected), or the count (realized). */
  tp: number;
}

export interface ConfusionSums {
  n: number;
  classes: ClassSums[];
}

/** Weighted rank sums of one class: num = Σ_i w⁺_i (w⁻ below + ½ w⁻ tied). */
export interface AucSums {
  num: number;
  pos: number;
  neg: number;
}

const div = (a: number, b: number) => (b > 0 ? a / b : 0);
const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);

export interface ClassMetrics {
  precision: number;
  recall: number;
  f1: number;
}

export function classMetrics(c: ClassSums): ClassMetrics {
  return { precision: div(c.tp, c.pred), recall: div(c.tp, c.trueW), f1: div(2 * c.tp, c.pred + c.trueW) };
}

export function accuracyOf(task: ClassifierTask, s: ConfusionSums): number | null {
  if (s.n <= 0) return null;
  if (task === 'binary') {
    const c = s.classes[0]!;
    const tn = s.n - c.pred - (c.trueW - c.tp);
    return (c.tp + tn) / s.n;
  }
  return s.classes.reduce((t, c) => t + c.tp, 0) / s.n;
}

/**
 * Metric values by name: accuracy always; binary precision/recall/f1 (the
 * positive class); multi-class precision_macro/recall_macro/f1_macro and per
 * class "precision:<cls>" (also recall, f1).
 */
export function confusionMetrics(task: ClassifierTask, s: ConfusionSums, classNames: readonly string[]): Map<string, number | null> {
  const out = new Map<string, number | null>([['accuracy', accuracyOf(task, s)]]);
  if (task === 'confidence' || s.n <= 0) return out;
  const per = s.classes.map(classMetrics);
  if (task === 'binary') {
    const c = per[0]!;
    out.set('precision', c.precision).set('recall', c.recall).set('f1', c.f1);
    return out;
  }
  out.set('precision_macro', mean(per.map((c) => c.precision)));
  out.set('recall_macro', mean(per.map((c) => c.recall)));
  out.set('f1_macro', mean(per.map((c) => c.f1)));
  per.forEach((c, i) => {
    const name = classNames[i]!;
    out.set(`precision:${name}`, c.precision).set(`recall:${name}`, c.recall).set(`f1:${name}`, c.f1);
  });
  return out;
}

export function aucOf(a: AucSums): number | null {
  return a.pos > 0 && a.neg > 0 ? a.num / (a.pos * a.neg) : null;
}

/** Binary: the positive class's AUC; multi-class: the mean over the classes in `include` whose AUC exists. */
export function aucMetric(task: ClassifierTask, sums: readonly AucSums[], include: (i: number) => boolean = () => true): number | null {
  if (task === 'confidence') return null;
  if (task === 'binary') return sums[0] ? aucOf(sums[0]) : null;
  const parts = sums.flatMap((s, i) => {
    const a = include(i) ? aucOf(s) : null;
    return a === null ? [] : [a];
  });
  return mean(parts);
}
