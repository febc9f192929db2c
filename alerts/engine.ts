// The alert engine: after each detector run it judges every score row
// against the rules, steps each alert's state machine, records per-version
// health, queues the action webhooks of alerts that just started firing,
// persists the changes, and hands firing and resolved alerts to the
// dispatcher. Runs are evaluated one at a time, in the order they arrive.
// When a run says which window it scored, an alert counts windows, not runs:
// a second run over the window it last judged (late data re-scored) replaces
// that judgement, and a run over an older window leaves it alone.
import { DriftwatchError, describeError } from '../src/core/errors.ts';
import type { Logger } from '../src/core/log/logger.ts';
import { parseDuration } from '../src/core/util/duration.ts';
import type { ActionDecision, ActionRunner } from './actions/runner.ts';
import { MAX_EVIDENCE, type ActionRecord, type Alert, type AlertTransition } from './alert.ts';
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
      // Alerts of removed rules, and alerts stored before the detector was
      // part of an alert's identity (no run can match their fingerprint again).
      const gone = !this.#byName.has(a.rule) ? 'rule-removed' : a.labels.detector === undefined ? 'identity-changed' : null;
      if (gone && (a.state === 'firing' || a.state === 'pending')) {
        const next: Alert = { ...a, state: a.state === 'firing' ? 'resolved' : 'inactive', resolvedAt: a.state === 'firing' ? now : null, updatedAt: now };
        orphans.push(next);
        transitions.push(this.#transition(a.state, next, gone, now));
        this.#alerts.set(a.fingerprint, next);
      } else {
        this.#alerts.set(a.fingerprint, a);
      }
    }
    if (orphans.length > 0) {
      logger.info('resolving alerts of rules that no longer exist (or stored under an older identity)', { alerts: orphans.length, rules: [...new Set(orphans.map((a) => a.rule))] });
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

      // 2. Step every touched alert (window by window, see the header).
      const changed: Alert[] = [];
      const transitions: AlertTransition[] = [];
      const newlyFiring: Array<{ index: number; rule: CompiledRule }> = [];
      const windowEnd = run.window_end !== undefined && !Number.isNaN(Date.parse(run.window_end)) ? Date.parse(run.window_end) : null;
      let stale = 0;
      for (const [fp, c] of candidates) {
        const prev = this.#alerts.get(fp);
        const judged = prev?.lastWindowEnd ?? null;
        if (prev && windowEnd !== null && judged !== null && windowEnd <= judged) {
          if (windowEnd < judged) {
            stale++;
            continue;
          }
          if (prev.lastJudgement === c.judgement.kind) {
            const refreshed = this.#refresh(prev, c, run, now);
            if (refreshed) changed.push(refreshed);
            continue;
          }
        }
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
                evidence: { ...evidenceOf(c.row, c.judgement.severity, c.judgement.threshold), ...(run.window_end ? { window_end: run.window_end } : {}) },
                runId: run.run_id,
                now,
              }
            : { kind: 'ok', rule: c.rule.config, value: c.row.value, runId: run.run_id, now };
        const res = step(prev, input);
        if (!res) continue;
        const next: Alert = { ...res.next, lastWindowEnd: windowEnd, lastJudgement: c.judgement.kind };
        changed.push(next);
        if (res.from !== next.state) {
          transitions.push(this.#transition(res.from, next, run.run_id, now));
          if (next.state === 'firing') newlyFiring.push({ index: changed.length - 1, rule: c.rule });
        }
      }
      if (stale > 0) logger.debug('older window than the alerts last judged; alerts left as they are', { run_id: run.run_id, window_end: run.window_end, alerts: stale });

      // 3. Per-version health, for rollback targets.
      if (this.#o.health) {
        const health = this.#health(run, candidates, now);
        if (health.length > 0) await this.#o.health.record(health);
      }

      // 4. Actions are durable in the outbox before the state says "firing":
      // a crash in between re-fires the alert and the cooldown stops a repeat.
      if (this.#o.actions) {
        this.#overlay = new Map(changed.map((a) => [a.fingerprint, a]));
        for (const { index, rule } of newlyFiring) {
          if (rule.config.actions.length === 0) continue;
          const alert = changed[index]!;
          const decisions = await this.#o.actions.onFiring(alert, rule.config, run.run_id);
          changed[index] = { ...alert, actions: decisions.map((d) => actionRecord(d, now)) };
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

  /**
   * The same window judged the same way again (a re-score): the alert takes
   * the new value, severity and evidence but counts no extra run. Null when
   * nothing worth saving changed.
   */
  #refresh(prev: Alert, c: Candidate, run: ScoreRun, now: number): Alert | null {
    if (c.judgement.kind === 'ok') {
      if (prev.state !== 'firing' && prev.state !== 'pending') return null;
      return { ...prev, value: c.row.value, lastRunId: run.run_id, updatedAt: now };
    }
    const { severity, threshold } = c.judgement;
    const identity = c.rule.labelsFor(c.row);
    const evidence = { ...evidenceOf(c.row, severity, threshold), ...(run.window_end ? { window_end: run.window_end } : {}) };
    return {
      ...prev,
      labels: { ...identity, severity },
      annotations: c.rule.annotationsFor(identity, c.row, severity, threshold),
      severity,
      value: c.row.value,
      threshold,
      // The superseded evidence of this window gives way to the new one.
      evidence: [...prev.evidence.filter((e) => e.window_end === undefined || e.window_end !== run.window_end), evidence].slice(-MAX_EVIDENCE),
      lastRunId: run.run_id,
      updatedAt: now,
    };
  }

  #health(run: ScoreRun, candidates: Map<string, Candidate>, now: number): VersionHealth[] {
    const byVersion = new Map<string, VersionHealth>();
    const runAt = Number.isNaN(Date.parse(run.run_at)) ? now : Date.parse(run.run_at);
    const windowStart = run.window_start !== undefined && !Number.isNaN(Date.parse(run.window_start)) ? Date.parse(run.window_start) : runAt;
    const windowEnd = run.window_end !== undefined && !Number.isNaN(Date.parse(run.window_end)) ? Date.parse(run.window_end) : runAt;
    for (const row of run.scores) {
      // Model-level rows (version '': a model's total volume, unknown labels) judge no version.
      if (isSilentStatus(row.status) || row.model_version === '') continue;
      const k = JSON.stringify([row.model, row.model_version, row.detector]);
      let h = byVersion.get(k);
      if (!h) {
        h = {
          model: row.model,
          model_version: row.model_version,
          detector: row.detector,
          run_id: run.run_id,
          run_at: runAt,
          window_start: windowStart,
          window_end: windowEnd,
          healthy: true,
          scores: 0,
          breaches: 0,
        };
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

function actionRecord(d: ActionDecision, now: number): ActionRecord {
  return {
    action: d.action,
    type: d.type,
    outcome: d.outcome,
    ...(d.webhookId !== undefined ? { webhook_id: d.webhookId } : {}),
    ...(d.targetVersion !== undefined ? { target_version: d.targetVersion } : {}),
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    at: new Date(now).toISOString(),
  };
}
