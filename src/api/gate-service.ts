// One gate decision end to end, shared by the API and the CLI: judge the
// candidate (detectors/gate), send the policy's rollback on `fail` (signed,
// through the outbox, at most once per model and candidate within the
// action's cooldown), store the verdict in gate_decisions and count it in
// driftwatch_gate_verdicts_total.
import { Counter, type Registry } from 'prom-client';
import { enqueueGateRollback } from '../../alerts/actions/gate-rollback.ts';
import type { ActionConfig } from '../../alerts/config.ts';
import type { Outbox } from '../../alerts/outbox/outbox.ts';
import { findPolicy, type GatePolicy, type GatesConfig } from '../../detectors/gate/config.ts';
import { evaluateGate, type GateRequest } from '../../detectors/gate/gate.ts';
import { lastRollbackAt, recordDecision, type DecisionSource } from '../../detectors/gate/record.ts';
import type { GateReport } from '../../detectors/gate/types.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';

export interface GateServiceOptions {
  store: () => Store;
  gates: GatesConfig;
  actions: ReadonlyArray<ActionConfig>;
  /** The outbox rollbacks go through (the daemon's alerting outbox); null when none is available. */
  outbox: () => Outbox | null;
  logger: Logger;
  registry?: Registry;
  /** alerts.external_url: the base of evidence_url (else the request's host). */
  externalUrl?: string | null;
  now?: () => number;
}

export type GateAsk = Omit<GateRequest, 'policy' | 'evidenceBase'> & { policy?: string; evidenceBase?: string | null };

export class UnknownPolicyError extends Error {
  constructor(
    readonly policy: string,
    readonly known: string[],
  ) {
    super(`unknown policy ${policy} (policies: ${known.join(', ')})`);
  }
}

export class GateService {
  readonly #o: GateServiceOptions;
  readonly #verdicts: Counter<'model' | 'policy' | 'verdict'> | null;
  /** Decisions that may send a rollback run one at a time per model and candidate, so the cooldown check sees the previous one. */
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(opts: GateServiceOptions) {
    this.#o = opts;
    this.#verdicts = opts.registry
      ? new Counter({ name: 'driftwatch_gate_verdicts_total', help: 'Rollout gate verdicts given, by model, policy and verdict.', labelNames: ['model', 'policy', 'verdict'], registers: [opts.registry] })
      : null;
  }

  policy(name?: string): GatePolicy {
    const p = findPolicy(this.#o.gates, name);
    if (!p) throw new UnknownPolicyError(name ?? this.#o.gates.default_policy, [...new Set(['default', ...this.#o.gates.policies.map((x) => x.name)])]);
    return p;
  }

  async decide(ask: GateAsk, source: DecisionSource): Promise<GateReport> {
    const policy = this.policy(ask.policy);
    const key = JSON.stringify([ask.model, ask.candidate]);
    const prev = this.#locks.get(key) ?? Promise.resolve();
    const mine = prev.catch(() => undefined).then(() => this.#decide(ask, policy, source));
    this.#locks.set(key, mine);
    try {
      return await mine;
    } finally {
      if (this.#locks.get(key) === mine) this.#locks.delete(key);
    }
  }

  async #decide(ask: GateAsk, policy: GatePolicy, source: DecisionSource): Promise<GateReport> {
    const store = this.#o.store();
    const report = await evaluateGate(store, { ...ask, policy, evidenceBase: this.#o.externalUrl ?? ask.evidenceBase ?? null });
    if (report.verdict === 'fail' && policy.rollback_action) report.rollback = await this.#rollback(store, report, policy.rollback_action);
    await recordDecision(store, report, source);
    this.#verdicts?.inc({ model: report.model, policy: report.policy, verdict: report.verdict });
    this.#o.logger.info('gate verdict', { model: report.model, candidate: report.candidate, baseline: report.baseline, policy: report.policy, verdict: report.verdict, decision_id: report.decision_id, rollback: report.rollback?.outcome });
    return report;
  }

  async #rollback(store: Store, r: GateReport, name: string): Promise<GateReport['rollback']> {
    const action = this.#o.actions.find((a) => a.name === name && a.type === 'rollback');
    if (!action) return { action: name, outcome: 'not_configured' };
    const now = this.#o.now?.() ?? Date.now();
    const last = await lastRollbackAt(store, { model: r.model, candidate: r.candidate, action: name });
    if (last !== null && now - last < parseDuration(action.cooldown)) return { action: name, outcome: 'cooldown' };
    const outbox = this.#o.outbox();
    if (!outbox) return { action: name, outcome: 'no_outbox' };
    try {
      const checks = r.checks.filter((c) => c.decision === 'fail').map((c) => ({ name: c.name, metric: c.metric, threshold: c.threshold, value: c.value, statistic: c.statistic, reason: c.reason }));
      const q = await enqueueGateRollback(outbox, { action, model: r.model, candidate: r.candidate, baseline: r.baseline, policy: r.policy, decisionId: r.decision_id, decidedAt: r.decided_at, evidenceUrl: r.evidence_url, checks, now });
      return { action: name, outcome: q.outcome, webhook_id: q.id };
    } catch (e) {
      this.#o.logger.error('gate rollback not queued', { action: name, model: r.model, candidate: r.candidate, error: describeError(e), code: 'DW_ALERT_STATE' });
      return { action: name, outcome: 'error' };
    }
  }
}
