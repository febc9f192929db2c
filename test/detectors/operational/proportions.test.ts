// The normal tail and the two-proportion z-test against scipy 1.17 /
// statsmodels 0.14 (proportions_ztest, pooled variance).
import { describe, expect, it } from 'vitest';
import { normalCdf, normalSf } from '../../../detectors/operational/normal.ts';
import { twoProportionZTest } from '../../../detectors/operational/proportions.ts';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

describe('normal tail', () => {
  it.each([
    [0, 0.5],
    [1.959963984540054, 0.025],
    [-1, 0.8413447460685429],
    [10, 7.61985302416047e-24],
    [20, 2.7536241186061556e-89],
  ])('sf(%d) = %d (scipy.stats.norm.sf)', (z, p) => {
    expect(rel(normalSf(z), p)).toBeLessThan(1e-12);
  });

  it('cdf is 1 - sf, infinities and NaN', () => {
    expect(normalCdf(-1)).toBeCloseTo(1 - 0.8413447460685429, 15);
    expect(normalSf(Infinity)).toBe(0);
    expect(normalSf(-Infinity)).toBe(1);
    expect(normalSf(Number.NaN)).toBeNaN();
  });
});

describe('two-proportion z-test', () => {
  it.each([
    [[40, 400, 10, 1000, 'larger'], 8.197560612767681, 1.2265706172845278e-16],
    [[30, 200, 20, 300, 'two-sided'], 3.042903097250923, 0.002343077710375838],
    [[5, 200, 20, 300, 'smaller'], -2.0942695414584773, 0.018117988003028072],
    [[500, 1000, 10, 1000, 'larger'], 25.13812350440672, 9.529440556543852e-140],
  ] as const)('%j: z %d, p %d', ([x1, n1, x2, n2, alt], z, p) => {
    const r = twoProportionZTest(x1, n1, x2, n2, alt);
    expect(r.z).toBeCloseTo(z, 12);
    expect(rel(r.p_value, p)).toBeLessThan(1e-9);
  });

  it('no variance (both shares 0 or 1) is no evidence; empty sides are refused', () => {
    expect(twoProportionZTest(0, 100, 0, 50, 'larger')).toEqual({ z: 0, p_value: 1 });
    expect(twoProportionZTest(100, 100, 50, 50, 'two-sided')).toEqual({ z: 0, p_value: 1 });
    expect(() => twoProportionZTest(0, 0, 1, 2, 'larger')).toThrow(RangeError);
  });
});
