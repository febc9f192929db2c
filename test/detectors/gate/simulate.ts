// Simulated rollouts for the gate's validity tests: a baseline and a
// candidate serve traffic minute by minute; after every minute a controller
// asks for a verdict. Each request draws an error flag, a latency, a class
// and a confidence; the sides accumulate the sufficient statistics the
// engine would return (counts, mean and variance of confidence, class
// counts, the p95 latency band with numpy's interpolation, as
// quantilesExactInclusive), and the gate's own checks judge every look.
import type { GateAggregates, SideSummary } from '../../../detectors/gate/aggregates.ts';
import type { GatePolicy } from '../../../detectors/gate/config.ts';
import type { Boundary } from '../../../detectors/gate/decide.ts';
import { P95, p95Bandwidth } from '../../../detectors/gate/estimates.ts';
import { judgeAggregates } from '../../../detectors/gate/gate.ts';
import type { ConfidenceSequence } from '../../../detectors/gate/sequential.ts';
import { normalSf } from '../../../detectors/operational/normal.ts';
import { quantileSorted } from '../../../detectors/stats/quantile.ts';
import { rng } from '../../../src/demo/traffic.ts';

export interface Traffic {
  errorRate: number;
  /** Mean of the exponential part of the latency (ms): 5 ms + Exp(mean). */
  latencyMean: number;
  /** Added to every confidence (1 − U²/2, mean 0.833). */
  confidenceShift: number;
  /** Shares of classes 0, 1, 2. */
  classes: readonly number[];
}

export const BASE: Traffic = { errorRate: 0.1, latencyMean: 15, confidenceShift: 0, classes: [0.7, 0.2, 0.1] };

export interface Scenario {
  baseline: Traffic;
  candidate: Traffic;
  /** Requests per minute of each side. */
  perMinute: { baseline: number; candidate: number };
  minutes: number;
}

export interface Rule {
  name: string;
  boundary?: Boundary;
}

export interface Outcome {
  /** First look (1-based minute) with verdict fail, per rule; null: never. */
  failAt: Record<string, number | null>;
  passAt: Record<string, number | null>;
  /** Checks that failed at the first failing look of the first rule. */
  failedBy: string[];
}

class Side {
  n = 0;
  errors = 0;
  confSum = 0;
  confSq = 0;
  classes: number[];
  /** Sorted latencies so far, and a spare buffer the next merge writes into. */
  latency: Float64Array;
  spare: Float64Array;
  batch: Float64Array;
  constructor(capacity: number, perMinute: number, classes: number) {
    this.latency = new Float64Array(capacity);
    this.spare = new Float64Array(capacity);
    this.batch = new Float64Array(perMinute);
    this.classes = new Array<number>(classes).fill(0);
  }

  serve(t: Traffic, count: number, r: () => number): void {
    const batch = this.batch.subarray(0, count);
    const shares = t.classes;
    const last = shares.length - 1;
    const { errorRate, latencyMean, confidenceShift } = t;
    let errors = 0;
    let confSum = 0;
    let confSq = 0;
    for (let i = 0; i < count; i++) {
      if (r() < errorRate) errors++;
      batch[i] = 5 - latencyMean * Math.log(1 - r());
      const u = r();
      const c = 1 - 0.5 * u * u + confidenceShift;
      confSum += c;
      confSq += c * c;
      let k = r();
      let cls = 0;
      while (cls < last && k >= (shares[cls] as number)) k -= shares[cls++] as number;
      this.classes[cls] = (this.classes[cls] as number) + 1;
    }
    this.errors += errors;
    this.confSum += confSum;
    this.confSq += confSq;
    batch.sort();
    // Merge the sorted minute into the sorted history (no full re-sort per look).
    const old = this.latency;
    const out = this.spare;
    let i = 0;
    let j = 0;
    let k = 0;
    while (i < this.n && j < count) out[k++] = (old[i] as number) <= (batch[j] as number) ? (old[i++] as number) : (batch[j++] as number);
    while (i < this.n) out[k++] = old[i++] as number;
    while (j < count) out[k++] = batch[j++] as number;
    this.latency = out;
    this.spare = old;
    this.n += count;
  }

