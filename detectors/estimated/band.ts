// The confidence band of an estimate, from the reference's sampling error
// (as NannyML's CBPE, which reports ±3 standard errors). Each metric is a
// mean of per-row terms over some rows; its standard deviation per row σ is
// read from the labelled reference and its standard error is
//   SE = σ · sqrt(1 / m_window + 1 / m_reference)
// where m counts the rows the metric averages over: the window's term is the
// sampling error of the window itself, the reference's term the error of the
// calibration fitted on it. Per metric:
//   accuracy   σ² = a(1 - a)            m = rows
//   precision  σ² = q(1 - q), q = prec  m = rows predicted as the class
//   recall     σ² = q(1 - q), q = rec   m = rows of the class (expected Σ p in the window)
//   F1         σ  = c · sqrt(q(1 - q)), q = TP / (TP + FP + FN), c = (TP + FP + FN) / (TP + ½(FP + FN))
//              m = TP + FP + FN (NannyML's per-row F1 terms: c for a TP, 0 for an FP or FN)
//   ROC AUC    Hanley & McNeil (1982): Var = [A(1 - A) + (P - 1)(Q1 - A²) + (N - 1)(Q2 - A²)] / (P N),
//              Q1 = A / (2 - A), Q2 = 2A² / (1 + A); the reference's A with the window's
//              expected positives P = Σ p and negatives N = Σ (1 - p), plus the reference's own.
// Macro averages: sqrt(Σ_c SE_c²) / K. The band is band_sigmas × SE. Without
// the calibration term these are NannyML's sampling errors for accuracy,
// precision, recall and F1 (its ROC AUC error uses the positives' rank spread).
import { accuracyOf, aucOf, classMetrics, type AucSums, type ClassifierTask, type ConfusionSums } from './metrics.ts';

export interface BandReference {
  task: ClassifierTask;
  /** Realized confusion sums of the reference (counts). */
  confusion: ConfusionSums;
  /** Realized rank sums of the reference, per class. */
  auc: AucSums[];
}

const inv = (m: number) => (m > 0 ? 1 / m : Infinity);

/** The two variances an estimate's standard error adds up: the window's sampling and the calibration's (reference). */
export interface VarianceParts {
  window: number;
  calibration: number;
}

const parts = (sigma2: number, mWindow: number, mRef: number): VarianceParts | null => {
  const p = { window: sigma2 * inv(mWindow), calibration: sigma2 * inv(mRef) };
  return Number.isFinite(p.window) && Number.isFinite(p.calibration) ? p : null;
};

function hanleyMcNeil(a: number, p: number, n: number): number | null {
  if (!(p > 0 && n > 0)) return null;
  const q1 = a / (2 - a);
  const q2 = (2 * a * a) / (1 + a);
  return Math.max(0, (a * (1 - a) + (p - 1) * (q1 - a * a) + (n - 1) * (q2 - a * a)) / (p * n));
}

/** Macro average of K classes: the variance of a mean of K independent estimates. */
function macro(list: ReadonlyArray<VarianceParts | null>): VarianceParts | null {
  if (list.length === 0 || list.some((p) => p === null)) return null;
  const k2 = list.length * list.length;
  return { window: list.reduce((s, p) => s + p!.window, 0) / k2, calibration: list.reduce((s, p) => s + p!.calibration, 0) / k2 };
}

/** Variance parts by metric name (accuracy, precision, ..., roc_auc) of the estimate over `window` (expected sums). */
export function varianceParts(ref: BandReference, window: ConfusionSums, windowAuc: readonly AucSums[]): Map<string, VarianceParts | null> {
  const out = new Map<string, VarianceParts | null>();
  const refAcc = accuracyOf(ref.task, ref.confusion);
  out.set('accuracy', refAcc === null ? null : parts(refAcc * (1 - refAcc), window.n, ref.confusion.n));
  if (ref.task === 'confidence') return out;

  const per = ref.confusion.classes.map((rc, i) => {
    const wc = window.classes[i] ?? { pred: 0, trueW: 0, tp: 0 };
    const m = classMetrics(rc);
    const mRef = rc.pred + rc.trueW - rc.tp;
    const q = mRef > 0 ? rc.tp / mRef : 0;
    const c = rc.tp + (mRef - rc.tp) / 2 > 0 ? mRef / (rc.tp + (mRef - rc.tp) / 2) : 0;
    return {
      precision: parts(m.precision * (1 - m.precision), wc.pred, rc.pred),
      recall: parts(m.recall * (1 - m.recall), wc.trueW, rc.trueW),
      f1: parts(c * c * q * (1 - q), wc.pred + wc.trueW - wc.tp, mRef),
    };
  });
  const auc = ref.auc.map((r, i): VarianceParts | null => {
    const a = aucOf(r);
    const w = windowAuc[i];
    if (a === null || !w) return null;
    const vw = hanleyMcNeil(a, w.pos, w.neg);
    const vr = hanleyMcNeil(a, r.pos, r.neg);
    return vw === null || vr === null ? null : { window: vw, calibration: vr };
  });
  if (ref.task === 'binary') {
    const c = per[0];
    out.set('precision', c?.precision ?? null).set('recall', c?.recall ?? null).set('f1', c?.f1 ?? null);
    out.set('roc_auc', auc[0] ?? null);
    return out;
  }
  out.set('precision_macro', macro(per.map((c) => c.precision)));
  out.set('recall_macro', macro(per.map((c) => c.recall)));
  out.set('f1_macro', macro(per.map((c) => c.f1)));
  out.set('roc_auc', macro(auc.filter((v) => v !== null)));
  return out;
}

/** Standard errors by metric name: sqrt(window + calibration variance). */
export function standardErrors(ref: BandReference, window: ConfusionSums, windowAuc: readonly AucSums[]): Map<string, number | null> {
  return new Map([...varianceParts(ref, window, windowAuc)].map(([k, v]) => [k, v === null ? null : Math.sqrt(v.window + v.calibration)]));
}
