// The seven checks: each turns the aggregates of one look into a decision
// with its metric, threshold, statistic and a one-line reason. The policy's
// alpha is split evenly across its enabled checks (Bonferroni), and within a
// distribution check across its bins (and features), so the chance that any
// check ever fails a candidate that is within every threshold stays at most
// alpha for the whole rollout.
import type { Distribution, GateAggregates } from './aggregates.ts';
import { MAX_BINS } from './aggregates.ts';
import { enabledChecks, type CheckName, type GatePolicy } from './config.ts';
import { combine, decide, type Boundary, type SequenceDecision } from './decide.ts';
import { differenceOfMeans, differenceOfProportions, logQuantileRatio, logRatioOfMeans, proportion, type Estimate } from './estimates.ts';
import type { CheckDecision, Direction, GateCheck } from './types.ts';

export const METHOD = 'normal-mixture confidence sequence (mSPRT, always valid)';

export function fmt(x: number | null): string {
  if (x === null || !Number.isFinite(x)) return String(x);
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

const pct = (alpha: number) => `${fmt(100 * (1 - alpha))}%`;

interface Judged {
  d: SequenceDecision;
  /** Map the effect scale to the metric's scale (exp for log ratios). */
  show: (x: number) => number;
}

type Judge = (e: Estimate, threshold: number, direction: Direction, alpha: number, show?: (x: number) => number) => Judged;

/** Judgements with one boundary (the mixture sequence unless a test swaps it) and the policy's tight_at. */
function judgeWith(tightAt: number, boundary?: Boundary): Judge {
  return (e, threshold, direction, alpha, show = (x) => x) => ({ d: decide(e, threshold, direction, alpha, tightAt, boundary), show });
}

function wording(decision: CheckDecision, direction: Direction, threshold: string): string {
  if (decision === 'fail') return direction === 'either' ? `moved beyond ±${threshold}` : direction === 'increase' ? `surely above ${threshold}` : `surely below -${threshold}`;
  if (decision === 'pass') return direction === 'either' ? `surely within ±${threshold}` : direction === 'increase' ? `surely below ${threshold}` : `surely above -${threshold}`;
  return `the sequence still contains ${direction === 'either' ? '±' : direction === 'decrease' ? '-' : ''}${threshold}`;
}

interface Base {
  name: CheckName;
  metric: string;
  threshold: number;
  direction: Direction;
  alpha: number;
  baseline: GateCheck['baseline'];
  candidate: GateCheck['candidate'];
}

function unjudged(b: Base, decision: 'skipped' | 'inconclusive', reason: string): GateCheck {
  const { alpha, ...rest } = b;
  return { ...rest, decision, value: null, statistic: { method: METHOD, estimate: null, lower: null, upper: null, alpha, p_value: null }, reason: `${b.name}: ${reason}` };
}

function judged(b: Base, j: Judged, label: string): GateCheck {
  const { alpha, ...rest } = b;
  const { d, show } = j;
  const value = show(d.cs.estimate);
  const [lower, upper] = [show(d.cs.lower), show(d.cs.upper)];
  return {
    ...rest,
    decision: d.decision,
    value,
    statistic: { method: METHOD, estimate: value, lower, upper, alpha, p_value: d.pValue },
    reason: `${b.name}: ${label} ${fmt(value)} (${pct(alpha)} confidence sequence ${fmt(lower)} .. ${fmt(upper)}), ${wording(d.decision, b.direction, fmt(b.threshold))}`,
  };
}

const waiting = (na: number, nb: number, min: number, what = 'samples') => `waiting for ${what}: baseline ${na}, candidate ${nb} of ${min} a side`;

/** One decision per bin of a distribution, each at alpha / MAX_BINS; the bin that moved most speaks for the check. */
function distribution(judge: Judge, dist: Distribution, threshold: number, alpha: number): { decision: CheckDecision; parts: NonNullable<GateCheck['parts']>; worst: { bin: string; j: Judged } | null } {
  const na = dist.a.reduce((s, x) => s + x, 0);
  const nb = dist.b.reduce((s, x) => s + x, 0);
  const parts: NonNullable<GateCheck['parts']> = [];
  let worst: { bin: string; j: Judged } | null = null;
  dist.bins.forEach((bin, i) => {
    const e = differenceOfProportions({ n: na, x: dist.a[i] ?? 0 }, { n: nb, x: dist.b[i] ?? 0 });
    const j = judge(e, threshold, 'either', alpha / MAX_BINS);
    parts.push({ name: bin, decision: j.d.decision, estimate: e.estimate, lower: j.d.cs.lower, upper: j.d.cs.upper });
    const rank = (x: { j: Judged }) => (x.j.d.decision === 'fail' ? 2 : 1) * 10 + Math.min(Math.abs(x.j.d.cs.estimate), 1);
    if (!worst || rank({ j }) > rank(worst)) worst = { bin, j };
  });
  return { decision: combine(parts.map((p) => p.decision)), parts, worst };
}

function shiftCheck(judge: Judge, b: Base, dist: Distribution | null, min: number, what: string): GateCheck {
  if (!dist || b.baseline.n < min || b.candidate.n < min) return unjudged(b, 'inconclusive', waiting(b.baseline.n, b.candidate.n, min));
  const r = distribution(judge, dist, b.threshold, b.alpha);
  const w = r.worst as { bin: string; j: Judged } | null;
  if (!w) return unjudged(b, 'skipped', 'nothing to compare');
  const c = judged(b, w.j, `largest change of a ${what} share (${w.bin})`);
  return { ...c, decision: r.decision, statistic: { ...c.statistic, bin: w.bin, alpha: b.alpha / MAX_BINS }, parts: r.parts, reason: `${c.reason}${r.decision !== w.j.d.decision ? `; overall ${r.decision}` : ''}` };
}

function featureDrift(judge: Judge, b: Base, agg: GateAggregates, policy: GatePolicy): GateCheck {
  const t = b.threshold;
  if (agg.features.length === 0) return unjudged(b, 'skipped', 'no critical_features in the policy');
  if (b.baseline.n < policy.min_samples || b.candidate.n < policy.min_samples) return unjudged(b, 'inconclusive', waiting(b.baseline.n, b.candidate.n, policy.min_samples));
  const alpha = b.alpha / agg.features.length;
  const parts: NonNullable<GateCheck['parts']> = [];
  let worst: { feature: string; bin: string; j: Judged } | null = null;
  for (const f of agg.features) {
    if (f.kind === 'absent') {
      parts.push({ name: f.name, decision: 'skipped', estimate: null, lower: null, upper: null });
      continue;
    }
    const r = distribution(judge, f, t, alpha);
    const w = r.worst as { bin: string; j: Judged } | null;
    parts.push({ name: f.name, decision: r.decision, estimate: w?.j.d.cs.estimate ?? null, lower: w?.j.d.cs.lower ?? null, upper: w?.j.d.cs.upper ?? null, bin: w?.bin });
    if (w && (!worst || (w.j.d.decision === 'fail' && worst.j.d.decision !== 'fail') || (w.j.d.decision === worst.j.d.decision && Math.abs(w.j.d.cs.estimate) > Math.abs(worst.j.d.cs.estimate)))) {
      worst = { feature: f.name, ...w };
    }
  }
  const decision = combine(parts.map((p) => p.decision));
  if (!worst || decision === 'skipped') return { ...unjudged(b, 'skipped', `critical features not logged: ${agg.features.map((f) => f.name).join(', ')}`), parts };
  const c = judged(b, worst.j, `largest change of a bin share (${worst.feature}: ${worst.bin})`);
  return { ...c, decision, statistic: { ...c.statistic, bin: `${worst.feature}: ${worst.bin}`, alpha: alpha / MAX_BINS }, parts, reason: `${c.reason}${decision !== worst.j.d.decision ? `; overall ${decision}` : ''}` };
}

/** Every enabled check of the policy on one look's aggregates. */
export function runChecks(agg: GateAggregates, policy: GatePolicy, opts: { boundary?: Boundary } = {}): GateCheck[] {
  const judge = judgeWith(policy.tight_at, opts.boundary);
  const names = enabledChecks(policy);
  const alpha = policy.alpha / Math.max(names.length, 1);
  const min = policy.min_samples;
  const { a, b } = agg;
  return names.map((name): GateCheck => {
    switch (name) {
      case 'latency_p95_ratio': {
        const t = policy.checks.latency_p95_ratio?.threshold ?? 1.2;
        const base: Base = { name, metric: 'latency p95 ratio (candidate / baseline)', threshold: t, direction: 'increase', alpha, baseline: { n: a.latency?.n ?? 0, value: a.latency?.q ?? null }, candidate: { n: b.latency?.n ?? 0, value: b.latency?.q ?? null } };
        if (!a.latency || !b.latency) return unjudged(base, b.n > 0 && a.n > 0 ? 'skipped' : 'inconclusive', b.n > 0 && a.n > 0 ? 'no latency_ms logged' : waiting(a.n, b.n, min));
        if (a.latency.n < min || b.latency.n < min) return unjudged(base, 'inconclusive', waiting(a.latency.n, b.latency.n, min, 'latencies'));
        const e = logQuantileRatio(a.latency, b.latency);
        if (!e) return unjudged(base, 'skipped', 'a p95 latency of 0 has no ratio');
        return judged(base, judge(e, Math.log(t), 'increase', alpha, Math.exp), `p95 ${fmt(b.latency.q)} ms against ${fmt(a.latency.q)} ms: ratio`);
      }
      case 'error_rate_increase': {
        const t = policy.checks.error_rate_increase?.threshold ?? 0.005;
        const base: Base = { name, metric: 'error rate increase (candidate - baseline)', threshold: t, direction: 'increase', alpha, baseline: { n: a.n, value: a.n > 0 ? a.errors / a.n : null }, candidate: { n: b.n, value: b.n > 0 ? b.errors / b.n : null } };
        if (a.n < min || b.n < min) return unjudged(base, 'inconclusive', waiting(a.n, b.n, min));
        return judged(base, judge(differenceOfProportions({ n: a.n, x: a.errors }, { n: b.n, x: b.errors }), t, 'increase', alpha), `error rate ${fmt(b.errors / b.n)} against ${fmt(a.errors / a.n)}: increase`);
      }
      case 'confidence_shift': {
        const t = policy.checks.confidence_shift?.threshold ?? 0.02;
        const base: Base = { name, metric: 'mean confidence shift (candidate - baseline)', threshold: t, direction: 'either', alpha, baseline: { n: a.confidence.n, value: a.confidence.n > 0 ? a.confidence.mean : null }, candidate: { n: b.confidence.n, value: b.confidence.n > 0 ? b.confidence.mean : null } };
        if ((a.confidence.n === 0 || b.confidence.n === 0) && a.n > 0 && b.n > 0) return unjudged(base, 'skipped', 'no confidence logged');
        if (a.confidence.n < min || b.confidence.n < min) return unjudged(base, 'inconclusive', waiting(a.confidence.n, b.confidence.n, min, 'confidences'));
        return judged(base, judge(differenceOfMeans(a.confidence, b.confidence), t, 'either', alpha), `mean confidence ${fmt(b.confidence.mean)} against ${fmt(a.confidence.mean)}: shift`);
      }
      case 'prediction_shift': {
        const t = policy.checks.prediction_shift?.threshold ?? 0.05;
        const base: Base = { name, metric: 'largest change of a prediction share (class, or baseline decile of the prediction)', threshold: t, direction: 'either', alpha, baseline: { n: a.n, value: null }, candidate: { n: b.n, value: null } };
        return shiftCheck(judge, base, agg.prediction, min, 'prediction');
      }
      case 'feature_drift': {
        const t = policy.checks.feature_drift?.threshold ?? 0.05;
        const base: Base = { name, metric: `largest change of a bin share of a critical feature (${policy.critical_features.join(', ') || 'none'})`, threshold: t, direction: 'either', alpha, baseline: { n: a.n, value: null }, candidate: { n: b.n, value: null } };
        return featureDrift(judge, base, agg, policy);
      }
      case 'quality': {
        const q = agg.quality;
        const cfg = policy.checks.quality ?? { threshold: 0.02, mae_ratio: 1.1 };
        if (q?.task === 'regression') {
          const base: Base = { name, metric: 'MAE ratio on labelled predictions (candidate / baseline)', threshold: cfg.mae_ratio, direction: 'increase', alpha, baseline: { n: q.a.n, value: q.a.n > 0 ? q.a.mean : null }, candidate: { n: q.b.n, value: q.b.n > 0 ? q.b.mean : null } };
          if (q.a.n < min || q.b.n < min) return unjudged(base, 'skipped', waiting(q.a.n, q.b.n, min, 'labels'));
          const e = logRatioOfMeans(q.a, q.b);
          if (!e) return unjudged(base, 'skipped', 'an MAE of 0 has no ratio');
          return judged(base, judge(e, Math.log(cfg.mae_ratio), 'increase', alpha, Math.exp), `MAE ${fmt(q.b.mean)} against ${fmt(q.a.mean)}: ratio`);
        }
        const base: Base = { name, metric: 'accuracy change on labelled predictions (candidate - baseline)', threshold: cfg.threshold, direction: 'decrease', alpha, baseline: { n: q?.a.n ?? 0, value: q && q.a.n > 0 ? q.a.x / q.a.n : null }, candidate: { n: q?.b.n ?? 0, value: q && q.b.n > 0 ? q.b.x / q.b.n : null } };
        if (!q) return unjudged(base, 'skipped', 'no labels yet');
        if (q.a.n < min || q.b.n < min) return unjudged(base, 'skipped', waiting(q.a.n, q.b.n, min, 'labels'));
        return judged(base, judge(differenceOfProportions(q.a, q.b), cfg.threshold, 'decrease', alpha), `accuracy ${fmt(q.b.x / q.b.n)} against ${fmt(q.a.x / q.a.n)}: change`);
      }
      case 'shadow_agreement': {
        const s = agg.shadow;
        const t = policy.checks.shadow_agreement?.threshold ?? 0.05;
        const base: Base = { name, metric: 'share of shared events predicted differently', threshold: t, direction: 'increase', alpha, baseline: { n: s?.shared ?? 0, value: null }, candidate: { n: s?.shared ?? 0, value: s && s.shared > 0 ? 1 - s.disagree / s.shared : null } };
        if (!s) return unjudged(base, 'skipped', 'the versions share no event_id (not a shadow deployment)');
        if (s.task === 'regression') return unjudged(base, 'skipped', 'agreement is judged for class predictions only');
        if (s.shared < min) return unjudged(base, 'skipped', waiting(s.shared, s.shared, min, 'shared events'));
        return judged(base, judge(proportion({ n: s.shared, x: s.disagree }), t, 'increase', alpha), `agreement ${fmt(1 - s.disagree / s.shared)}: disagreement`);
      }
    }
  });
}
