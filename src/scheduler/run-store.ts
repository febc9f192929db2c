// Persistence of runs and scores: detector_runs is the scheduler's memory
// (what was done, for catch-up) and drift_scores holds every score.
import type { ScoreRow } from '../core/score.ts';
import type { Store } from '../core/store/store.ts';
import type { RunSummary } from './job.ts';

const toCh = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString()).replace('T', ' ').replace('Z', '');

export async function lastCompletedWindowEnd(store: Store, detector: string): Promise<number | null> {
  const [row] = await store.query<{ end: string | null }>(
    `SELECT toUnixTimestamp64Milli(max(window_end)) AS end FROM detector_runs
     WHERE detector = {detector:String} AND status = 'ok' AND trigger IN ('schedule', 'catchup')`,
    { params: { detector } },
  );
  const end = row?.end === null || row?.end === undefined ? 0 : Number(row.end);
  return end > 0 ? end : null;
}

export async function recordRun(store: Store, s: RunSummary, startedAt: Date): Promise<void> {
  await store.insert('detector_runs', [
    {
      run_id: s.run_id,
      detector: s.detector,
      window_start: toCh(s.window_start),
      window_end: toCh(s.window_end),
      trigger: s.trigger,
      started_at: toCh(startedAt),
      finished_at: toCh(new Date()),
      status: s.status,
      error: s.error,
      scores: s.scores,
    },
  ]);
}

export async function writeScores(store: Store, rows: readonly ScoreRow[]): Promise<void> {
  if (rows.length === 0) return;
  await store.insert(
    'drift_scores',
    rows.map((r) => ({
      run_id: r.run_id,
      run_at: toCh(r.run_at),
      detector: r.detector,
      window_start: toCh(r.window_start),
      window_end: toCh(r.window_end),
      baseline: r.baseline,
      model: r.model,
      model_version: r.model_version,
      segment: r.segment,
      feature: r.feature,
      metric: r.metric,
      value: r.value !== null && Number.isFinite(r.value) ? r.value : null,
      p_value: r.p_value !== null && Number.isFinite(r.p_value) ? r.p_value : null,
      threshold: r.threshold,
      status: r.status,
      n_ref: r.n_ref,
      n_cur: r.n_cur,
      details: r.details,
    })),
  );
}
