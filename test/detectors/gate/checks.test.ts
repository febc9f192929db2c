// The pieces of a verdict: effect estimates from sufficient statistics, the
// three decisions of a confidence sequence against a threshold, each check
// on hand-made aggregates (skipped, waiting, pass, fail), the split of alpha
// and the verdict with max_duration.
import { describe, expect, it } from 'vitest';
import type { GateAggregates, SideSummary } from '../../../detectors/gate/aggregates.ts';
import { runChecks } from '../../../detectors/gate/checks.ts';
import { builtinPolicy, gatePolicySchema, type GatePolicyInput } from '../../../detectors/gate/config.ts';
import { applyTimeout, combine, decide, verdictOf } from '../../../detectors/gate/decide.ts';
import { differenceOfMeans, differenceOfProportions, logQuantileRatio, p95Bandwidth, proportion, quantileVariance } from '../../../detectors/gate/estimates.ts';
import { judgeAggregates, reasonsFor } from '../../../detectors/gate/gate.ts';
import { quantileSorted } from '../../../detectors/stats/quantile.ts';
import { rng } from '../../../src/demo/traffic.ts';

const side = (n: number, over: Partial<SideSummary> = {}): SideSummary => ({
  n,
  errors: Math.round(n * 0.01),
  latency: { n, h: p95Bandwidth(n), lower: 28.7, q: 29, upper: 29.3 },
  confidence: { n, mean: 0.8, variance: 0.01 },
  ...over,
});

function aggregates(a: SideSummary, b: SideSummary, over: Partial<GateAggregates> = {}): GateAggregates {
  return { a, b, prediction: { bins: ['0', '1'], a: [Math.round(a.n * 0.7), a.n - Math.round(a.n * 0.7)], b: [Math.round(b.n * 0.7), b.n - Math.round(b.n * 0.7)] }, features: [], quality: null, shadow: null, ...over };
}

const policy = (over: Partial<GatePolicyInput> = {}) => gatePolicySchema.parse({ name: 't', ...over });
const check = (checks: ReturnType<typeof runChecks>, name: string) => {
  const c = checks.find((x) => x.name === name);
  if (!c) throw new Error(`no check ${name}`);
  return c;
};

describe('estimates', () => {
  it('difference of proportions: the raw difference, variance from smoothed shares', () => {
    const e = differenceOfProportions({ n: 1000, x: 10 }, { n: 2000, x: 60 });
    expect(e.estimate).toBeCloseTo(0.03 - 0.01, 15);
    expect(e.variance).toBeCloseTo((11 / 1002) * (991 / 1002) / 1000 + (61 / 2002) * (1941 / 2002) / 2000, 15);
    expect(e.n).toBe(2000);
    // No errors yet still leaves doubt.
    expect(differenceOfProportions({ n: 10, x: 0 }, { n: 10, x: 0 }).variance).toBeGreaterThan(0.01);
    expect(proportion({ n: 200, x: 20 }).estimate).toBe(0.1);
  });

  it('difference of means: Welch variance', () => {
    const e = differenceOfMeans({ n: 100, mean: 0.8, variance: 0.04 }, { n: 400, mean: 0.75, variance: 0.09 });
    expect(e.estimate).toBeCloseTo(-0.05, 15);
    expect(e.variance).toBeCloseTo(0.04 / 100 + 0.09 / 400, 15);
  });

  it("Hall and Sheather's bandwidth at p = 0.95", () => {
    // n^(-1/3) · 1.96^(2/3) · (1.5 φ(1.645)² / (2·1.645² + 1))^(1/3)
    expect(p95Bandwidth(10_000)).toBeCloseTo(0.00984, 4);
    expect(p95Bandwidth(1_000)).toBeCloseTo(0.0212, 3);
    expect(p95Bandwidth(10)).toBe(0.045);
    expect(p95Bandwidth(1e12)).toBe(0.002);
  });

  it('the variance of a sample p95 matches its spread over repeated samples (uniform 10..30 ms)', () => {
    const r = rng(7);
    const n = 2_000;
    const reps = 1_500;
    const p95s: number[] = [];
    const estimated: number[] = [];
    const buf = new Float64Array(n);
    for (let k = 0; k < reps; k++) {
      for (let i = 0; i < n; i++) buf[i] = 10 + 20 * r();
      buf.sort();
      const h = p95Bandwidth(n);
      const q = quantileSorted(buf, 0.95);
      p95s.push(q);
      estimated.push(quantileVariance({ n, h, lower: quantileSorted(buf, 0.95 - h), q, upper: quantileSorted(buf, 0.95 + h) }));
    }
    const mean = p95s.reduce((s, x) => s + x, 0) / reps;
    const empirical = p95s.reduce((s, x) => s + (x - mean) ** 2, 0) / (reps - 1);
    const theory = (0.95 * 0.05 * 20 ** 2) / n;
    const avgEstimate = estimated.reduce((s, x) => s + x, 0) / reps;
    expect(empirical / theory).toBeGreaterThan(0.88);
    expect(empirical / theory).toBeLessThan(1.12);
    expect(avgEstimate / theory).toBeGreaterThan(0.85);
    expect(avgEstimate / theory).toBeLessThan(1.15);
  });

  it('log ratio of p95s; none when a p95 is 0', () => {
    const a = { n: 1000, h: 0.02, lower: 18, q: 20, upper: 22 };
    expect(logQuantileRatio(a, { ...a, q: 30, lower: 27, upper: 33 })?.estimate).toBeCloseTo(Math.log(1.5), 15);
    expect(logQuantileRatio({ ...a, q: 0 }, a)).toBeNull();
  });
});

