// Two reports of the same data (engine vs in-memory, CSV vs Parquet) must
// agree to the contract's tolerances.
import { expect } from 'vitest';
import type { CompareReport } from '../../../detectors/report/types.ts';
import { close } from './oracle.ts';

export function expectReportsAgree(a: CompareReport, b: CompareReport, label: string): void {
  expect(a.reference.rows, `${label} reference rows`).toBe(b.reference.rows);
  expect(a.current.rows, `${label} current rows`).toBe(b.current.rows);
  expect(a.schema, `${label} schema`).toEqual(b.schema);
  expect(a.features.map((f) => [f.name, f.type]), `${label} features`).toEqual(b.features.map((f) => [f.name, f.type]));
  a.features.forEach((fa, i) => {
    const fb = b.features[i] as (typeof b.features)[number];
    const at = `${label}/${fa.name}`;
    expect([fa.n_ref, fa.n_cur], `${at} n`).toEqual([fb.n_ref, fb.n_cur]);
    for (const k of ['missing_ref', 'missing_cur', 'psi', 'js'] as const) close(fa[k], fb[k], `${at} ${k}`);
    expect(fa.severity, `${at} severity`).toBe(fb.severity);
    expect(fa.counts, `${at} counts`).toEqual(fb.counts);
    if (fa.type === 'numeric' && fb.type === 'numeric') {
      close(fa.wasserstein, fb.wasserstein, `${at} wasserstein`);
      expect(fa.bin_edges, `${at} bin_edges`).toEqual(fb.bin_edges);
      if (fb.ks === null) expect(fa.ks, `${at} ks`).toBeNull();
      else {
        expect(fa.ks?.method, `${at} ks.method`).toBe(fb.ks.method);
        close(fa.ks?.d, fb.ks.d, `${at} ks.d`, 0, 1e-9);
        close(fa.ks?.p_value, fb.ks.p_value, `${at} ks.p_value`, 0, 1e-6);
      }
    }
    if (fa.type === 'categorical' && fb.type === 'categorical') {
      expect(fa.categories, `${at} categories`).toEqual(fb.categories);
      expect(fa.new_categories, `${at} new_categories`).toEqual(fb.new_categories);
      if (fb.chi2 === null) expect(fa.chi2, `${at} chi2`).toBeNull();
      else {
        close(fa.chi2?.statistic, fb.chi2.statistic, `${at} chi2.statistic`);
        close(fa.chi2?.p_value, fb.chi2.p_value, `${at} chi2.p_value`);
        expect(fa.chi2?.dof, `${at} chi2.dof`).toBe(fb.chi2.dof);
      }
    }
  });
  expect(a.drifted, `${label} drifted`).toEqual(b.drifted);
}
