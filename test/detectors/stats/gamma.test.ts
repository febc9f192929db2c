import { describe, expect, it } from 'vitest';
import { chi2Sf, gammainc, gammaincc, lgamma } from '../../../detectors/stats/gamma.ts';

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('log-gamma', () => {
  it('matches known values', () => {
    expect(lgamma(1)).toBe(0);
    expect(lgamma(2)).toBe(0);
    expect(rel(lgamma(0.5), Math.log(Math.sqrt(Math.PI)))).toBeLessThan(1e-14);
    expect(rel(lgamma(10), Math.log(362880))).toBeLessThan(1e-14);
    // near its root log-gamma is small, so hold it to an absolute error
    expect(Math.abs(lgamma(1.5) - Math.log(Math.sqrt(Math.PI) / 2))).toBeLessThan(1e-14);
    expect(rel(lgamma(100), 359.1342053695754)).toBeLessThan(1e-14);
    expect(lgamma(0)).toBeNaN();
  });
});

describe('incomplete gamma and the chi-square tail', () => {
  it('has closed forms for integer shapes', () => {
    for (const x of [0.1, 1, 2.5, 10, 50]) {
      expect(rel(gammaincc(1, x), Math.exp(-x))).toBeLessThan(1e-13);
      expect(rel(gammaincc(2, x), Math.exp(-x) * (1 + x))).toBeLessThan(1e-13);
      expect(gammainc(2, x) + gammaincc(2, x)).toBeCloseTo(1, 14);
    }
  });

  it('keeps its relative accuracy deep in the tail', () => {
    expect(rel(chi2Sf(600, 2), Math.exp(-300))).toBeLessThan(1e-12);
    expect(rel(chi2Sf(600, 4), Math.exp(-300) * 301)).toBeLessThan(1e-12);
    // scipy.stats.chi2.sf(573.7852044544486, 3)
    expect(rel(chi2Sf(573.7852044544486, 3), 4.855071309686809e-124)).toBeLessThan(1e-10);
  });

  it('gives the textbook 5% point', () => {
    expect(chi2Sf(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chi2Sf(0, 3)).toBe(1);
  });
});
