// Score rows of one comparison, written from its feature reports. Per feature:
// psi, js, ks_d and wasserstein (numeric) or chi2 and new_categories
// (categorical), missing_share_delta and severity; confidence and prediction
// rows at model level (feature ''). Below min_samples a metric's status is
// insufficient_data; p-values of tests go on to Benjamini-Hochberg (detector.ts).
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import { missingSeverity, psiSeverity, worseSeverity, type Severity, type SeverityThresholds } from '../stats/severity.ts';
import type { CategoricalFeatureReport, NumericFeatureReport } from '../report/types.ts';
import type { Side } from '../operational/sides.ts';
import type { DriftThresholds } from './config.ts';
import type { Metric } from './plan.ts';

/** Categories listed in a row's details (the most frequent); counts of the rest are summed. */
export const DETAIL_CATEGORIES = 50;

const SEVERITY_VALUE: Record<Severity, number> = { none: 0, warn: 1, alert: 2 };
export const SEVERITY_STATUS: Record<Severity, ScoreStatus> = { none: 'ok', warn: 'warn', alert: 'alert' };

export interface Pending {
  row: ScoreRow;
  /** For BH: the row's raw p-value takes part. */
  test: boolean;
}

type Extra = Partial<ScoreRow> & { test?: boolean; detailsObj?: Record<string, unknown>; n_ref: number; n_cur: number };

export function thresholdsOf(t: DriftThresholds): SeverityThresholds {
  return { psiWarn: t.psi_warn, psiAlert: t.psi_alert, missingWarn: t.missing_warn, missingAlert: t.missing_alert };
}

export class RowWriter {
  readonly out: Pending[] = [];
  readonly sev: SeverityThresholds;

  constructor(
    private readonly base: Omit<ScoreRow, 'feature' | 'metric' | 'value' | 'p_value' | 'threshold' | 'status' | 'details' | 'n_ref' | 'n_cur'>,
    readonly t: DriftThresholds,
    private readonly minSamples: number,
    private readonly metrics: ReadonlySet<Metric>,
    private readonly events: Record<Side, number>,
  ) {
    this.sev = thresholdsOf(t);
  }

  enough(nRef: number, nCur: number): boolean {
    return nRef >= this.minSamples && nCur >= this.minSamples;
  }

  push(feature: string, metric: string, value: number | null, status: ScoreStatus, extra: Extra): void {
    const { test, detailsObj, ...rest } = extra;
    const v = value === null || !Number.isFinite(value) ? null : value;
    this.out.push({
      row: { ...this.base, feature, metric, value: v, p_value: null, threshold: null, status: v === null && status !== 'insufficient_data' ? 'insufficient_data' : status, details: JSON.stringify(detailsObj ?? {}), ...rest },
      test: Boolean(test) && v !== null && rest.p_value !== null && rest.p_value !== undefined,
    });
  }

  /** The distribution rows of a feature (prefix '') or of confidence/prediction (prefix 'confidence_', 'prediction_'). */
  featureRows(name: string, prefix: string, r: NumericFeatureReport | CategoricalFeatureReport, missingRows: boolean): void {
    const ok = this.enough(r.n_ref, r.n_cur);
    const judged = (s: ScoreStatus): ScoreStatus => (ok ? s : 'insufficient_data');
    const n = { n_ref: r.n_ref, n_cur: r.n_cur };
    const psiBand = psiSeverity(r.psi, this.sev);
    if (this.metrics.has('features') || prefix) {
      const evidence = r.type === 'numeric' ? { type: r.type, bin_edges: r.bin_edges, counts: r.counts } : { type: r.type, ...topCategories(r.categories, r.counts.ref, r.counts.cur) };
      this.push(name, `${prefix}psi`, r.psi, judged(SEVERITY_STATUS[psiBand]), { ...n, threshold: this.t.psi_alert, detailsObj: evidence });
      this.push(name, `${prefix}js`, r.js, judged('ok'), { ...n });
      if (r.type === 'numeric') this.numericRows(name, prefix, r, ok);
      else this.categoricalRows(name, prefix, r, ok);
    }
    if (!prefix) this.featureLevelRows(name, r, ok, psiBand, missingRows);
  }

