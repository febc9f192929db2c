// The alert engine: after each detector run it judges every score row
// against the rules, steps each alert's state machine, records per-version
// health, queues the action webhooks of alerts that just started firing,
// persists the changes, and hands firing and resolved alerts to the
// dispatcher. Runs are evaluated one at a time, in the order they arrive.
import { DriftwatchError, describeError } from '../src/core/errors.ts';
import type { Logger } from '../src/core/log/logger.ts';
import { parseDuration } from '../src/core/util/duration.ts';
import type { ActionRunner } from './actions/runner.ts';
import type { Alert, AlertTransition } from './alert.ts';
import type { Clock } from './clock.ts';
import type { AlertsConfig } from './config.ts';
import type { Dispatcher } from './dispatcher.ts';
import type { VersionHealth, VersionHealthStore } from './health.ts';
import { fingerprint } from './labels.ts';
import { step, type StepInput } from './lifecycle.ts';
import type { AlertMetrics } from './metrics.ts';
import { CompiledRule, evidenceOf, SEVERITY_RANK, type Judgement } from './rules.ts';
import { isSilentStatus, type ScoreRow, type ScoreRun } from './score.ts';
import type { AlertStateStore } from './state-store.ts';

export interface AlertEngineOptions {
  config: Pick<AlertsConfig, 'rules' | 'resolved_retention'>;
  state: AlertStateStore;
  health?: VersionHealthStore;
  dispatcher?: Dispatcher;
  actions?: ActionRunner;
  clock: Clock;
  logger: Logger;
  metrics?: AlertMetrics;
}

export interface EvaluationResult {
  run_id: string;
  transitions: AlertTransition[];
  firing: number;
  pending: number;
}

interface Candidate {
  rule: CompiledRule;
  row: ScoreRow;
  judgement: Exclude<Judgement, { kind: 'skip' }>;
}

/** The stronger of two judgements for the same alert in one run: a breach beats ok, a higher severity beats a lower one. */
function stronger(a: Candidate, b: Candidate): Candidate {
  if (a.judgement.kind === 'breach' && b.judgement.kind === 'breach') return SEVERITY_RANK[b.judgement.severity] > SEVERITY_RANK[a.judgement.severity] ? b : a;
  if (b.judgement.kind === 'breach') return b;
  return a;
}

export class AlertEngine {
  readonly #o: AlertEngineOptions;
  readonly #rules: CompiledRule[];
  readonly #byName: Map<string, CompiledRule>;
  readonly #alerts = new Map<string, Alert>();
  #queue: Promise<unknown> = Promise.resolve();
  #loaded = false;
  /** The changes of the run being evaluated, visible to firing() before they are committed. */
  #overlay: Map<string, Alert> | null = null;

  constructor(opts: AlertEngineOptions) {
    this.#o = opts;
    this.#rules = opts.config.rules.map((r) => new CompiledRule(r));
    this.#byName = new Map(this.#rules.map((r) => [r.name, r]));
  }

