// Decisions from confidence sequences. A check's threshold t is the largest
// degradation still acceptable:
//   fail          the whole sequence lies beyond t: surely worse than acceptable
//   pass          the whole sequence lies within t: surely acceptable
//   inconclusive  otherwise: t is still inside, keep looking
// Because the sequence covers the true effect at every look with probability
// 1 − α, a check whose true degradation is within t fails with probability
// at most α over the whole rollout, and one beyond t passes with probability
// at most α, however often the gate is asked.
import { alwaysValidPValue, confidenceSequence, type ConfidenceSequence } from './sequential.ts';
import type { Estimate } from './estimates.ts';
import type { CheckDecision, Direction, GateCheck, Verdict } from './types.ts';

/** How an estimate becomes an interval: the mixture sequence (the gate), or a fixed-sample interval (tests show why not). */
export type Boundary = (estimate: number, variance: number, n: number, alpha: number, tightAt: number) => ConfidenceSequence;

export interface SequenceDecision {
  decision: Exclude<CheckDecision, 'skipped'>;
  cs: ConfidenceSequence;
  /** Always-valid p-value of "degradation ≤ t" (1 when the estimate is on the acceptable side). */
  pValue: number;
}

/**
 * Judge one effect: `threshold` is on the effect's scale (for a ratio check,
 * the log of the ratio). increase: bad when θ > t; decrease: bad when θ < −t;
 * either: bad when |θ| > t.
 */
export function decide(e: Estimate, threshold: number, direction: Direction, alpha: number, tightAt: number, boundary: Boundary = confidenceSequence): SequenceDecision {
  const cs = boundary(e.estimate, e.variance, e.n, alpha, tightAt);
  const up = cs.lower > threshold;
  const down = cs.upper < -threshold;
  let decision: SequenceDecision['decision'];
  if (direction === 'increase') decision = up ? 'fail' : cs.upper < threshold ? 'pass' : 'inconclusive';
  else if (direction === 'decrease') decision = down ? 'fail' : cs.lower > -threshold ? 'pass' : 'inconclusive';
  else decision = up || down ? 'fail' : cs.lower > -threshold && cs.upper < threshold ? 'pass' : 'inconclusive';
  const p = (theta0: number) => alwaysValidPValue(e.estimate, e.variance, e.n, theta0, alpha, tightAt);
  const pUp = e.estimate > threshold ? p(threshold) : 1;
  const pDown = e.estimate < -threshold ? p(-threshold) : 1;
  const pValue = direction === 'increase' ? pUp : direction === 'decrease' ? pDown : Math.min(pUp, pDown);
  return { decision, cs, pValue };
}

/** Several effects judged together (the bins of a distribution): fail if any fails, pass if all pass. */
export function combine(decisions: ReadonlyArray<CheckDecision>): CheckDecision {
  const judged = decisions.filter((d) => d !== 'skipped');
  if (judged.length === 0) return 'skipped';
  if (judged.includes('fail')) return 'fail';
  if (judged.every((d) => d === 'pass')) return 'pass';
  return 'inconclusive';
}

/** The gate's verdict: fail when a check fails; pass when every check that ran passed; else inconclusive. */
export function verdictOf(checks: ReadonlyArray<Pick<GateCheck, 'decision'>>): Verdict {
  const d = combine(checks.map((c) => c.decision));
  return d === 'skipped' ? 'inconclusive' : d;
}

/** After max_duration an inconclusive verdict becomes the policy's on_timeout; pass and fail stand. */
export function applyTimeout(v: Verdict, elapsedMs: number, maxDurationMs: number, onTimeout: 'pass' | 'fail'): { verdict: Verdict; timedOut: boolean } {
  if (v === 'inconclusive' && elapsedMs >= maxDurationMs) return { verdict: onTimeout, timedOut: true };
  return { verdict: v, timedOut: false };
}
