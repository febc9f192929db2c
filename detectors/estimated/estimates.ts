// Metric values of a classifier from confusion and rank sums: the names the
// score rows carry (prefixed estimated_ / realized_ there).
import { aucMetric, aucOf, confusionMetrics, type AucSums, type ClassifierTask, type ConfusionSums } from './metrics.ts';
import type { ClassLayout } from './score-sql.ts';

/** The headline metrics of a task, in row order. */
export function headlineMetrics(task: ClassifierTask): string[] {
  if (task === 'binary') return ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'];
  if (task === 'multiclass') return ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'roc_auc'];
  return ['accuracy'];
}

/**
 * Every metric by name: the headline ones and, multi-class, per class
 * "precision:<cls>", "recall:<cls>", "f1:<cls>", "roc_auc:<cls>".
 * `aucClasses` limits the multi-class macro AUC to some classes (realized
 * AUC averages over the classes present among the labels, as scikit-learn).
 */
export function classifierMetricValues(layout: ClassLayout, c: ConfusionSums, auc: readonly AucSums[], aucClasses?: (i: number) => boolean): Record<string, number | null> {
  const out: Record<string, number | null> = Object.fromEntries(confusionMetrics(layout.task, c, layout.classes));
  if (layout.task === 'confidence') return out;
  out.roc_auc = aucMetric(layout.task, auc, aucClasses);
  if (layout.task === 'multiclass') auc.forEach((a, i) => (out[`roc_auc:${layout.classes[i]}`] = aucOf(a)));
  return out;
}
