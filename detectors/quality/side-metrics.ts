// What the quality queries hand back per side and version: metric values by
// name (per-class ones as "precision:<class>"), why a value is missing, and
// what judging and bookkeeping need besides.
import type { Side } from '../operational/sides.ts';

/** Per side and version: the metric values and what a row needs besides. */
export interface SideMetrics {
  values: Map<string, number | null>;
  /** Why a metric is null although labels exist. */
  reasons: Map<string, string>;
  correct: number;
  /** Classes seen in y_true ∪ y_pred (classification). */
  classes: string[];
  /** Labelled rows whose prediction is not a finite number (regression; excluded). */
  badPredictions: number;
}

export const sideKey = (side: Side, version: string) => `${side}\u0000${version}`;

export function emptyMetrics(): SideMetrics {
  return { values: new Map(), reasons: new Map(), correct: 0, classes: [], badPredictions: 0 };
}
