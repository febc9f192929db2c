import { describe, expect, it } from 'vitest';
import { jensenShannon } from '../../../detectors/stats/js.ts';

describe('Jensen-Shannon distance (base 2)', () => {
  it('is 0 for the same distribution and 1 for disjoint ones', () => {
    expect(jensenShannon([1, 2, 3], [2, 4, 6])).toBe(0);
    expect(jensenShannon([1, 0], [0, 1])).toBe(1);
  });

  it('matches a hand-computed value (inputs are normalised)', () => {
    // p = (1/2, 1/2), q = (1, 0), m = (3/4, 1/4): divergence = 3/4 ln(4/3) / ln 2
    expect(jensenShannon([1, 1], [5, 0])).toBeCloseTo(Math.sqrt((0.75 * Math.log(4 / 3)) / Math.LN2), 14);
  });

  it('is symmetric', () => {
    expect(jensenShannon([1, 2, 7], [3, 3, 4])).toBeCloseTo(jensenShannon([3, 3, 4], [1, 2, 7]), 15);
  });
});
