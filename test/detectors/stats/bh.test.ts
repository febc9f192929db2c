import { describe, expect, it } from 'vitest';
import { benjaminiHochberg } from '../../../detectors/stats/bh.ts';

describe('Benjamini-Hochberg', () => {
  it('adjusts step-up and rejects at q = 0.05', () => {
    const { adjusted, rejected } = benjaminiHochberg([0.01, 0.04, 0.03, 0.2]);
    const want = [0.04, 0.04 * (4 / 3), 0.04 * (4 / 3), 0.2];
    adjusted.forEach((a, i) => expect(a).toBeCloseTo(want[i] as number, 15));
    expect(rejected).toEqual([true, false, false, false]);
  });

  it('leaves null p-values out of m', () => {
    const { adjusted, rejected } = benjaminiHochberg([null, 0.02, 0.03]);
    expect(adjusted[0]).toBeNull();
    expect(adjusted[1]).toBeCloseTo(0.03, 15);
    expect(rejected).toEqual([false, true, true]);
  });

  it('caps at 1 and handles no tests', () => {
    expect(benjaminiHochberg([0.9, 0.95]).adjusted).toEqual([0.95, 0.95]);
    expect(benjaminiHochberg([])).toEqual({ adjusted: [], rejected: [] });
    expect(() => benjaminiHochberg([0.1], 0)).toThrow(RangeError);
  });
});
