// Turns per-feature aggregates into report entries. Both the in-memory
// reference path and the pushed-down ClickHouse path produce these aggregates
// (counts, bin counts, the ECDF numerator), so the arithmetic lives once.
import { chi2Homogeneity } from '../stats/chi2.ts';
import { jensenShannon } from '../stats/js.ts';
import { ksTestFromNumerator } from '../stats/ks.ts';
import { missingShare } from '../stats/missing.ts';
import { newCategories } from '../stats/categories.ts';
import { psi } from '../stats/psi.ts';
import { DEFAULT_THRESHOLDS, featureSeverity, type SeverityThresholds } from '../stats/severity.ts';
import type { CategoricalFeatureReport, NumericFeatureReport } from './types.ts';

export interface SideCounts {
  /** All rows of the side. */
  rows: number;
  /** Rows whose value is missing for this column's type. */
  missing: number;
}

export interface EcdfAggregate {
  /** max |a*n_cur - b*n_ref| over values, a/b the counts at or below (see stats/ecdf.ts). */
  dNumerator: number;
  wasserstein: number;
  method: 'exact' | 'binned';
  wassersteinErrorBound?: number;
  /** How much larger dNumerator could be (binned method, cells left unrefined). */
  dErrorNumerator?: number;
}

export interface NumericAggregates {
  name: string;
  ref: SideCounts;
  cur: SideCounts;
  /** Reference deciles, duplicates removed; null when the reference has no values. */
  edges: number[] | null;
  binsRef: number[];
  binsCur: number[];
  /** Null when either side has no values. */
  ecdf: EcdfAggregate | null;
}

export interface CategoricalAggregates {
  name: string;
  ref: SideCounts;
  cur: SideCounts;
  /** Every category seen on either side, sorted by code point. */
  categories: string[];
  countsRef: number[];
  countsCur: number[];
}

export function numericFeature(a: NumericAggregates, t: SeverityThresholds = DEFAULT_THRESHOLDS): NumericFeatureReport {
  const nRef = a.ref.rows - a.ref.missing;
  const nCur = a.cur.rows - a.cur.missing;
  const both = nRef > 0 && nCur > 0;
  const missing_ref = missingShare(a.ref.missing, a.ref.rows);
  const missing_cur = missingShare(a.cur.missing, a.cur.rows);
  const psiValue = both ? psi(a.binsRef, a.binsCur) : null;
  const ks = both && a.ecdf ? ksTestFromNumerator(a.ecdf.dNumerator, nRef, nCur) : null;
  const report: NumericFeatureReport = {
    name: a.name,
    type: 'numeric',
    n_ref: nRef,
    n_cur: nCur,
    missing_ref,
    missing_cur,
    psi: psiValue,
    js: both ? jensenShannon(a.binsRef, a.binsCur) : null,
    severity: featureSeverity({ psi: psiValue, missing_ref, missing_cur }, t),
    wasserstein: both && a.ecdf ? a.ecdf.wasserstein : null,
    ks: ks ? { d: ks.d, p_value: ks.p_value, method: ks.method, ...(a.ecdf?.dErrorNumerator ? { d_error_bound: a.ecdf.dErrorNumerator / nRef / nCur } : {}) } : null,
    bin_edges: a.edges,
    counts: { ref: a.binsRef, cur: a.binsCur },
  };
  if (both && a.ecdf) {
    report.ecdf_method = a.ecdf.method;
    if (a.ecdf.wassersteinErrorBound !== undefined) report.wasserstein_error_bound = a.ecdf.wassersteinErrorBound;
  }
  return report;
}

export function categoricalFeature(a: CategoricalAggregates, t: SeverityThresholds = DEFAULT_THRESHOLDS): CategoricalFeatureReport {
  const nRef = a.ref.rows - a.ref.missing;
  const nCur = a.cur.rows - a.cur.missing;
  const both = nRef > 0 && nCur > 0;
  const missing_ref = missingShare(a.ref.missing, a.ref.rows);
  const missing_cur = missingShare(a.cur.missing, a.cur.rows);
  const psiValue = both ? psi(a.countsRef, a.countsCur) : null;
  return {
    name: a.name,
    type: 'categorical',
    n_ref: nRef,
    n_cur: nCur,
    missing_ref,
    missing_cur,
    psi: psiValue,
    js: both ? jensenShannon(a.countsRef, a.countsCur) : null,
    severity: featureSeverity({ psi: psiValue, missing_ref, missing_cur }, t),
    chi2: both ? chi2Homogeneity(a.countsRef, a.countsCur) : null,
    categories: a.categories,
    new_categories: newCategories(
      a.categories.filter((_, i) => (a.countsRef[i] as number) > 0),
      a.categories.filter((_, i) => (a.countsCur[i] as number) > 0),
    ),
    counts: { ref: a.countsRef, cur: a.countsCur },
  };
}
