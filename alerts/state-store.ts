// Where alert state lives between runs and across restarts. The ClickHouse
// store appends a versioned row per change (ReplacingMergeTree); the memory
// store is the fake the unit tests use.
import type { Store } from '../src/core/store/store.ts';
import type { ActionRecord, Alert, AlertState, AlertTransition, Evidence } from './alert.ts';
import { chTime } from './clock.ts';
import type { Severity } from './config.ts';

export interface AlertStateStore {
  /** Pending and firing alerts, and alerts resolved at or after `resolvedSince` (ms). */
  load(resolvedSince: number): Promise<Alert[]>;
  save(alerts: ReadonlyArray<Alert>, transitions: ReadonlyArray<AlertTransition>): Promise<void>;
}

export class MemoryAlertStateStore implements AlertStateStore {
  readonly alerts = new Map<string, Alert>();
  readonly transitions: AlertTransition[] = [];
  /** Failure switch for tests. */
  failSave = false;

  async load(resolvedSince: number): Promise<Alert[]> {
    return [...this.alerts.values()].filter((a) => a.state === 'pending' || a.state === 'firing' || (a.state === 'resolved' && (a.resolvedAt ?? 0) >= resolvedSince));
  }

  async save(alerts: ReadonlyArray<Alert>, transitions: ReadonlyArray<AlertTransition>): Promise<void> {
    if (this.failSave) throw new Error('memory store: save failed (test switch)');
    for (const a of alerts) this.alerts.set(a.fingerprint, a);
    this.transitions.push(...transitions);
  }
}

interface StateRow {
  fingerprint: string;
  rule: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state_name: AlertState;
  severity: string;
  value: number | null;
  threshold: number | null;
  breach_runs: number;
  ok_runs: number;
  active_ms: string | null;
  fired_ms: string | null;
  last_breach_ms: string | null;
  resolved_ms: string | null;
  last_run_id: string;
  evidence: string;
  updated_ms: string;
  version_text: string;
  last_window_ms: string | null;
  last_judgement: string;
  actions: string;
}

const ms = (v: string | null): number | null => (v === null ? null : Number(v));
const chOrNull = (v: number | null): string | null => (v === null ? null : chTime(v));

export class ClickHouseAlertStateStore implements AlertStateStore {
  #version = 0n;
  constructor(private readonly store: Store) {}

  #nextVersion(): string {
    const wall = BigInt(Date.now()) * 1000n;
    this.#version = wall > this.#version ? wall : this.#version + 1n;
    return this.#version.toString();
  }

  async load(resolvedSince: number): Promise<Alert[]> {
    const rows = await this.store.query<StateRow>(
      `SELECT fingerprint, rule, labels, annotations, toString(state) AS state_name, severity, value, threshold, breach_runs, ok_runs,
              toString(toUnixTimestamp64Milli(active_at)) AS active_ms, toString(toUnixTimestamp64Milli(fired_at)) AS fired_ms,
              toString(toUnixTimestamp64Milli(last_breach_at)) AS last_breach_ms, toString(toUnixTimestamp64Milli(resolved_at)) AS resolved_ms,
              last_run_id, evidence, toString(toUnixTimestamp64Milli(updated_at)) AS updated_ms, toString(version) AS version_text,
              toString(toUnixTimestamp64Milli(last_window_end)) AS last_window_ms, last_judgement, actions
       FROM (SELECT * FROM alert_state ORDER BY fingerprint, version DESC LIMIT 1 BY fingerprint)
       WHERE state IN ('pending', 'firing') OR (state = 'resolved' AND resolved_at >= {since:DateTime64(3, 'UTC')})`,
      { params: { since: chTime(resolvedSince) } },
    );
    for (const r of rows) {
      const v = BigInt(r.version_text);
      if (v > this.#version) this.#version = v;
    }
    return rows.map((r) => this.#fromRow(r));
  }

  #fromRow(r: StateRow): Alert {
    const actions = JSON.parse(r.actions || '[]') as ActionRecord[];
    return {
      fingerprint: r.fingerprint,
      rule: r.rule,
      labels: r.labels,
      annotations: r.annotations,
      state: r.state_name,
      severity: r.severity as Severity,
      value: r.value,
      threshold: r.threshold,
      breachRuns: Number(r.breach_runs),
      okRuns: Number(r.ok_runs),
      activeAt: ms(r.active_ms),
      firedAt: ms(r.fired_ms),
      lastBreachAt: ms(r.last_breach_ms),
      resolvedAt: ms(r.resolved_ms),
      lastRunId: r.last_run_id,
      evidence: JSON.parse(r.evidence || '[]') as Evidence[],
      updatedAt: Number(r.updated_ms),
      lastWindowEnd: ms(r.last_window_ms),
      lastJudgement: r.last_judgement === 'breach' || r.last_judgement === 'ok' ? r.last_judgement : null,
      ...(actions.length > 0 ? { actions } : {}),
    };
  }

  async save(alerts: ReadonlyArray<Alert>, transitions: ReadonlyArray<AlertTransition>): Promise<void> {
    await this.store.insert(
      'alert_state',
      alerts.map((a) => ({
        fingerprint: a.fingerprint,
        rule: a.rule,
        labels: a.labels,
        annotations: a.annotations,
        state: a.state,
        severity: a.severity,
        value: a.value,
        threshold: a.threshold,
        breach_runs: a.breachRuns,
        ok_runs: a.okRuns,
        active_at: chOrNull(a.activeAt),
        fired_at: chOrNull(a.firedAt),
        last_breach_at: chOrNull(a.lastBreachAt),
        resolved_at: chOrNull(a.resolvedAt),
        last_run_id: a.lastRunId,
        evidence: JSON.stringify(a.evidence),
        updated_at: chTime(a.updatedAt),
        last_window_end: chOrNull(a.lastWindowEnd ?? null),
        last_judgement: a.lastJudgement ?? '',
        actions: JSON.stringify(a.actions ?? []),
        version: this.#nextVersion(),
      })),
    );
    await this.store.insert(
      'alert_events',
      transitions.map((t) => ({
        at: chTime(t.at),
        run_id: t.run_id,
        fingerprint: t.fingerprint,
        rule: t.rule,
        labels: t.labels,
        from_state: t.from,
        to_state: t.to,
        severity: t.severity,
        value: t.value,
        threshold: t.threshold,
      })),
    );
  }
}
