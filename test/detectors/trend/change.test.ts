// Change detection on score series: CUSUM and Page-Hinkley by hand, and on
// a planted slow decline (0.5% of the value per day over 30 days, daily
// noise of one accuracy point) against a flat noisy series, seeded: the
// decline is caught in nearly every run, the flat series almost never,
// and no day-over-day comparison (a window against the previous one, the
// quality monitor's default baseline) ever moves by its 0.05 threshold.
import { describe, expect, it } from 'vitest';
import { autoDirection, detectChange, referenceStats, slopePerDay, successiveSigma, type ChangeOptions } from '../../../detectors/trend/change.ts';
import { rng } from '../../../testkit/events.ts';

const CUSUM: ChangeOptions = { method: 'cusum', slack: 0.5, threshold: 5, minSigma: 0 };

describe('CUSUM by hand', () => {
  it('accumulates standardized drops beyond the slack (k + 1/sqrt(n_ref)) and reports where the change started', () => {
    // μ0 = 2, σ = √2 from a 4-point reference: k' = 0.5 + 1/2 = 1. After
    // the reference the values sit 0.5, 1.5, 3, 3, 3 σ below μ0:
    // S = 0, 0.5, 2.5, 4.5, 6.5 -> above 5 at index 6; last 0 at index 2.
    const s = Math.SQRT2;
    const xs = [1, 3, 2 - 0.5 * s, 2 - 1.5 * s, 2 - 3 * s, 2 - 3 * s, 2 - 3 * s];
    const ref = { mean: 2, sigma: s, points: 4 };
    const r = detectChange(xs, 2, ref, 'decrease', CUSUM);
    expect(r.statistic).toBeCloseTo(6.5, 12);
    expect([r.alarmAt, r.changeStart]).toEqual([6, 2]);
    expect(detectChange(xs, 2, ref, 'increase', CUSUM).statistic).toBe(0);
  });

  it('σ is the larger of the reference\'s standard deviation and the whole series\' successive-difference estimate', () => {
    // Reference 1, 3: mean 2, sd √2. Whole series 1, 3, 1, 3: MSSD = sqrt(3 × 4 / 6) = √2 as well; 1, 3, 9: sqrt((4 + 36) / 4) = √10.
    expect(referenceStats([1, 3], [1, 3, 1, 3], 0)).toEqual({ mean: 2, sigma: Math.SQRT2, points: 2 });
    expect(referenceStats([1, 3], [1, 3, 9], 0)?.sigma).toBeCloseTo(Math.sqrt(10), 12);
    expect(successiveSigma([0.9, 0.89, 0.88])).toBeCloseTo(Math.sqrt((0.0001 + 0.0001) / 4), 12);
  });

  it('Page-Hinkley from the reference start, in σ units', () => {
    // x = 0, 0, 0, 3, 3 with σ = 1, δ = 0: running means 0, 0, 0, .75, 1.2;
    // m = 0, 0, 0, 2.25, 4.05; min 0 -> PH = 4.05.
    const r = detectChange([0, 0, 0, 3, 3], 2, { mean: 0, sigma: 1, points: 2 }, 'increase', { method: 'page_hinkley', slack: 0, threshold: 4, minSigma: 0 });
    expect(r.statistic).toBeCloseTo(4.05, 12);
    expect(r.alarmAt).toBe(4);
  });

  it('a constant reference has no σ unless min_sigma gives one', () => {
    expect(referenceStats([0.9, 0.9, 0.9], [0.9, 0.9, 0.9, 0.9], 0)).toBeNull();
    expect(referenceStats([0.9, 0.9, 0.9], [0.9, 0.9, 0.9, 0.9], 0.01)?.sigma).toBe(0.01);
  });

  it('slope per day, and which way each metric is watched', () => {
    expect(slopePerDay([0, 86_400_000, 2 * 86_400_000], [0.9, 0.89, 0.88])).toBeCloseTo(-0.01, 12);
    expect(autoDirection('accuracy')).toEqual(['decrease']);
    expect(autoDirection('estimated_roc_auc')).toEqual(['decrease']);
    expect(autoDirection('f1_macro')).toEqual(['decrease']);
    expect(autoDirection('psi')).toEqual(['increase']);
    expect(autoDirection('mae')).toEqual(['increase']);
    expect(autoDirection('confidence_mean_drop')).toEqual(['increase']);
    expect(autoDirection('estimate_error')).toEqual(['decrease', 'increase']);
  });
});

/**
 * 7 flat reference days then 30 days; accuracy 0.9 × 0.995^day after the
 * reference when declining, plus N(0, 0.008) noise (the sampling noise of
 * accuracy 0.9 over about 1,400 labels a day).
 */
function series(seed: number, declining: boolean): number[] {
  const r = rng(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
  return Array.from({ length: 37 }, (_, t) => 0.9 * (declining && t >= 7 ? 0.995 ** (t - 6) : 1) + 0.008 * normal());
}

describe('a planted 0.5%-per-day decline over 30 days (500 seeded runs each)', () => {
  const RUNS = 500;
  const flag = (xs: number[], method: ChangeOptions['method'] = 'cusum') => detectChange(xs, 7, referenceStats(xs.slice(0, 7), xs, 0)!, 'decrease', { ...CUSUM, method });

  it('a window-vs-previous-window comparison (0.05 threshold) fires in at most 1% of runs, and then on noise', () => {
    // The decline is 0.0045 a day; a day-over-day drop of 0.05 needs about 4 noise standard deviations.
    let runsFlagged = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const xs = series(seed, true);
      if (xs.some((x, t) => t > 0 && xs[t - 1]! - x >= 0.05)) runsFlagged++;
    }
    expect(runsFlagged / RUNS).toBeLessThanOrEqual(0.01);
  });

  it.each(['cusum', 'page_hinkley'] as const)('%s flags the decline in at least 95%% of runs, the flat series in at most 5%%', (method) => {
    let caught = 0;
    let falseAlarms = 0;
    const days: number[] = [];
    for (let seed = 1; seed <= RUNS; seed++) {
      const d = flag(series(seed, true), method);
      if (d.alarmAt !== null) {
        caught++;
        days.push(d.alarmAt - 6);
      }
      if (flag(series(10_000 + seed, false), method).statistic > CUSUM.threshold) falseAlarms++;
    }
    expect(caught / RUNS).toBeGreaterThanOrEqual(0.95);
    expect(falseAlarms / RUNS).toBeLessThanOrEqual(0.05);
    // Typically within two weeks of the decline's start (a 5-point drop takes 11 days).
    days.sort((a, b) => a - b);
    expect(days[Math.floor(days.length / 2)]!).toBeLessThanOrEqual(14);
  });
});
