// What a quality run needs beyond the operational context: how long labels
// may take to arrive, and per model the task and the positive class.
import type { MonitorContext } from '../operational/context.ts';

export type QualityTask = 'classification' | 'regression';

export interface QualityContext extends MonitorContext {
  /** A label counts when its ts is at most this long after the prediction's ts. @default 7d */
  labelHorizonMs: number;
  /**
   * Task per model. A model not listed is a classifier when any of its
   * current predictions has probabilities, a confidence or a non-numeric
   * prediction, else a regressor.
   */
  tasks?: Readonly<Record<string, QualityTask>>;
  /**
   * Positive class per model for the binary metrics (ROC AUC, log loss and
   * Brier from one score). Default: the greater of the two classes in
   * numpy.unique order, as scikit-learn's pos_label.
   */
  positiveClass?: Readonly<Record<string, string>>;
}

/** The detector name of every quality score. */
export const QUALITY_DETECTOR = 'quality';

export const DEFAULT_LABEL_HORIZON_MS = 7 * 86_400_000;
