// Persistence of runs and scores: detector_runs is the scheduler's memory
// (what was done, for catch-up, and when, for late data) and drift_scores
// holds every score, superseded ones included (current_scores shows the
// newest run's rows per window).
import type { ScoreRow } from '../core/score.ts';
import type { Store } from '../core/store/store.ts';
import type { RunSummary } from './job.ts';
import { toClickHouseTime } from '../core/util/time.ts';

const toCh = (d: Date | string): string => toClickHouseTime(d);

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
      tags: r.tags ?? {},
    })),
  );
}

const ms = (v: unknown): number => Number(v);

/** Indexes of the windows of length windowMs in [fromMs, toMs) that hold at least one prediction. */
export async function windowsWithData(store: Store, fromMs: number, toMs: number, windowMs: number): Promise<Set<number>> {
  const rows = await store.query<{ k: string | number }>(
    `SELECT DISTINCT intDiv(toUnixTimestamp64Milli(ts), {w:Int64}) AS k FROM predictions
     WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')`,
    { params: { w: windowMs, from: fromMs, to: toMs } },
  );
  return new Set(rows.map((r) => ms(r.k)));
}

export interface ScoredWindow {
  start: number;
  end: number;
  /** Start of the newest successful run over the window (ms). */
  scoredAt: number;
}

/** Windows of this job (of length windowMs) ending after sinceEndMs that some successful run scored, with when the newest one started. */
export async function scoredWindowsSince(store: Store, detector: string, windowMs: number, sinceEndMs: number): Promise<ScoredWindow[]> {
  const rows = await store.query<{ s: string; e: string; scored: string }>(
    `SELECT toUnixTimestamp64Milli(window_start) AS s, toUnixTimestamp64Milli(window_end) AS e, toUnixTimestamp64Milli(max(started_at)) AS scored
     FROM detector_runs FINAL
     WHERE detector = {detector:String} AND status = 'ok' AND window_end > fromUnixTimestamp64Milli({since:Int64}, 'UTC')
       AND toUnixTimestamp64Milli(window_end) - toUnixTimestamp64Milli(window_start) = {w:Int64}
       AND toUnixTimestamp64Milli(window_start) % {w:Int64} = 0
     GROUP BY window_start, window_end
     ORDER BY window_end`,
    { params: { detector, since: sinceEndMs, w: windowMs } },
  );
  return rows.map((r) => ({ start: ms(r.s), end: ms(r.e), scoredAt: ms(r.scored) }));
}

/**
 * Late data: of the given scored windows, those holding predictions that
 * were stored after the window was last scored (ingested_at after the start
 * of its newest run). One query over the whole span.
 */
export async function windowsWithLateData(store: Store, scored: readonly ScoredWindow[], windowMs: number): Promise<ScoredWindow[]> {
  if (scored.length === 0) return [];
  const from = Math.min(...scored.map((w) => w.start));
  const to = Math.max(...scored.map((w) => w.end));
  const after = Math.min(...scored.map((w) => w.scoredAt));
  const rows = await store.query<{ k: string | number; last_in: string }>(
    `SELECT intDiv(toUnixTimestamp64Milli(ts), {w:Int64}) AS k, toUnixTimestamp64Milli(max(ingested_at)) AS last_in
     FROM predictions
     WHERE ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       AND ingested_at > fromUnixTimestamp64Milli({after:Int64}, 'UTC')
     GROUP BY k`,
    { params: { w: windowMs, from, to, after } },
  );
  const lastIn = new Map(rows.map((r) => [ms(r.k), ms(r.last_in)]));
  return scored.filter((w) => (lastIn.get(Math.floor(w.start / windowMs)) ?? 0) > w.scoredAt);
}