  summary(): SideSummary {
    const sorted = this.latency.subarray(0, this.n);
    const h = p95Bandwidth(this.n);
    const mean = this.confSum / this.n;
    return {
      n: this.n,
      errors: this.errors,
      latency: { n: this.n, h, lower: quantileSorted(sorted, P95 - h), q: quantileSorted(sorted, P95), upper: quantileSorted(sorted, P95 + h) },
      confidence: { n: this.n, mean, variance: Math.max(0, (this.confSq - this.n * mean * mean) / (this.n - 1)) },
    };
  }
}

export function simulateRollout(s: Scenario, policy: GatePolicy, rules: readonly Rule[], seed: number): Outcome {
  const r = rng(seed);
  const a = new Side(s.perMinute.baseline * s.minutes, s.perMinute.baseline, s.baseline.classes.length);
  const b = new Side(s.perMinute.candidate * s.minutes, s.perMinute.candidate, s.candidate.classes.length);
  const out: Outcome = { failAt: {}, passAt: {}, failedBy: [] };
  for (const rule of rules) {
    out.failAt[rule.name] = null;
    out.passAt[rule.name] = null;
  }
  // A controller stops asking once the gate failed the rollout.
  for (let minute = 1; minute <= s.minutes && rules.some((x) => out.failAt[x.name] === null); minute++) {
    a.serve(s.baseline, s.perMinute.baseline, r);
    b.serve(s.candidate, s.perMinute.candidate, r);
    const agg: GateAggregates = {
      a: a.summary(),
      b: b.summary(),
      prediction: { bins: a.classes.map((_, i) => `class ${i}`), a: [...a.classes], b: [...b.classes] },
      features: [],
      quality: null,
      shadow: null,
    };
    for (const rule of rules) {
      if (out.failAt[rule.name] !== null) continue;
      const j = judgeAggregates(agg, policy, minute * 60_000, { boundary: rule.boundary });
      if (j.verdict === 'fail') {
        out.failAt[rule.name] = minute;
        if (rule === rules[0]) out.failedBy = j.checks.filter((c) => c.decision === 'fail').map((c) => c.name);
      } else if (j.verdict === 'pass' && out.passAt[rule.name] === null) out.passAt[rule.name] = minute;
    }
  }
  return out;
}

const quantileCache = new Map<number, number>();

/** z with P(Z > z) = p, by bisection on the accurate normal tail (memoized: the looks reuse a few levels). */
export function normalQuantileUpper(p: number): number {
  const hit = quantileCache.get(p);
  if (hit !== undefined) return hit;
  let lo = 0;
  let hi = 40;
  for (let i = 0; i < 200; i++) {
    const mid = (lo + hi) / 2;
    if (normalSf(mid) > p) lo = mid;
    else hi = mid;
  }
  quantileCache.set(p, (lo + hi) / 2);
  return (lo + hi) / 2;
}

/** The naive rule: a fixed-sample two-sided interval at the same alpha, as if each look were the only one. */
export const fixedSampleInterval: Boundary = (estimate, variance, _n, alpha): ConfidenceSequence => {
  const radius = normalQuantileUpper(alpha / 2) * Math.sqrt(variance);
  return { estimate, lower: estimate - radius, upper: estimate + radius, radius, alpha };
};

export function summarize(outcomes: readonly Outcome[], rule: string): { rate: number; looks: number[]; median: number | null; p90: number | null; max: number | null } {
  const looks = outcomes.map((o) => o.failAt[rule]).filter((x): x is number => x !== null).sort((x, y) => x - y);
  const at = (q: number) => (looks.length === 0 ? null : (looks[Math.min(looks.length - 1, Math.floor(q * looks.length))] as number));
  return { rate: looks.length / outcomes.length, looks, median: at(0.5), p90: at(0.9), max: looks.length ? (looks[looks.length - 1] as number) : null };
}
