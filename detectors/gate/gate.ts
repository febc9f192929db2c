// The rollout gate: is candidate version b of a model fit to replace
// baseline version a? The evidence is everything both versions logged since
// the rollout started (the candidate's first prediction), aggregated by the
// engine; the checks judge it with confidence sequences that stay valid when
// a controller asks every minute; max_duration turns a lasting
// "inconclusive" into the policy's on_timeout.
import { randomUUID } from 'node:crypto';
import type { Store } from '../../src/core/store/store.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import type { GateAggregates } from './aggregates.ts';
import { fmt, runChecks } from './checks.ts';
import { enabledChecks, type GatePolicy } from './config.ts';
import { applyTimeout, verdictOf, type Boundary } from './decide.ts';
import { loadAggregates, rolloutStart } from './sql.ts';
import type { GateCheck, GateReport, Verdict } from './types.ts';

export interface GateRequest {
  model: string;
  candidate: string;
  baseline: string;
  policy: GatePolicy;
  /** End of the evidence (default now). */
  end?: Date;
  /** The rollout's start; default: the candidate's first prediction within policy.window (or `window`) before end. */
  since?: Date;
  /** How far back to look for the rollout's start (default policy.window). */
  windowMs?: number;
  /** Base URL of this driftwatch for evidence_url (e.g. http://driftwatch:8080); relative when absent. */
  evidenceBase?: string | null;
  labelHorizonMs?: number;
  signal?: AbortSignal;
}

const EMPTY: GateAggregates = {
  a: { n: 0, errors: 0, latency: null, confidence: { n: 0, mean: 0, variance: 0 } },
  b: { n: 0, errors: 0, latency: null, confidence: { n: 0, mean: 0, variance: 0 } },
  prediction: null,
  features: [],
  quality: null,
  shadow: null,
};

function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${fmt(s / 3600)}h`;
}

/** Why the verdict is what it is: the checks that decided it, one line each. */
export function reasonsFor(verdict: Verdict, statistical: Verdict, timedOut: boolean, checks: readonly GateCheck[], elapsedMs: number, policy: GatePolicy): string[] {
  const by = (d: string) => checks.filter((c) => c.decision === d);
  const out: string[] = [];
  if (statistical === 'fail') out.push(...by('fail').map((c) => c.reason));
  else if (statistical === 'pass') {
    const passed = by('pass');
    out.push(`all ${passed.length} check(s) that ran passed: ${passed.map((c) => c.name).join(', ')}`);
  } else {
    out.push(...by('inconclusive').map((c) => c.reason));
    if (checks.every((c) => c.decision === 'skipped')) out.push('no check could run');
  }
  if (timedOut) out.push(`still inconclusive after ${humanDuration(elapsedMs)} (max_duration ${policy.max_duration}): on_timeout makes it ${verdict}`);
  for (const c of by('skipped')) out.push(`skipped ${c.reason}`);
  return out;
}

export function evidenceUrl(base: string | null | undefined, r: { model: string; baseline: string; candidate: string; start: Date | null; end: Date }): string {
  const windowS = r.start ? Math.max(1, Math.ceil((r.end.getTime() - r.start.getTime()) / 1000)) : 3600;
  const qs = new URLSearchParams({ model: r.model, a: r.baseline, b: r.candidate, window: `${windowS}s`, end: r.end.toISOString() });
  return `${(base ?? '').replace(/\/+$/, '')}/v1/versions/compare?${qs}`;
}

/** Judge one look from aggregates (the engine's, or a simulation's). */
export function judgeAggregates(agg: GateAggregates, policy: GatePolicy, elapsedMs: number, opts: { boundary?: Boundary } = {}): { verdict: Verdict; statistical: Verdict; timedOut: boolean; checks: GateCheck[] } {
  const checks = runChecks(agg, policy, opts);
  const statistical = verdictOf(checks);
  const t = applyTimeout(statistical, elapsedMs, parseDuration(policy.max_duration), policy.on_timeout);
  return { verdict: t.verdict, statistical, timedOut: t.timedOut, checks };
}

export async function evaluateGate(store: Store, req: GateRequest): Promise<GateReport> {
  const { policy } = req;
  const end = req.end ?? new Date();
  const lookback = req.windowMs ?? parseDuration(policy.window);
  const start = req.since ?? (await rolloutStart(store, { model: req.model, candidate: req.candidate, from: new Date(end.getTime() - lookback), end, signal: req.signal }));
  const agg = start && start.getTime() < end.getTime()
    ? await loadAggregates(store, { model: req.model, baseline: req.baseline, candidate: req.candidate, start, end, criticalFeatures: policy.critical_features, checks: enabledChecks(policy), labelHorizonMs: req.labelHorizonMs, signal: req.signal })
    : EMPTY;
  const elapsedMs = start ? Math.max(0, end.getTime() - start.getTime()) : 0;
  const j = judgeAggregates(agg, policy, elapsedMs);
  const reasons = reasonsFor(j.verdict, j.statistical, j.timedOut, j.checks, elapsedMs, policy);
  if (!start) reasons.unshift(`${req.model}/${req.candidate} made no predictions in the ${humanDuration(lookback)} before ${end.toISOString()}`);
  return {
    verdict: j.verdict,
    statistical_verdict: j.statistical,
    timed_out: j.timedOut,
    model: req.model,
    candidate: req.candidate,
    baseline: req.baseline,
    policy: policy.name,
    window: { start: start?.toISOString() ?? null, end: end.toISOString() },
    elapsed_seconds: elapsedMs / 1000,
    max_duration_seconds: parseDuration(policy.max_duration) / 1000,
    samples: { baseline: agg.a.n, candidate: agg.b.n },
    alpha: policy.alpha,
    checks: j.checks,
    reasons,
    evidence_url: evidenceUrl(req.evidenceBase, { model: req.model, baseline: req.baseline, candidate: req.candidate, start, end }),
    decision_id: randomUUID(),
    decided_at: new Date().toISOString(),
    rollback: null,
  };
}
