// GET /v1/dashboard/gate: the rollout-gate verdicts already recorded for one
// model (gate_decisions, sql/060), newest first. The dashboard reads history
// only: asking the gate (GET /v1/gate) records a verdict and, on fail, may
// queue a rollback, which a page refresh must never do.
import { z } from 'zod';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';

export const gateHistoryQuery = z.strictObject({
  model: z.string().min(1).max(512),
  range: z.string().regex(/^\d+(m|h|d)$/, 'must be a duration like 15m, 6h or 7d').default('24h'),
  end: z.iso.datetime({ offset: true }).optional(),
});

/** At most this many verdicts (the newest). */
const MAX_VERDICTS = 20;

interface DecisionRow {
  decision_id: string;
  decided_at: string;
  candidate: string;
  baseline: string;
  policy: string;
  verdict: string;
  failed_checks: string[];
  reasons: string[];
  n_baseline: string | number;
  n_candidate: string | number;
  source: string;
  rollback_outcome: string;
  evidence_url: string;
}

const iso = (t: string): string => `${t.replace(' ', 'T')}${t.includes('.') ? '' : '.000'}Z`;

export async function gateHistory(store: Store, q: z.output<typeof gateHistoryQuery>): Promise<Record<string, unknown>> {
  const to = q.end ? Date.parse(q.end) : Date.now();
  const from = to - parseDuration(q.range);
  const rows = await store.query<DecisionRow>(
    `SELECT decision_id, decided_at, candidate, baseline, policy, verdict, failed_checks, reasons, n_baseline, n_candidate,
            source, rollback_outcome, evidence_url
     FROM gate_decisions
     WHERE model = {model:String} AND decided_at >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND decided_at < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
     ORDER BY decided_at DESC LIMIT {limit:UInt32}`,
    { params: { model: q.model, from, to, limit: MAX_VERDICTS } },
  );
  return {
    model: q.model,
    verdicts: rows.map((r) => ({
      decision_id: r.decision_id,
      decided_at: iso(r.decided_at),
      candidate: r.candidate,
      baseline: r.baseline,
      policy: r.policy,
      verdict: r.verdict,
      failed_checks: r.failed_checks,
      reasons: r.reasons,
      n_baseline: Number(r.n_baseline),
      n_candidate: Number(r.n_candidate),
      source: r.source,
      rollback: r.rollback_outcome || null,
      evidence_url: r.evidence_url || null,
    })),
  };
}
