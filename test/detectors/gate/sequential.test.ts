// The normal-mixture confidence sequence against its definition: the
// boundary is where the mixture likelihood ratio of Johari et al. reaches
// 1/alpha (computed here from its original τ² form, independently of the
// product's ρ parametrisation), it is wider than a fixed-sample interval at
// every n, and it is tightest near tight_at.
import { describe, expect, it } from 'vitest';
import { alwaysValidPValue, confidenceSequence, mixingRho2, mixtureRadius } from '../../../detectors/gate/sequential.ts';
import { normalQuantileUpper } from './simulate.ts';

/** Λ = √(V / (V + τ²)) · exp(τ² (θ̂ − θ0)² / (2 V (V + τ²))), as in "Always valid inference". */
function mixtureLikelihoodRatio(estimate: number, variance: number, theta0: number, tau2: number): number {
  return Math.sqrt(variance / (variance + tau2)) * Math.exp((tau2 * (estimate - theta0) ** 2) / (2 * variance * (variance + tau2)));
}

describe('normal-mixture confidence sequence', () => {
  it('its boundary is where the mixture likelihood ratio reaches 1/alpha', () => {
    for (const [variance, n, alpha, tightAt] of [
      [0.19 / 1000, 1000, 0.0125, 10_000],
      [0.19 / 30_000, 30_000, 0.0125, 10_000],
      [2.5e-5, 500, 0.05, 500],
      [1e-6, 100_000, 0.001, 2_000],
    ] as const) {
      const rho2 = mixingRho2(alpha, tightAt);
      const tau2 = rho2 * variance * n;
      const r = mixtureRadius(variance, n, alpha, rho2);
      expect(mixtureLikelihoodRatio(0.3 + r, variance, 0.3, tau2)).toBeCloseTo(1 / alpha, 6 - Math.log10(1 / alpha));
      expect(alwaysValidPValue(0.3 + r, variance, n, 0.3, alpha, tightAt)).toBeCloseTo(alpha, 9);
      expect(alwaysValidPValue(0.3 + r * 1.01, variance, n, 0.3, alpha, tightAt)).toBeLessThan(alpha);
      expect(alwaysValidPValue(0.3 + r * 0.99, variance, n, 0.3, alpha, tightAt)).toBeGreaterThan(alpha);
    }
  });

  it('is wider than the fixed-sample interval at every n, and tightest relative to it near tight_at', () => {
    const alpha = 0.05;
    const z = normalQuantileUpper(alpha / 2);
    const ratio = (n: number) => mixtureRadius(1 / n, n, alpha, mixingRho2(alpha, 5_000)) / (z * Math.sqrt(1 / n));
    const ns = [100, 1_000, 2_000, 5_000, 10_000, 50_000, 500_000];
    for (const n of ns) expect(ratio(n)).toBeGreaterThan(1);
    expect(ratio(5_000)).toBeLessThan(ratio(500));
    expect(ratio(5_000)).toBeLessThan(ratio(50_000));
    // At its best the sequence costs about half again the fixed interval's width (α = 0.05).
    expect(ratio(5_000)).toBeGreaterThan(1.3);
    expect(ratio(5_000)).toBeLessThan(1.7);
  });

  it('shrinks like √(log n / n): a quarter of the width takes a bit more than 16 times the samples', () => {
    const r = (n: number) => mixtureRadius(0.2 / n, n, 0.05, mixingRho2(0.05, 1_000));
    expect(r(16_000) / r(1_000)).toBeGreaterThan(0.25);
    expect(r(16_000) / r(1_000)).toBeLessThan(0.4);
  });

  it('is centred on the estimate; no samples or a bad alpha are refused or give an infinite radius', () => {
    const cs = confidenceSequence(0.02, 1e-5, 2_000, 0.01, 10_000);
    expect(cs.upper - cs.estimate).toBeCloseTo(cs.estimate - cs.lower, 15);
    expect(cs.radius).toBeGreaterThan(0);
    expect(mixtureRadius(1e-5, 0, 0.05, 0.001)).toBe(Infinity);
    expect(() => mixingRho2(0, 100)).toThrow(RangeError);
    expect(() => mixingRho2(0.05, 0)).toThrow(RangeError);
    expect(alwaysValidPValue(0.1, 0, 100, 0.1, 0.05, 100)).toBe(1);
    expect(alwaysValidPValue(0.2, 0, 100, 0.1, 0.05, 100)).toBe(0);
  });
});
