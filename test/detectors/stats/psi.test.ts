import { describe, expect, it } from 'vitest';
import { psi } from '../../../detectors/stats/psi.ts';

describe('psi', () => {
  it('is zero for equal proportions, whatever the sample sizes', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBe(0);
  });

  it('matches the definition on a hand-computed case', () => {
    // p_ref = (0.5, 0.5), p_cur = (0.25, 0.75)
    const want = (0.25 - 0.5) * Math.log(0.25 / 0.5) + (0.75 - 0.5) * Math.log(0.75 / 0.5);
    expect(psi([5, 5], [1, 3])).toBeCloseTo(want, 15);
  });

  it('replaces a zero proportion by 1e-4 on either side', () => {
    // (1e-4 - 1) ln(1e-4) + (1 - 1e-4) ln(1e4) = 2 * 0.9999 * ln(1e4)
    expect(psi([7, 0], [0, 3])).toBeCloseTo(2 * 0.9999 * Math.log(1e4), 12);
  });

  it('refuses bins that do not line up', () => {
    expect(() => psi([1, 2], [1])).toThrow(RangeError);
  });
});
