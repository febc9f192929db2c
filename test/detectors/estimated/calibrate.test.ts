// Calibration on bin aggregates: isotonic regression against
// scikit-learn's IsotonicRegression, histogram binning and the
// cross-validated choice by hand, and the step function the SQL applies.
import { describe, expect, it } from 'vitest';
import { applyCalibrator, chooseCalibrator, histogramValues, identityBrier, isotonicValues, stepBrier, type BinAggregate } from '../../../detectors/estimated/calibrate.ts';
import { rng } from '../../../testkit/events.ts';

describe('isotonic regression on bins', () => {
  it('pools adjacent violators by weight', () => {
    // Rates 0, 1, 0, 1 with equal weights: the middle pair pools to 0.5.
    expect(isotonicValues([{ n: 2, pos: 0 }, { n: 2, pos: 2 }, { n: 2, pos: 0 }, { n: 2, pos: 2 }])).toEqual([0, 0.5, 0.5, 1]);
  });

  it('matches scikit-learn IsotonicRegression (weights = bin counts); an empty bin takes the value before it', () => {
    const n = [12, 7, 0, 15, 9, 11, 4, 20, 8, 13];
    const pos = [3, 4, 0, 2, 5, 3, 4, 9, 2, 12];
    // scikit-learn 1.9.1: IsotonicRegression().fit(x, pos/n, sample_weight=n).predict(x) over the non-empty bins.
    const sklearn = [0.25, 0.2727272727272727, 0.2727272727272727, 0.4, 0.4, 0.46875, 0.46875, 0.46875, 0.9230769230769231];
    const got = isotonicValues(n.map((k, i) => ({ n: k, pos: pos[i]! })));
    expect(got.filter((_, i) => n[i]! > 0).map((v, i) => v - sklearn[i]!).every((d) => Math.abs(d) < 1e-15)).toBe(true);
    expect(got[2]).toBe(got[1]);
  });
});

describe('histogram binning', () => {
  it('merges fine bins into groups of about equal mass', () => {
    const bins = [{ n: 10, pos: 1 }, { n: 10, pos: 3 }, { n: 10, pos: 6 }, { n: 10, pos: 10 }];
    expect(histogramValues(bins, 2)).toEqual([0.2, 0.2, 0.8, 0.8]);
    expect(histogramValues(bins, 4)).toEqual([0.1, 0.3, 0.6, 1]);
  });
});

describe('Brier sums', () => {
  it('of a step calibrator and of the raw score, from bin sums', () => {
    // Rows (y, s): (1, .8), (0, .6), (1, .3) in one bin; a step value of 0.5.
    const bin: BinAggregate = { n: 3, pos: 2, sumS: 1.7, sumS2: 0.64 + 0.36 + 0.09, sumYS: 0.8 + 0.3 };
    expect(stepBrier([0.5], [bin])).toBeCloseTo(0.25 * 3, 12);
    expect(identityBrier([bin])).toBeCloseTo(0.2 ** 2 + 0.6 ** 2 + 0.7 ** 2, 12);
  });
});

/** Folds of bin aggregates of n rows whose true probability is truth(s) for a uniform score s. */
function simulate(seed: number, n: number, truth: (s: number) => number, edges: number[], folds = 5): BinAggregate[][] {
  const r = rng(seed);
  const out = Array.from({ length: folds }, () => Array.from({ length: edges.length + 1 }, () => ({ n: 0, pos: 0, sumS: 0, sumS2: 0, sumYS: 0 })));
  for (let i = 0; i < n; i++) {
    const s = r();
    const y = r() < truth(s) ? 1 : 0;
    const b = edges.filter((e) => s > e).length;
    const cell = out[i % folds]![b]!;
    cell.n++;
    cell.pos += y;
    cell.sumS += s;
    cell.sumS2 += s * s;
    cell.sumYS += y * s;
  }
  return out;
}

const EDGES = Array.from({ length: 49 }, (_, i) => (i + 1) / 50);

describe('choosing a calibration by cross-validated Brier score', () => {
  it('keeps a calibrated score as it is', () => {
    const c = chooseCalibrator(EDGES, simulate(1, 20_000, (s) => s, EDGES), 'auto', 10);
    expect(c.calibrator.method).toBe('none');
    expect(c.calibrator.values).toEqual([]);
    expect(c.cvBrier!.none!).toBeLessThan(c.cvBrier!.isotonic!);
  });

  it('calibrates an over-confident score, and the fit lands near the truth', () => {
    // The model says s; the world says 0.5 + (s - 0.5) / 2 (over-confident).
    const truth = (s: number) => 0.5 + (s - 0.5) / 2;
    const c = chooseCalibrator(EDGES, simulate(2, 20_000, truth, EDGES), 'auto', 10);
    expect(['isotonic', 'histogram']).toContain(c.calibrator.method);
    expect(c.cvBrier![c.calibrator.method]!).toBeLessThan(c.cvBrier!.none!);
    for (const s of [0.1, 0.3, 0.5, 0.7, 0.9]) expect(Math.abs(applyCalibrator(c.calibrator, s) - truth(s))).toBeLessThan(0.06);
  });

  it('a forced method is fitted without cross-validation', () => {
    const c = chooseCalibrator(EDGES, simulate(3, 2_000, (s) => s, EDGES), 'histogram', 4);
    expect(c.calibrator.method).toBe('histogram');
    expect(c.cvBrier).toBeNull();
    expect(new Set(c.calibrator.values).size).toBeLessThanOrEqual(4);
  });
});

describe('applying a calibrator', () => {
  it('bins a score as edges[i-1] < s <= edges[i]; none is the clamped raw score', () => {
    const c = { edges: [0.3, 0.6], values: [0.1, 0.5, 0.9] };
    expect([0, 0.3, 0.3000001, 0.6, 0.61, 1].map((s) => applyCalibrator(c, s))).toEqual([0.1, 0.1, 0.5, 0.5, 0.9, 0.9]);
    expect(applyCalibrator({ edges: [], values: [] }, 0.42)).toBe(0.42);
  });
});