describe('decisions', () => {
  const sure = (estimate: number) => ({ estimate, variance: 1e-12, n: 10_000 });
  const vague = (estimate: number) => ({ estimate, variance: 1, n: 10 });
  it('increase: fail above the threshold, pass below it, inconclusive while the sequence holds it', () => {
    expect(decide(sure(0.02), 0.01, 'increase', 0.05, 1000).decision).toBe('fail');
    expect(decide(sure(0.005), 0.01, 'increase', 0.05, 1000).decision).toBe('pass');
    expect(decide(sure(-0.5), 0.01, 'increase', 0.05, 1000).decision).toBe('pass');
    expect(decide(vague(0.02), 0.01, 'increase', 0.05, 1000).decision).toBe('inconclusive');
  });
  it('decrease and either', () => {
    expect(decide(sure(-0.03), 0.02, 'decrease', 0.05, 1000).decision).toBe('fail');
    expect(decide(sure(0.5), 0.02, 'decrease', 0.05, 1000).decision).toBe('pass');
    expect(decide(sure(0.03), 0.02, 'either', 0.05, 1000).decision).toBe('fail');
    expect(decide(sure(-0.03), 0.02, 'either', 0.05, 1000).decision).toBe('fail');
    expect(decide(sure(0.01), 0.02, 'either', 0.05, 1000).decision).toBe('pass');
  });
  it('the p-value is of "no degradation beyond the threshold"', () => {
    expect(decide(sure(0.02), 0.01, 'increase', 0.05, 1000).pValue).toBeLessThan(1e-10);
    expect(decide(sure(0.0), 0.01, 'increase', 0.05, 1000).pValue).toBe(1);
    expect(decide(vague(0.02), 0.01, 'increase', 0.05, 1000).pValue).toBe(1);
  });
  it('verdicts: any fail fails; pass needs every check that ran; skipped ones do not count; timeout', () => {
    expect(combine(['pass', 'fail', 'inconclusive'])).toBe('fail');
    expect(combine(['pass', 'skipped'])).toBe('pass');
    expect(combine(['pass', 'inconclusive'])).toBe('inconclusive');
    expect(verdictOf([{ decision: 'skipped' }])).toBe('inconclusive');
    expect(applyTimeout('inconclusive', 31 * 60_000, 30 * 60_000, 'fail')).toEqual({ verdict: 'fail', timedOut: true });
    expect(applyTimeout('inconclusive', 31 * 60_000, 30 * 60_000, 'pass')).toEqual({ verdict: 'pass', timedOut: true });
    expect(applyTimeout('inconclusive', 29 * 60_000, 30 * 60_000, 'fail')).toEqual({ verdict: 'inconclusive', timedOut: false });
    expect(applyTimeout('pass', 99 * 60_000, 30 * 60_000, 'fail')).toEqual({ verdict: 'pass', timedOut: false });
  });
});

