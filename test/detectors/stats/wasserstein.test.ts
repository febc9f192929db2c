import { describe, expect, it } from 'vitest';
import { wasserstein, wassersteinFromMerged } from '../../../detectors/stats/wasserstein.ts';

describe('wasserstein', () => {
  it('matches scipy.stats.wasserstein_distance examples', () => {
    expect(wasserstein([0, 1, 3], [5, 6, 8])).toBeCloseTo(5, 14);
    expect(wasserstein([0, 1], [0, 1])).toBe(0);
    // a shift by c moves the distance by exactly c
    expect(wasserstein([1, 2, 3, 4], [11, 12, 13, 14])).toBeCloseTo(10, 14);
  });

  it('is the same from merged distinct values with counts', () => {
    expect(wassersteinFromMerged({ values: [0, 1, 3, 5, 6, 8], ref: [1, 1, 1, 0, 0, 0], cur: [0, 0, 0, 1, 1, 1] })).toBeCloseTo(5, 14);
  });
});
