// What the gate answers: a verdict, the checks behind it and the reasons.
import type { CheckName } from './config.ts';

export type Verdict = 'pass' | 'fail' | 'inconclusive';
export type CheckDecision = Verdict | 'skipped';

/** Which way a change hurts: up (latency, errors), down (accuracy), or either (shifts). */
export type Direction = 'increase' | 'decrease' | 'either';

export interface CheckStatistic {
  /** How the evidence was weighed. */
  method: string;
  /** The effect on the scale the threshold is on (for shifts: the largest |change| of a share). */
  estimate: number | null;
  /** The confidence sequence at this look (for shifts: of the share that changed most). */
  lower: number | null;
  upper: number | null;
  /** The error level this check uses: the policy's alpha split across checks (and bins). */
  alpha: number;
  /** Always-valid p-value of "no degradation beyond the threshold" (1 when the estimate is on the good side). */
  p_value: number | null;
  /** For shifts: which bin or class moved most. */
  bin?: string;
}

export interface CheckSide {
  n: number;
  /** The metric on this side (error rate, p95 ms, mean confidence, accuracy ...), when it has one. */
  value: number | null;
}

export interface GateCheck {
  name: CheckName;
  /** What is measured, in words. */
  metric: string;
  /** The check's threshold, on the scale of `metric` (a ratio for latency_p95_ratio). */
  threshold: number;
  direction: Direction;
  decision: CheckDecision;
  /** The effect on the metric's own scale (ratio, difference, share). */
  value: number | null;
  statistic: CheckStatistic;
  baseline: CheckSide;
  candidate: CheckSide;
  /** One line saying why. */
  reason: string;
  /** Per feature (feature_drift) or per bin (shifts), the parts the decision is made of. */
  parts?: Array<{ name: string; decision: CheckDecision; estimate: number | null; lower: number | null; upper: number | null; bin?: string }>;
}

export interface GateReport {
  verdict: Verdict;
  /** The verdict before max_duration was applied. */
  statistical_verdict: Verdict;
  timed_out: boolean;
  model: string;
  candidate: string;
  baseline: string;
  policy: string;
  /** The rollout's start (the candidate's first prediction) and the end of the evidence. */
  window: { start: string | null; end: string };
  elapsed_seconds: number;
  max_duration_seconds: number;
  /** Predictions of each version in the window. */
  samples: { baseline: number; candidate: number };
  alpha: number;
  checks: GateCheck[];
  reasons: string[];
  evidence_url: string | null;
  decision_id: string;
  decided_at: string;
  rollback: { action: string; outcome: string; webhook_id?: string } | null;
}