  private numericRows(name: string, prefix: string, r: NumericFeatureReport, ok: boolean): void {
    const n = { n_ref: r.n_ref, n_cur: r.n_cur };
    const judged = (s: ScoreStatus): ScoreStatus => (ok ? s : 'insufficient_data');
    const ksDetails: Record<string, unknown> = { method: r.ks?.method ?? null, ecdf_method: r.ecdf_method ?? null };
    if (r.ks?.d_error_bound !== undefined) ksDetails.d_error_bound = r.ks.d_error_bound;
    this.push(name, `${prefix}ks_d`, r.ks?.d ?? null, judged('ok'), { ...n, p_value: r.ks?.p_value ?? null, threshold: this.t.p_value, test: ok, detailsObj: ksDetails });
    this.push(name, `${prefix}wasserstein`, r.wasserstein, judged('ok'), {
      ...n,
      detailsObj: { ecdf_method: r.ecdf_method ?? null, ...(r.wasserstein_error_bound !== undefined ? { error_bound: r.wasserstein_error_bound } : {}) },
    });
  }

  private categoricalRows(name: string, prefix: string, r: CategoricalFeatureReport, ok: boolean): void {
    const n = { n_ref: r.n_ref, n_cur: r.n_cur };
    const judged = (s: ScoreStatus): ScoreStatus => (ok ? s : 'insufficient_data');
    this.push(name, `${prefix}chi2`, r.chi2?.statistic ?? null, judged('ok'), { ...n, p_value: r.chi2?.p_value ?? null, threshold: this.t.p_value, test: ok, detailsObj: { dof: r.chi2?.dof ?? null } });
    if (prefix) return;
    const fresh = r.new_categories;
    this.push(name, 'new_categories', r.n_cur > 0 && r.n_ref > 0 ? fresh.length : null, judged(fresh.length > 0 ? 'warn' : 'ok'), {
      ...n,
      detailsObj: { new_categories: fresh.slice(0, DETAIL_CATEGORIES), total: fresh.length },
    });
  }

  /** missing_share_delta (over events) and severity (the worse of the PSI and missing bands). */
  private featureLevelRows(name: string, r: NumericFeatureReport | CategoricalFeatureReport, ok: boolean, psiBand: Severity, missingRows: boolean): void {
    const missBand = missingSeverity(r.missing_ref, r.missing_cur, this.sev);
    const rowsOk = this.events.ref >= this.minSamples && this.events.cur >= this.minSamples;
    const missingDelta = r.missing_ref === null || r.missing_cur === null ? null : r.missing_cur - r.missing_ref;
    if (this.metrics.has('missing') && missingRows) {
      this.push(name, 'missing_share_delta', missingDelta, rowsOk ? SEVERITY_STATUS[missBand] : 'insufficient_data', {
        n_ref: this.events.ref,
        n_cur: this.events.cur,
        threshold: this.t.missing_alert,
        detailsObj: { missing_ref: r.missing_ref, missing_cur: r.missing_cur },
      });
    }
    if (this.metrics.has('features')) {
      const bands = worseSeverity(ok ? psiBand : 'none', rowsOk ? missBand : 'none');
      const judgeable = ok || rowsOk;
      this.push(name, 'severity', judgeable ? SEVERITY_VALUE[bands] : null, judgeable ? SEVERITY_STATUS[bands] : 'insufficient_data', {
        n_ref: r.n_ref,
        n_cur: r.n_cur,
        detailsObj: { type: r.type, psi: ok ? psiBand : 'insufficient_data', missing: rowsOk ? missBand : 'insufficient_data' },
      });
    }
  }
}

/** The DETAIL_CATEGORIES most frequent categories (both sides) and the summed rest. */
function topCategories(categories: readonly string[], ref: readonly number[], cur: readonly number[]): Record<string, unknown> {
  if (categories.length <= DETAIL_CATEGORIES) return { categories, counts: { ref, cur } };
  const idx = categories.map((_, i) => i).sort((a, b) => (ref[b] ?? 0) + (cur[b] ?? 0) - ((ref[a] ?? 0) + (cur[a] ?? 0)));
  const keep = idx.slice(0, DETAIL_CATEGORIES).sort((a, b) => a - b);
  const rest = idx.slice(DETAIL_CATEGORIES);
  const sum = (xs: readonly number[], is: number[]) => is.reduce((s, i) => s + (xs[i] ?? 0), 0);
  return {
    categories: keep.map((i) => categories[i]),
    counts: { ref: keep.map((i) => ref[i] ?? 0), cur: keep.map((i) => cur[i] ?? 0) },
    other: { categories: rest.length, ref: sum(ref, rest), cur: sum(cur, rest) },
  };
}
