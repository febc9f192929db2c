// Every verdict is a row of gate_decisions (sql/060), and the rollback
// cooldown reads the same table: the last rollback sent for a model and
// candidate through an action.
import type { Store } from '../../src/core/store/store.ts';
import type { GateReport } from './types.ts';
import { toClickHouseTime } from '../../src/core/util/time.ts';

const chTime = (iso: string): string => toClickHouseTime(iso);

export type DecisionSource = 'api' | 'flagger' | 'cli';

export async function recordDecision(store: Store, r: GateReport, source: DecisionSource): Promise<void> {
  await store.insert('gate_decisions', [
    {
      decision_id: r.decision_id,
      decided_at: chTime(r.decided_at),
      model: r.model,
      candidate: r.candidate,
      baseline: r.baseline,
      policy: r.policy,
      verdict: r.verdict,
      statistical_verdict: r.statistical_verdict,
      timed_out: r.timed_out ? 1 : 0,
      rollout_start: r.window.start === null ? null : chTime(r.window.start),
      window_end: chTime(r.window.end),
      elapsed_seconds: r.elapsed_seconds,
      n_baseline: r.samples.baseline,
      n_candidate: r.samples.candidate,
      failed_checks: r.checks.filter((c) => c.decision === 'fail').map((c) => c.name),
      reasons: r.reasons,
      checks: JSON.stringify(r.checks),
      evidence_url: r.evidence_url ?? '',
      source,
      rollback_action: r.rollback?.action ?? '',
      rollback_outcome: r.rollback?.outcome ?? '',
      rollback_id: r.rollback?.webhook_id ?? '',
    },
  ]);
}

/** When a rollback for this model and candidate was last queued through `action` (ms), or null. */
export async function lastRollbackAt(store: Store, q: { model: string; candidate: string; action: string }): Promise<number | null> {
  const rows = await store.query<{ n: string; last: string }>(
    `SELECT count() AS n, toString(toUnixTimestamp64Milli(max(decided_at))) AS last FROM gate_decisions
     WHERE model = {model:String} AND candidate = {candidate:String} AND rollback_action = {action:String} AND rollback_outcome IN ('queued', 'dry_run')`,
    { params: q },
  );
  const r = rows[0];
  return r && Number(r.n) > 0 ? Number(r.last) : null;
}
