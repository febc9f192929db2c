// Holds a product report (or the drift detector's score rows) to the
// reference with the contract's tolerances; returns every disagreement as a
// line, so a property test can print what a counterexample broke.
import type { CompareReport, FeatureReport } from '../../../detectors/report/types.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { RefFeature } from './stats.ts';

export interface Tolerance {
  /** Large-window path allowed (ks.d within 1e-6, wasserstein within 1e-3 relative, asymptotic p within 0.005). */
  large?: boolean;
}

export function near(a: number | null | undefined, e: number | null | undefined, rel = 1e-6, abs = 1e-9): boolean {
  if (e === null || e === undefined || Number.isNaN(e)) return a === null || a === undefined;
  if (typeof a !== 'number') return false;
  if (a === e) return true;
  return Math.abs(a - e) <= abs || Math.abs(a - e) <= rel * Math.abs(e);
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Disagreements between one product feature and the reference's. */
export function checkFeature(f: FeatureReport, r: RefFeature, tol: Tolerance = {}): string[] {
  const bad: string[] = [];
  const at = (what: string, got: unknown, want: unknown): void => {
    bad.push(`${r.name}: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  if (f.type !== r.type) {
    at('type', f.type, r.type);
    return bad;
  }
  if (f.n_ref !== r.n_ref) at('n_ref', f.n_ref, r.n_ref);
  if (f.n_cur !== r.n_cur) at('n_cur', f.n_cur, r.n_cur);
  for (const k of ['missing_ref', 'missing_cur', 'psi', 'js'] as const) if (!near(f[k], r[k])) at(k, f[k], r[k]);
  if (f.severity !== r.severity) at('severity', f.severity, r.severity);
  if (!same(f.counts, r.counts)) at('counts', f.counts, r.counts);
  if (f.type === 'numeric' && r.type === 'numeric') {
    if (!same(f.bin_edges, r.bin_edges)) at('bin_edges', f.bin_edges, r.bin_edges);
    const large = tol.large === true && f.ecdf_method === 'binned';
    if (!near(f.wasserstein, r.wasserstein, large ? 1e-3 : 1e-6)) at(`wasserstein (${f.ecdf_method})`, f.wasserstein, r.wasserstein);
    if (f.wasserstein_error_bound !== undefined && r.wasserstein !== null && f.wasserstein !== null) {
      const err = Math.abs(f.wasserstein - r.wasserstein);
      if (err > f.wasserstein_error_bound * (1 + 1e-9) + 1e-12 * Math.abs(r.wasserstein) + 1e-300) at('wasserstein error bound does not hold', f.wasserstein_error_bound, err);
    }
    if (r.ks === null) {
      if (f.ks !== null) at('ks', f.ks, null);
    } else if (f.ks === null) at('ks', null, r.ks);
    else {
      if (f.ks.method !== r.ks.method) at('ks.method', f.ks.method, r.ks.method);
      if (!near(f.ks.d, r.ks.d, 0, large ? 1e-6 : 1e-9)) at(`ks.d (${f.ecdf_method})`, f.ks.d, r.ks.d);
      if (f.ks.d_error_bound !== undefined && Math.abs(f.ks.d - r.ks.d) > f.ks.d_error_bound + 1e-12) at('ks.d error bound does not hold', f.ks.d_error_bound, Math.abs(f.ks.d - r.ks.d));
      if (!Number.isNaN(r.ks.p_value) && !near(f.ks.p_value, r.ks.p_value, 0, r.ks.method === 'exact' ? 1e-6 : large ? 0.005 : 1e-6)) at('ks.p_value', f.ks.p_value, r.ks.p_value);
    }
  }
  if (f.type === 'categorical' && r.type === 'categorical') {
    if (!same(f.categories, r.categories)) at('categories', f.categories, r.categories);
    if (!same(f.new_categories, r.new_categories)) at('new_categories', f.new_categories, r.new_categories);
    if (r.chi2 === null) {
      if (f.chi2 !== null) at('chi2', f.chi2, null);
    } else if (f.chi2 === null) at('chi2', null, r.chi2);
    else {
      if (!near(f.chi2.statistic, r.chi2.statistic)) at('chi2.statistic', f.chi2.statistic, r.chi2.statistic);
      if (!near(f.chi2.p_value, r.chi2.p_value)) at('chi2.p_value', f.chi2.p_value, r.chi2.p_value);
      if (f.chi2.dof !== r.chi2.dof) at('chi2.dof', f.chi2.dof, r.chi2.dof);
    }
  }
  return bad;
}

export interface RefReport {
  refRows: number;
  curRows: number;
  missing_in_current: string[];
  new_in_current: string[];
  features: RefFeature[];
}

export function checkReport(report: CompareReport, ref: RefReport, tol: Tolerance = {}): string[] {
  const bad: string[] = [];
  if (report.reference.rows !== ref.refRows) bad.push(`reference.rows: got ${report.reference.rows}, want ${ref.refRows}`);
  if (report.current.rows !== ref.curRows) bad.push(`current.rows: got ${report.current.rows}, want ${ref.curRows}`);
  if (!same(report.schema, { missing_in_current: ref.missing_in_current, new_in_current: ref.new_in_current })) bad.push(`schema: got ${JSON.stringify(report.schema)}`);
  if (!same(report.features.map((f) => f.name), ref.features.map((f) => f.name))) bad.push(`features: got ${JSON.stringify(report.features.map((f) => f.name))}`);
  for (const r of ref.features) {
    const f = report.features.find((x) => x.name === r.name);
    if (f) bad.push(...checkFeature(f, r, tol));
  }
  const drifted = ref.features.filter((f) => f.severity !== 'none').map((f) => f.name);
  if (!same(report.drifted, drifted)) bad.push(`drifted: got ${JSON.stringify(report.drifted)}, want ${JSON.stringify(drifted)}`);
  return bad;
}

/** The drift detector's rows of one feature against the reference (values, p-values, counts, severity). */
export function checkScoreRows(rows: readonly ScoreRow[], feature: string, r: RefFeature, tol: Tolerance = {}): string[] {
  const bad: string[] = [];
  const row = (metric: string): ScoreRow | undefined => rows.find((x) => x.feature === feature && x.metric === metric);
  const at = (what: string, got: unknown, want: unknown): void => {
    bad.push(`${feature}: ${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  };
  const psi = row('psi');
  if (!psi) return [`${feature}: no psi row`];
  if (psi.n_ref !== r.n_ref || psi.n_cur !== r.n_cur) at('n', [psi.n_ref, psi.n_cur], [r.n_ref, r.n_cur]);
  const details = JSON.parse(psi.details) as { type?: string };
  if (details.type !== r.type) at('type', details.type, r.type);
  if (!near(psi.value, r.psi)) at('psi', psi.value, r.psi);
  if (!near(row('js')?.value, r.js)) at('js', row('js')?.value, r.js);
  const sevRank = { none: 0, warn: 1, alert: 2 } as const;
  const sev = row('severity');
  // The detector judges PSI only from min_samples values up; the tests run with min_samples 1.
  if (sev && sev.value !== sevRank[r.severity]) at('severity', sev.value, sevRank[r.severity]);
  const miss = row('missing_share_delta');
  const wantDelta = r.missing_ref === null || r.missing_cur === null ? null : r.missing_cur - r.missing_ref;
  if (!near(miss?.value, wantDelta)) at('missing_share_delta', miss?.value, wantDelta);
  if (r.type === 'numeric') {
    const ks = row('ks_d');
    const w = row('wasserstein');
    const kd = ks ? (JSON.parse(ks.details) as { ecdf_method?: string; d_error_bound?: number }) : {};
    const large = tol.large === true && kd.ecdf_method === 'binned';
    if (!near(ks?.value, r.ks?.d ?? null, 0, large ? 1e-6 : 1e-9)) at(`ks_d (${kd.ecdf_method})`, ks?.value, r.ks?.d);
    if (r.ks && !Number.isNaN(r.ks.p_value) && !near(ks?.p_value, r.ks.p_value, 0, r.ks.method === 'exact' ? 1e-6 : large ? 0.005 : 1e-6)) at('ks p_value', ks?.p_value, r.ks.p_value);
    if (!near(w?.value, r.wasserstein, large ? 1e-3 : 1e-6)) at(`wasserstein (${kd.ecdf_method})`, w?.value, r.wasserstein);
    const wd = w ? (JSON.parse(w.details) as { error_bound?: number }) : {};
    if (wd.error_bound !== undefined && w?.value != null && r.wasserstein !== null) {
      const err = Math.abs(w.value - r.wasserstein);
      if (err > wd.error_bound * (1 + 1e-9) + 1e-12 * Math.abs(r.wasserstein) + 1e-300) at('wasserstein error bound does not hold', wd.error_bound, err);
    }
  } else {
    const c = row('chi2');
    if (!near(c?.value, r.chi2?.statistic ?? null)) at('chi2', c?.value, r.chi2?.statistic);
    if (r.chi2 && !near(c?.p_value, r.chi2.p_value)) at('chi2 p_value', c?.p_value, r.chi2.p_value);
    const nc = row('new_categories');
    const want = r.n_ref > 0 && r.n_cur > 0 ? r.new_categories.length : null;
    if (nc?.value !== want) at('new_categories', nc?.value, want);
  }
  return bad;
}
