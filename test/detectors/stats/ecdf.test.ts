import { describe, expect, it } from 'vitest';
import { ecdfDistances, mergeCounts } from '../../../detectors/stats/ecdf.ts';

describe('merged ECDF walk', () => {
  it('merges two samples into distinct values with counts', () => {
    expect(mergeCounts([3, 1, 1], [2, 3])).toEqual({ values: [1, 2, 3], ref: [2, 0, 1], cur: [0, 1, 1] });
  });

  it('gives D as an exact integer numerator', () => {
    // F_ref - F_cur peaks at 1/3 (x in [1, 2)).
    const e = ecdfDistances(mergeCounts([1, 2, 3], [2, 3, 4]));
    expect(e).toMatchObject({ n1: 3, n2: 3, dNumerator: 3 });
    expect(e.d).toBeCloseTo(1 / 3, 15);
    expect(e.wasserstein).toBeCloseTo(1, 15);
  });

  it('handles ties across the two sides', () => {
    const e = ecdfDistances(mergeCounts([1, 1, 2], [1, 2, 2]));
    // at 1: 2/3 vs 1/3 -> D = 1/3; area = 1/3 * (2 - 1)
    expect(e.dNumerator).toBe(3);
    expect(e.wasserstein).toBeCloseTo(1 / 3, 15);
  });

  it('needs values on both sides', () => {
    expect(() => ecdfDistances(mergeCounts([1], []))).toThrow(RangeError);
  });
});
