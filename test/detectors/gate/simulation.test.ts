// The gate stays valid when a controller asks every minute for 30 minutes.
// 500 clean rollouts (both versions serve the same traffic, 500 requests a
// minute each) are judged after every minute by the gate's own checks
// (latency p95 ratio, error-rate increase, confidence shift, prediction
// shift) with every threshold at the boundary of "no change" (0, or a ratio
// of 1): the hardest case for a false fail. A rollout fails falsely when any
// of its 30 looks says fail.
//   - the gate (mixture confidence sequences) fails at most alpha plus three
//     standard errors of a rate measured on 500 rollouts:
//     0.05 + 3·√(0.05·0.95/500) = 0.0792;
//   - the same checks with a fixed-sample interval at the same alpha (each
//     look judged as if it were the only one) fail clean rollouts more often
//     than that bound: the naive gate is not valid, so this test can fail;
//   - a planted 20% error-rate increase (10% -> 12%) and a planted
//     confidence drop of 0.015 are caught in at least 95% of 500 rollouts
//     within the 30 looks, with a median detection look of at most 15.
// The measured rates and detection looks are printed (and quoted in the
// README). Seeded, so every run sees the same rollouts.
import { describe, expect, it } from 'vitest';
import { gatePolicySchema } from '../../../detectors/gate/config.ts';
import { BASE, fixedSampleInterval, simulateRollout, summarize, type Outcome, type Scenario, type Traffic } from './simulate.ts';

const ALPHA = 0.05;
const ROLLOUTS = 500;
const BOUND = ALPHA + 3 * Math.sqrt((ALPHA * (1 - ALPHA)) / ROLLOUTS);
const policy = gatePolicySchema.parse({
  name: 'simulation',
  alpha: ALPHA,
  min_samples: 500,
  max_duration: '1d',
  checks: { latency_p95_ratio: { threshold: 1 }, error_rate_increase: { threshold: 0 }, confidence_shift: { threshold: 0 }, prediction_shift: { threshold: 0 } },
});
const RULES = [{ name: 'sequential' }, { name: 'naive', boundary: fixedSampleInterval }];

function run(candidate: Traffic, seed: number, rules = RULES): Outcome[] {
  const s: Scenario = { baseline: BASE, candidate, perMinute: { baseline: 500, candidate: 500 }, minutes: 30 };
  return Array.from({ length: ROLLOUTS }, (_, i) => simulateRollout(s, policy, rules, seed + i));
}

// About 10 s of CPU in all; the timeout leaves room for a loaded machine.
describe('gate simulation: 30 looks a rollout, one a minute', { timeout: 300_000 }, () => {
  it('clean rollouts: the gate fails at most alpha (+ sampling error); a fixed-sample test checked every minute does not', () => {
    const outcomes = run(BASE, 1_000);
    const seq = summarize(outcomes, 'sequential');
    const naive = summarize(outcomes, 'naive');
    console.log(`clean rollouts (${ROLLOUTS}): false-fail rate sequential ${seq.rate} (bound ${BOUND.toFixed(4)}), naive fixed-sample ${naive.rate} (median first false fail at look ${naive.median})`);
    expect(seq.rate).toBeLessThanOrEqual(BOUND);
    expect(naive.rate).toBeGreaterThan(BOUND);
  });

  it('a planted 20% error-rate increase is caught within the 30 looks', () => {
    const outcomes = run({ ...BASE, errorRate: BASE.errorRate * 1.2 }, 2_000, RULES.slice(0, 1));
    const s = summarize(outcomes, 'sequential');
    const byErrors = outcomes.filter((o) => o.failedBy.includes('error_rate_increase')).length / ROLLOUTS;
    console.log(`error rate 10% -> 12% (${ROLLOUTS}): caught in ${s.rate} (by error_rate_increase: ${byErrors}); detection look median ${s.median}, p90 ${s.p90}, max ${s.max}`);
    expect(s.rate).toBeGreaterThanOrEqual(0.95);
    expect(byErrors).toBeGreaterThanOrEqual(0.95);
    expect(s.median).toBeLessThanOrEqual(15);
  });

  it('a planted confidence drop is caught within the 30 looks', () => {
    const outcomes = run({ ...BASE, confidenceShift: -0.015 }, 3_000, RULES.slice(0, 1));
    const s = summarize(outcomes, 'sequential');
    const byConfidence = outcomes.filter((o) => o.failedBy.includes('confidence_shift')).length / ROLLOUTS;
    console.log(`mean confidence 0.833 -> 0.818 (${ROLLOUTS}): caught in ${s.rate} (by confidence_shift: ${byConfidence}); detection look median ${s.median}, p90 ${s.p90}, max ${s.max}`);
    expect(s.rate).toBeGreaterThanOrEqual(0.95);
    expect(byConfidence).toBeGreaterThanOrEqual(0.95);
    expect(s.median).toBeLessThanOrEqual(15);
  });
});
