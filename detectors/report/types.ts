// The report of `driftwatch compare --format json` (docs/statistics.md, "Report
// shape"). Fields beyond the contract's are marked "extra".
import type { Chi2Result } from '../stats/chi2.ts';
import type { KsMethod } from '../stats/ks.ts';
import type { Severity, SeverityThresholds } from '../stats/severity.ts';

export type FeatureType = 'numeric' | 'categorical';

interface FeatureBase {
  name: string;
  type: FeatureType;
  n_ref: number;
  n_cur: number;
  missing_ref: number | null;
  missing_cur: number | null;
  psi: number | null;
  js: number | null;
  severity: Severity;
  /** extra: per-bin (numeric) or per-category counts, for plots and audits. */
  counts: { ref: number[]; cur: number[] };
}

export interface KsReport {
  d: number;
  p_value: number;
  method: KsMethod;
  /** extra, large samples only: how much larger D could be (cells left unrefined); at most 0.005 by design. */
  d_error_bound?: number;
}

export interface NumericFeatureReport extends FeatureBase {
  type: 'numeric';
  wasserstein: number | null;
  ks: KsReport | null;
  bin_edges: number[] | null;
  /**
   * extra: how the ECDF statistics were computed. 'exact' walks every distinct
   * value; 'binned' (large samples) gets D exactly but Wasserstein from cells,
   * within `wasserstein_error_bound`.
   */
  ecdf_method?: 'exact' | 'binned';
  wasserstein_error_bound?: number;
}

export interface CategoricalFeatureReport extends FeatureBase {
  type: 'categorical';
  chi2: Chi2Result | null;
  categories: string[];
  new_categories: string[];
}

export type FeatureReport = NumericFeatureReport | CategoricalFeatureReport;

export interface CompareReport {
  reference: { rows: number; path?: string };
  current: { rows: number; path?: string };
  schema: { missing_in_current: string[]; new_in_current: string[] };
  features: FeatureReport[];
  drifted: string[];
  /** extra: the thresholds the severities were judged by. */
  thresholds: SeverityThresholds;
}
