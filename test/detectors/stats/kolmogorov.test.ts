import { describe, expect, it } from 'vitest';
import { kolmogornCdfDurbin, kolmogornCdfPelzGood, kstwoSf, smirnovSf } from '../../../detectors/stats/kolmogorov.ts';

describe('kstwo.sf (two-sided one-sample KS distribution)', () => {
  it('has the closed forms at the ends of the range', () => {
    // n = 1: D_1 = max(U, 1 - U), P(D_1 >= d) = 2 (1 - d)
    expect(kstwoSf(0.75, 1)).toBeCloseTo(0.5, 15);
    // Ruben-Gambino: P(D_n <= d) = n!/n^n (2nd - 1)^n for 1/2n <= d <= 1/n
    expect(kstwoSf(0.3, 3)).toBeCloseTo(1 - (6 / 27) * 0.8 ** 3, 14);
    expect(kstwoSf(0, 10)).toBe(1);
    expect(kstwoSf(1, 10)).toBe(0);
    expect(kstwoSf(0.01, 10)).toBe(1);
  });

  it('matches published critical values', () => {
    // Two-sided 5% critical values: n = 10 -> 0.40925, n = 100 -> 0.13403
    expect(kstwoSf(0.40925, 10)).toBeCloseTo(0.05, 3);
    expect(kstwoSf(0.13403, 100)).toBeCloseTo(0.05, 3);
    // large n tends to Kolmogorov's limit: P(K >= 1.3581) = 0.05
    expect(kstwoSf(1.3581 / 1000, 1_000_000)).toBeCloseTo(0.05, 3);
  });

  it('is continuous where the method changes', () => {
    for (const n of [200, 5000, 200_000]) {
      const x = Math.sqrt(2.2 / n);
      expect(Math.abs(kstwoSf(x * (1 - 1e-12), n) - kstwoSf(x, n)), `n=${n}`).toBeLessThan(1e-5);
    }
    // Durbin (exact) and Pelz-Good (asymptotic) agree where both apply
    expect(Math.abs(kolmogornCdfDurbin(5000, 0.01) - kolmogornCdfPelzGood(5000, 0.01))).toBeLessThan(1e-5);
  });

  it('is monotone in d', () => {
    let last = 1;
    for (let d = 0.001; d < 0.2; d += 0.0007) {
      const p = kstwoSf(d, 22222);
      expect(p).toBeLessThanOrEqual(last + 1e-12);
      last = p;
    }
  });
});

describe('smirnov (one-sided)', () => {
  it('matches the Birnbaum-Tingey sum worked by hand', () => {
    // n = 5, x = 0.5: 0.5 * (0.0625 + 5*0.3^4 + 10*0.1^3*0.9) = 0.056
    expect(smirnovSf(5, 0.5)).toBeCloseTo(0.056, 14);
    expect(smirnovSf(1, 0.3)).toBeCloseTo(0.7, 15);
    expect(smirnovSf(10, 1)).toBe(0);
  });
});
