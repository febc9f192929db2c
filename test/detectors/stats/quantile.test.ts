import { describe, expect, it } from 'vitest';
import { lerp, quantilePlan, quantileSorted, quantiles } from '../../../detectors/stats/quantile.ts';

describe('numpy linear quantiles', () => {
  it('interpolates at (n-1)q like numpy.quantile', () => {
    const a = [1, 2, 3, 4];
    expect(quantileSorted(a, 0.5)).toBe(2.5);
    expect(quantileSorted(a, 0)).toBe(1);
    expect(quantileSorted(a, 1)).toBe(4);
    // numpy.quantile(range(1, 11), [0.25, 0.9]) == [3.25, 9.1]
    expect(quantiles([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], [0.25, 0.9])).toEqual([3.25, 9.1]);
  });

  it('plans the two order statistics it needs', () => {
    expect(quantilePlan(10, 0.25)).toEqual({ lo: 2, hi: 3, t: 0.25 });
    expect(quantilePlan(1, 0.5)).toEqual({ lo: 0, hi: 0, t: 0 });
    expect(quantilePlan(5, 1)).toEqual({ lo: 4, hi: 4, t: 0 });
  });

  it("uses numpy's lerp, computed from b when t >= 0.5", () => {
    expect(lerp(0, 10, 0.25)).toBe(2.5);
    expect(lerp(0, 10, 0.75)).toBe(7.5);
    // From b: exact at the upper end even when a is huge and b is small.
    expect(lerp(1e16, 1, 1)).toBe(1);
    expect(lerp(3, 3, 0.3)).toBe(3);
  });

  it('rejects levels outside [0, 1] and empty input', () => {
    expect(() => quantilePlan(3, 1.5)).toThrow(RangeError);
    expect(() => quantilePlan(0, 0.5)).toThrow(RangeError);
  });
});