  /**
   * Restore state from the store. Alerts of rules that no longer exist are
   * resolved (their resolution is notified like any other).
   */
  async load(): Promise<void> {
    const { clock, logger } = this.#o;
    const now = clock.now();
    let loaded: Alert[];
    try {
      loaded = await this.#o.state.load(now - parseDuration(this.#o.config.resolved_retention));
    } catch (e) {
      throw new DriftwatchError('DW_ALERT_STATE', `cannot load alert state: ${describeError(e)}`, { cause: e, retriable: true });
    }
    const orphans: Alert[] = [];
    const transitions: AlertTransition[] = [];
    for (const a of loaded) {
      if (!this.#byName.has(a.rule) && (a.state === 'firing' || a.state === 'pending')) {
        const next: Alert = { ...a, state: a.state === 'firing' ? 'resolved' : 'inactive', resolvedAt: a.state === 'firing' ? now : null, updatedAt: now };
        orphans.push(next);
        transitions.push(this.#transition(a.state, next, 'rule-removed', now));
        this.#alerts.set(a.fingerprint, next);
      } else {
        this.#alerts.set(a.fingerprint, a);
      }
    }
    if (orphans.length > 0) {
      logger.info('resolving alerts of rules that no longer exist', { alerts: orphans.length, rules: [...new Set(orphans.map((a) => a.rule))] });
      await this.#o.state.save(orphans, transitions);
    }
    this.#o.dispatcher?.insert(this.#alerts.values());
    this.#loaded = true;
    this.#updateGauges();
    logger.info('alert state loaded', { firing: this.firing().length, pending: this.list().filter((a) => a.state === 'pending').length });
  }

  /** Evaluate one detector run. Serialised: a second call waits for the first. */
  evaluate(run: ScoreRun): Promise<EvaluationResult> {
    const p = this.#queue.then(() => this.#evaluate(run));
    this.#queue = p.catch(() => undefined);
    return p;
  }

  /** Resolves when the evaluations queued so far have finished. */
  async idle(): Promise<void> {
    await this.#queue;
  }

  /** Active (pending, firing) and recently resolved alerts. */
  list(): Alert[] {
    return [...this.#alerts.values()].filter((a) => a.state !== 'inactive');
  }

  /** Firing alerts; during an evaluation this includes the run's uncommitted changes (for inhibition). */
  firing(): Alert[] {
    const all = this.#overlay ? new Map([...this.#alerts, ...this.#overlay]) : this.#alerts;
    return [...all.values()].filter((a) => a.state === 'firing');
  }

  get(fp: string): Alert | undefined {
    return this.#alerts.get(fp);
  }

  async #evaluate(run: ScoreRun): Promise<EvaluationResult> {
    if (!this.#loaded) await this.load();
    const { clock, logger, metrics } = this.#o;
    const now = clock.now();
    try {
      // 1. Judge: the strongest judgement per alert identity in this run.
      const candidates = new Map<string, Candidate>();
      for (const row of run.scores) {
        for (const rule of this.#rules) {
          if (!rule.selects(row)) continue;
          const judgement = rule.judge(row);
          if (judgement.kind === 'skip') continue;
          const identity = rule.labelsFor(row);
          const fp = fingerprint(identity);
          const c: Candidate = { rule, row, judgement };
          const prev = candidates.get(fp);
          candidates.set(fp, prev ? stronger(prev, c) : c);
        }
      }

      // 2. Step every touched alert.
      const changed: Alert[] = [];
      const transitions: AlertTransition[] = [];
      const newlyFiring: Array<{ alert: Alert; rule: CompiledRule }> = [];
      for (const [fp, c] of candidates) {
        const prev = this.#alerts.get(fp);
        const identity = c.rule.labelsFor(c.row);
        const input: StepInput =
          c.judgement.kind === 'breach'
            ? {
                kind: 'breach',
                fingerprint: fp,
                rule: c.rule.config,
                identity,
                annotations: c.rule.annotationsFor(identity, c.row, c.judgement.severity, c.judgement.threshold),
                severity: c.judgement.severity,
                value: c.row.value,
                threshold: c.judgement.threshold,
                evidence: evidenceOf(c.row, c.judgement.severity, c.judgement.threshold),
                runId: run.run_id,
                now,
              }
            : { kind: 'ok', rule: c.rule.config, value: c.row.value, runId: run.run_id, now };
        const res = step(prev, input);
        if (!res) continue;
        changed.push(res.next);
        if (res.from !== res.next.state) {
          transitions.push(this.#transition(res.from, res.next, run.run_id, now));
          if (res.next.state === 'firing') newlyFiring.push({ alert: res.next, rule: c.rule });
        }
      }

      // 3. Per-version health, for rollback targets.
      if (this.#o.health) {
        const health = this.#health(run, candidates, now);
        if (health.length > 0) await this.#o.health.record(health);
      }

      // 4. Actions are durable in the outbox before the state says "firing":
      // a crash in between re-fires the alert and the cooldown stops a repeat.
      if (this.#o.actions) {
        this.#overlay = new Map(changed.map((a) => [a.fingerprint, a]));
        for (const { alert, rule } of newlyFiring) {
          if (rule.config.actions.length > 0) await this.#o.actions.onFiring(alert, rule.config, run.run_id);
        }
        this.#overlay = null;
      }

      // 5. Persist, then publish.
      if (changed.length > 0) await this.#o.state.save(changed, transitions);
      for (const a of changed) this.#alerts.set(a.fingerprint, a);
      this.#gc(now);
      this.#o.dispatcher?.insert(changed);

      for (const t of transitions) {
        metrics?.transitions.inc({ rule: t.rule, to: t.to });
        const fields = { rule: t.rule, fingerprint: t.fingerprint, labels: t.labels, from: t.from, to: t.to, severity: t.severity, value: t.value, threshold: t.threshold, run_id: run.run_id };
        if (t.to === 'firing' || t.to === 'resolved') logger.info(`alert ${t.to}`, fields);
        else logger.debug(`alert ${t.to}`, fields);
      }
      metrics?.evaluations.inc({ outcome: 'ok' });
      this.#updateGauges();
      return { run_id: run.run_id, transitions, firing: this.firing().length, pending: this.list().filter((a) => a.state === 'pending').length };
    } catch (e) {
      this.#overlay = null;
      metrics?.evaluations.inc({ outcome: 'error' });
      // In-memory state was not changed, so the next run starts from what
      // the store holds.
      logger.error('alert evaluation failed', { run_id: run.run_id, error: describeError(e), code: 'DW_ALERT_STATE' });
      throw e instanceof DriftwatchError ? e : new DriftwatchError('DW_ALERT_STATE', `alert evaluation of run ${run.run_id} failed: ${describeError(e)}`, { cause: e, retriable: true });
    }
  }

  #health(run: ScoreRun, candidates: Map<string, Candidate>, now: number): VersionHealth[] {
    const byVersion = new Map<string, VersionHealth>();
    const runAt = Date.parse(run.run_at);
    for (const row of run.scores) {
      if (isSilentStatus(row.status)) continue;
      const k = JSON.stringify([row.model, row.model_version, row.detector]);
      let h = byVersion.get(k);
      if (!h) {
        h = { model: row.model, model_version: row.model_version, detector: row.detector, run_id: run.run_id, run_at: Number.isNaN(runAt) ? now : runAt, healthy: true, scores: 0, breaches: 0 };
        byVersion.set(k, h);
      }
      h.scores++;
      if (row.status === 'alert') {
        h.breaches++;
        h.healthy = false;
      }
    }
    for (const c of candidates.values()) {
      if (c.judgement.kind !== 'breach') continue;
      const h = byVersion.get(JSON.stringify([c.row.model, c.row.model_version, c.row.detector]));
      if (h && h.healthy) {
        h.healthy = false;
        h.breaches++;
      }
    }
    return [...byVersion.values()];
  }

  #transition(from: Alert['state'], next: Alert, runId: string, now: number): AlertTransition {
    return { fingerprint: next.fingerprint, rule: next.rule, labels: next.labels, from, to: next.state, at: now, run_id: runId, severity: next.severity, value: next.value, threshold: next.threshold };
  }

  /** Forget inactive alerts and resolved ones past the retention. */
  #gc(now: number): void {
    const keep = parseDuration(this.#o.config.resolved_retention);
    for (const [fp, a] of this.#alerts) {
      if (a.state === 'inactive' || (a.state === 'resolved' && (a.resolvedAt ?? now) < now - keep)) this.#alerts.delete(fp);
    }
  }

  #updateGauges(): void {
    const m = this.#o.metrics;
    if (!m) return;
    const counts = { pending: 0, firing: 0, resolved: 0 };
    for (const a of this.#alerts.values()) if (a.state !== 'inactive') counts[a.state]++;
    for (const [state, n] of Object.entries(counts)) m.alerts.set({ state }, n);
  }
}
