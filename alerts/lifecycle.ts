// The per-alert state machine, a pure function of the previous alert and one
// run's judgement:
//   breach: inactive/resolved -> pending (or firing when for = 1),
//           pending -> firing after `for` consecutive breaching runs
//   healthy: pending -> inactive (the count starts over, so a flapping score
//            never reaches `for`), firing -> resolved once keep_firing_for
//            healthy runs (or that much time since the last breach) passed.
// Runs without data neither advance nor reset an alert.
import { MAX_EVIDENCE, type Alert, type AlertState, type Evidence } from './alert.ts';
import type { RuleConfig, Severity } from './config.ts';
import type { Labels } from './labels.ts';
import { parseDuration } from '../src/core/util/duration.ts';

export type StepInput =
  | {
      kind: 'breach';
      fingerprint: string;
      rule: RuleConfig;
      identity: Labels;
      annotations: Record<string, string>;
      severity: Severity;
      value: number | null;
      threshold: number | null;
      evidence: Evidence;
      runId: string;
      now: number;
    }
  | { kind: 'ok'; rule: RuleConfig; value: number | null; runId: string; now: number };

export interface StepResult {
  next: Alert;
  from: AlertState;
}

function keepFiringDone(alert: Alert, rule: RuleConfig, now: number): boolean {
  const k = rule.keep_firing_for;
  if (typeof k === 'number') return alert.okRuns > k;
  return now - (alert.lastBreachAt ?? now) >= parseDuration(k);
}

/** The next alert after one judgement, or null when nothing changes (healthy and not active). */
export function step(prev: Alert | undefined, input: StepInput): StepResult | null {
  const from: AlertState = prev?.state ?? 'inactive';
  const { now } = input;
  if (input.kind === 'breach') {
    const active = prev !== undefined && (prev.state === 'pending' || prev.state === 'firing');
    const breachRuns = (active ? prev.breachRuns : 0) + 1;
    const wasFiring = active && prev.state === 'firing';
    const firing = wasFiring || breachRuns >= input.rule.for;
    const evidence = [...(active ? prev.evidence : []), input.evidence].slice(-MAX_EVIDENCE);
    const next: Alert = {
      fingerprint: input.fingerprint,
      rule: input.rule.name,
      labels: { ...input.identity, severity: input.severity },
      annotations: input.annotations,
      state: firing ? 'firing' : 'pending',
      severity: input.severity,
      value: input.value,
      threshold: input.threshold,
      breachRuns,
      okRuns: 0,
      activeAt: active ? prev.activeAt : now,
      firedAt: wasFiring ? prev.firedAt : firing ? now : null,
      lastBreachAt: now,
      resolvedAt: null,
      lastRunId: input.runId,
      evidence,
      updatedAt: now,
    };
    return { next, from };
  }
  if (!prev) return null;
  if (prev.state === 'pending') {
    return { next: { ...prev, state: 'inactive', breachRuns: 0, okRuns: 0, activeAt: null, value: input.value, lastRunId: input.runId, evidence: [], updatedAt: now }, from };
  }
  if (prev.state === 'firing') {
    const held: Alert = { ...prev, okRuns: prev.okRuns + 1, value: input.value, lastRunId: input.runId, updatedAt: now };
    if (keepFiringDone(held, input.rule, now)) return { next: { ...held, state: 'resolved', resolvedAt: now, breachRuns: 0 }, from };
    return { next: held, from };
  }
  return null;
}
