import { describe, expect, it } from 'vitest';
import { chi2Homogeneity } from '../../../detectors/stats/chi2.ts';

describe('chi-square test of homogeneity', () => {
  it('matches a hand-computed 2 x 3 table', () => {
    // expected 20 in every cell: (10-20)^2/20 * 4 = 20; dof 2: p = exp(-10)
    const r = chi2Homogeneity([10, 20, 30], [30, 20, 10]);
    expect(r.statistic).toBeCloseTo(20, 12);
    expect(r.dof).toBe(2);
    expect(Math.abs(r.p_value - Math.exp(-10)) / Math.exp(-10)).toBeLessThan(1e-12);
  });

  it('is 0 with p 1 for identical proportions', () => {
    const r = chi2Homogeneity([10, 20], [20, 40]);
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(r.p_value).toBeCloseTo(1, 12);
  });

  it('returns statistic 0, p 1, dof 0 with fewer than two categories', () => {
    expect(chi2Homogeneity([5], [7])).toEqual({ statistic: 0, p_value: 1, dof: 0 });
    expect(chi2Homogeneity([5, 0], [7, 0])).toEqual({ statistic: 0, p_value: 1, dof: 0 });
  });

  it('counts a category seen on one side only', () => {
    const r = chi2Homogeneity([10, 0], [5, 5]);
    expect(r.dof).toBe(1);
    expect(r.statistic).toBeGreaterThan(0);
  });
});
