import { describe, expect, it } from 'vitest';
import { ksAsymptoticP, ksTest, ksTestFromNumerator, roundHalfEven } from '../../../detectors/stats/ks.ts';

describe('two-sample KS test (ks_2samp, method auto)', () => {
  it('is exact for small samples', () => {
    expect(ksTest([1, 2, 3], [4, 5, 6])).toEqual({ d: 1, p_value: expect.closeTo(0.1, 14) as number, method: 'exact' });
    const r = ksTest([1, 2], [3, 4, 5]);
    expect(r.method).toBe('exact');
    expect(r.p_value).toBeCloseTo(0.2, 14);
  });

  it('returns 0 without the O(n1 n2 D) recursion where the p-value is below 1e-300', () => {
    const t0 = Date.now();
    const r = ksTestFromNumerator(0.5 * 10000 * 9999, 10000, 9999);
    expect(r).toEqual({ d: 0.5, p_value: 0, method: 'exact' });
    expect(Date.now() - t0).toBeLessThan(50);
    // below the cut the recursion runs; here D^2 en = 257 and p = 5.9e-229, under the DKW bound 2 exp(-513)
    const near = ksTestFromNumerator(Math.round(0.37 * 3000 * 5000), 3000, 5000);
    expect(near.method).toBe('exact');
    expect(near.p_value).toBeGreaterThan(0);
    expect(near.p_value).toBeLessThan(2 * Math.exp(-2 * 0.37 * 0.37 * 1875));
  });

  it('returns p = 1 for identical samples', () => {
    expect(ksTest([1, 2, 3], [1, 2, 3])).toEqual({ d: 0, p_value: 1, method: 'exact' });
  });

  it('switches to asymptotic when a side exceeds 10000 values', () => {
    const a = Array.from({ length: 10001 }, (_, i) => i);
    const b = Array.from({ length: 200 }, (_, i) => i * 50 + 0.5);
    expect(ksTest(a, b).method).toBe('asymp');
    expect(ksTest(a.slice(0, 10000), b).method).toBe('exact');
  });

  it('uses kstwo.sf at round(n1 n2 / (n1 + n2))', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(roundHalfEven(22222.2)).toBe(22222);
    // large-asymptotic oracle: D = 0.079225 with 50000 vs 40000 values
    const p = ksAsymptoticP(0.079225, 50000, 40000);
    expect(Math.abs(p - 9.122735843840514e-122) / 9.122735843840514e-122).toBeLessThan(1e-6);
    const r = ksTestFromNumerator(0.006325 * 50000 * 40000, 50000, 40000);
    expect(r.method).toBe('asymp');
    expect(r.p_value).toBeCloseTo(0.3349240599877248, 6);
  });
});
