// Entry point for the rollout gate: a `fail` verdict queues the policy's
// rollback action in the durable outbox, signed and retried like every
// action webhook. The body is a rollback payload ("type": "rollback") whose
// target is the gate's baseline version; `gate` replaces the `alert` part and
// each reason is a failed check, with the query that reads the decision back.
// The cooldown (at most one per model and candidate) is the caller's: it
// knows the gate's own decision history.
import { createHash } from 'node:crypto';
import type { ActionConfig } from '../config.ts';
import type { Outbox } from '../outbox/outbox.ts';

export const GATE_DECISION_SQL = 'SELECT * FROM gate_decisions WHERE decision_id = {decision_id:String}';

export interface GateRollbackInput {
  action: ActionConfig;
  model: string;
  candidate: string;
  baseline: string;
  policy: string;
  decisionId: string;
  decidedAt: string;
  evidenceUrl: string | null;
  /** The failed checks (name, metric, threshold, statistic, reason). */
  checks: ReadonlyArray<Record<string, unknown> & { name: string }>;
  now: number;
}

export function gateRollbackId(i: Pick<GateRollbackInput, 'action' | 'model' | 'candidate' | 'decisionId'>): string {
  return 'msg_' + createHash('sha256').update(JSON.stringify([i.action.name, 'gate', i.model, i.candidate, i.decisionId])).digest('hex').slice(0, 32);
}

export function gateRollbackPayload(i: GateRollbackInput): Record<string, unknown> {
  return {
    type: 'rollback',
    id: gateRollbackId(i),
    action: i.action.name,
    created_at: new Date(i.now).toISOString(),
    dry_run: i.action.dry_run,
    model: i.model,
    current_version: i.candidate,
    target_version: i.baseline,
    source: 'gate',
    gate: { decision_id: i.decisionId, policy: i.policy, verdict: 'fail', decided_at: i.decidedAt, evidence_url: i.evidenceUrl },
    reasons: i.checks.map((c) => ({ ...c, sql: GATE_DECISION_SQL, params: { decision_id: i.decisionId } })),
  };
}

/** Store the rollback in the outbox (a no-op for an id already stored); the outbox worker signs and delivers it. */
export async function enqueueGateRollback(outbox: Outbox, i: GateRollbackInput): Promise<{ id: string; outcome: 'queued' | 'dry_run' }> {
  const id = gateRollbackId(i);
  await outbox.enqueue({
    id,
    action: i.action.name,
    kind: 'rollback',
    model: i.model,
    fingerprint: `gate:${i.model}:${i.candidate}`,
    payload: JSON.stringify(gateRollbackPayload(i)),
    dryRun: i.action.dry_run,
  });
  return { id, outcome: i.action.dry_run ? 'dry_run' : 'queued' };
}