describe('checks', () => {
  it('nothing logged yet: waiting, and the verdict is inconclusive', () => {
    const checks = runChecks(aggregates(side(0), side(0), { prediction: null }), builtinPolicy());
    expect(checks.map((c) => c.name)).toEqual(['latency_p95_ratio', 'error_rate_increase', 'confidence_shift', 'prediction_shift', 'feature_drift', 'quality', 'shadow_agreement']);
    expect(check(checks, 'error_rate_increase')).toMatchObject({ decision: 'inconclusive', reason: 'error_rate_increase: waiting for samples: baseline 0, candidate 0 of 500 a side' });
    expect(check(checks, 'feature_drift').decision).toBe('skipped');
    expect(check(checks, 'quality')).toMatchObject({ decision: 'skipped', reason: 'quality: no labels yet' });
    expect(verdictOf(checks)).toBe('inconclusive');
  });

  it('a regression fails the checks it shows in, each with its metric, threshold and statistic', () => {
    const b = side(20_000, { errors: 800, latency: { n: 20_000, h: p95Bandwidth(20_000), lower: 43, q: 45, upper: 47 }, confidence: { n: 20_000, mean: 0.7, variance: 0.01 } });
    const checks = runChecks(aggregates(side(20_000), b), builtinPolicy());
    const lat = check(checks, 'latency_p95_ratio');
    expect(lat).toMatchObject({ decision: 'fail', threshold: 1.2, direction: 'increase', baseline: { n: 20_000, value: 29 }, candidate: { n: 20_000, value: 45 } });
    expect(lat.value).toBeCloseTo(45 / 29, 12);
    expect(lat.statistic.lower).toBeGreaterThan(1.2);
    expect(lat.statistic.alpha).toBeCloseTo(0.05 / 7, 15);
    expect(lat.statistic.method).toMatch(/mixture/);
    expect(check(checks, 'error_rate_increase')).toMatchObject({ decision: 'fail', value: 0.03 });
    expect(check(checks, 'confidence_shift').decision).toBe('fail');
    expect(check(checks, 'confidence_shift').reason).toMatch(/^confidence_shift: mean confidence 0\.7 against 0\.8: shift -0\.1 \(99\.29% confidence sequence -0\.10\d+ \.\. -0\.09\d+\), moved beyond ±0\.02$/);
    expect(check(checks, 'prediction_shift').decision).toBe('pass');
    expect(verdictOf(checks)).toBe('fail');
  });

  it('a clone with plenty of traffic passes every check that runs', () => {
    const j = judgeAggregates(aggregates(side(50_000), side(50_000)), builtinPolicy(), 10 * 60_000);
    expect(j.checks.filter((c) => c.decision !== 'skipped').map((c) => [c.name, c.decision])).toEqual([
      ['latency_p95_ratio', 'pass'],
      ['error_rate_increase', 'pass'],
      ['confidence_shift', 'pass'],
      ['prediction_shift', 'pass'],
    ]);
    expect(j.verdict).toBe('pass');
    expect(reasonsFor(j.verdict, j.statistical, j.timedOut, j.checks, 600_000, builtinPolicy())[0]).toBe('all 4 check(s) that ran passed: latency_p95_ratio, error_rate_increase, confidence_shift, prediction_shift');
  });

  it('alpha is split across the enabled checks only; checks left out do not run', () => {
    const p = policy({ checks: { error_rate_increase: {}, confidence_shift: { threshold: 0.1 } } });
    const checks = runChecks(aggregates(side(5_000), side(5_000)), p);
    expect(checks.map((c) => c.name)).toEqual(['error_rate_increase', 'confidence_shift']);
    expect(checks[0]?.statistic.alpha).toBeCloseTo(0.025, 15);
    expect(checks[1]?.threshold).toBe(0.1);
  });

  it('no latency or confidence logged: those checks are skipped, not waited for', () => {
    const s = (n: number) => side(n, { latency: null, confidence: { n: 0, mean: 0, variance: 0 } });
    const checks = runChecks(aggregates(s(5_000), s(5_000)), builtinPolicy());
    expect(check(checks, 'latency_p95_ratio')).toMatchObject({ decision: 'skipped', reason: 'latency_p95_ratio: no latency_ms logged' });
    expect(check(checks, 'confidence_shift')).toMatchObject({ decision: 'skipped', reason: 'confidence_shift: no confidence logged' });
  });

  it('feature drift judges the critical features bin by bin; a feature nobody logs is skipped', () => {
    const p = policy({ critical_features: ['amount', 'ghost'] });
    const amount = { name: 'amount', kind: 'numeric' as const, bins: ['<= 1', '(1, 2]', '> 2', 'missing'], a: [3000, 3000, 4000, 0], b: [3000, 1000, 4000, 2000] };
    const ghost = { name: 'ghost', kind: 'absent' as const, bins: ['missing'], a: [10_000], b: [10_000] };
    const fd = check(runChecks(aggregates(side(10_000), side(10_000), { features: [amount, ghost] }), p), 'feature_drift');
    expect(fd.decision).toBe('fail');
    expect(fd.statistic.bin).toMatch(/^amount: /);
    expect(Math.abs(fd.value as number)).toBeCloseTo(0.2, 12);
    expect(fd.statistic.alpha).toBeCloseTo(0.05 / 7 / 2 / 11, 15);
    expect(fd.parts?.map((x) => [x.name, x.decision])).toEqual([
      ['amount', 'fail'],
      ['ghost', 'skipped'],
    ]);
  });

  it('quality: accuracy for classifiers, the MAE ratio for regressors; too few labels skip it', () => {
    const few = runChecks(aggregates(side(5_000), side(5_000), { quality: { task: 'classification', a: { n: 100, x: 90 }, b: { n: 100, x: 50 } } }), builtinPolicy());
    expect(check(few, 'quality')).toMatchObject({ decision: 'skipped', reason: 'quality: waiting for labels: baseline 100, candidate 100 of 500 a side' });
    const worse = runChecks(aggregates(side(5_000), side(5_000), { quality: { task: 'classification', a: { n: 2000, x: 1800 }, b: { n: 2000, x: 1500 } } }), builtinPolicy());
    expect(check(worse, 'quality')).toMatchObject({ decision: 'fail', direction: 'decrease', threshold: 0.02 });
    expect(check(worse, 'quality').value).toBeCloseTo(-0.15, 12);
    const mae = runChecks(aggregates(side(5_000), side(5_000), { quality: { task: 'regression', a: { n: 3000, mean: 1, variance: 0.5 }, b: { n: 3000, mean: 1.5, variance: 1 } } }), builtinPolicy());
    expect(check(mae, 'quality')).toMatchObject({ decision: 'fail', threshold: 1.1, metric: expect.stringMatching(/^MAE ratio/) });
    expect(check(mae, 'quality').value).toBeCloseTo(1.5, 12);
  });

  it('shadow agreement: the share of shared events predicted differently', () => {
    const checks = runChecks(aggregates(side(5_000), side(5_000), { shadow: { task: 'classification', shared: 5_000, disagree: 500 } }), builtinPolicy());
    expect(check(checks, 'shadow_agreement')).toMatchObject({ decision: 'fail', value: 0.1, candidate: { n: 5000, value: 0.9 } });
    const regression = runChecks(aggregates(side(5_000), side(5_000), { shadow: { task: 'regression', shared: 5_000, disagree: 0 } }), builtinPolicy());
    expect(check(regression, 'shadow_agreement').decision).toBe('skipped');
  });

  it('max_duration: inconclusive becomes on_timeout, with the reason said', () => {
    const p = policy({ max_duration: '30m', on_timeout: 'pass' });
    const j = judgeAggregates(aggregates(side(600), side(600)), p, 31 * 60_000);
    expect(j).toMatchObject({ statistical: 'inconclusive', verdict: 'pass', timedOut: true });
    expect(reasonsFor(j.verdict, j.statistical, j.timedOut, j.checks, 31 * 60_000, p)).toContain('still inconclusive after 31m (max_duration 30m): on_timeout makes it pass');
  });
});
