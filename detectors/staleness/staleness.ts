// Staleness of each live model version (one with predictions in the
// window): version_age_days since its first prediction (version_lifetimes,
// sql/071, kept beyond the raw tables' TTL) and days_since_training since
// its training cut-off (from the job's trained_until list). Ages are
// measured at the end of the window, so a backfill gives the age the
// version had then.
import type { DetectorContext } from '../../src/core/detector.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { Store } from '../../src/core/store/store.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import { globMatcher } from '../../src/core/util/glob.ts';
import { loadDeploymentTags, withTags } from '../operational/tags.ts';
import { DEFAULT_MONITOR_THRESHOLDS } from '../operational/context.ts';
import type { StalenessJob } from './config.ts';

export const STALENESS_DETECTOR = 'staleness';
const DAY_MS = 86_400_000;

interface Live {
  model: string;
  model_version: string;
  n: string;
  first_seen: string;
  last_seen: string;
}

export async function staleness(store: Store, job: StalenessJob, ctx: DetectorContext): Promise<ScoreRow[]> {
  const w = ctx.window;
  const live = await store.query<Live>(
    `SELECT p.model AS model, p.model_version AS model_version, p.n AS n,
            toUnixTimestamp64Milli(least(ifNull(l.first_seen, p.first), p.first)) AS first_seen, toUnixTimestamp64Milli(greatest(ifNull(l.last_seen, p.last), p.last)) AS last_seen
     FROM (SELECT model, model_version, count() AS n, min(ts) AS first, max(ts) AS last FROM predictions
           WHERE ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
           GROUP BY model, model_version) AS p
     LEFT JOIN (SELECT model, model_version, min(first_seen) AS first_seen, max(last_seen) AS last_seen FROM version_lifetimes GROUP BY model, model_version) AS l
       ON l.model = p.model AND l.model_version = p.model_version
     ORDER BY model, model_version`,
    { params: { start: w.start.getTime(), end: w.end.getTime() }, signal: ctx.signal, settings: { join_use_nulls: 1 } },
  );
  const modelOk = globMatcher(job.models);
  const maxAgeDays = parseDuration(job.max_age) / DAY_MS;
  const maxTrainingDays = job.max_training_age ? parseDuration(job.max_training_age) / DAY_MS : null;
  const end = w.end.getTime();
  const out: ScoreRow[] = [];
  for (const v of live.filter((r) => modelOk(r.model))) {
    const firstSeen = Number(v.first_seen);
    const cutoff = job.trained_until.find((t) => t.model === v.model && t.version === v.model_version);
    const seen = { first_seen: new Date(firstSeen).toISOString(), last_seen: new Date(Number(v.last_seen)).toISOString(), predictions: Number(v.n) };
    const age = (end - firstSeen) / DAY_MS;
    out.push(row(ctx, v, 'version_age_days', age, maxAgeDays, age > maxAgeDays ? 'alert' : 'ok', seen));
    if (!cutoff) {
      out.push(row(ctx, v, 'days_since_training', null, maxTrainingDays, 'no_data', { ...seen, reason: 'no training cut-off for this version: add it to trained_until' }));
      continue;
    }
    const trainedAge = (end - Date.parse(cutoff.at)) / DAY_MS;
    const status: ScoreStatus = maxTrainingDays !== null && trainedAge > maxTrainingDays ? 'alert' : 'ok';
    out.push(row(ctx, v, 'days_since_training', trainedAge, maxTrainingDays, status, { ...seen, trained_until: new Date(cutoff.at).toISOString(), trained_until_source: 'config' }));
  }
  const tagCtx = { runId: ctx.runId, runAt: ctx.runAt, window: w, baseline: { kind: 'previous' as const }, thresholds: DEFAULT_MONITOR_THRESHOLDS, minCount: 1, signal: ctx.signal };
  return withTags(out, await loadDeploymentTags(store, tagCtx));
}

function row(ctx: DetectorContext, v: Live, metric: string, value: number | null, threshold: number | null, status: ScoreStatus, details: Record<string, unknown>): ScoreRow {
  return {
    run_id: ctx.runId,
    run_at: ctx.runAt.toISOString(),
    detector: STALENESS_DETECTOR,
    window_start: ctx.window.start.toISOString(),
    window_end: ctx.window.end.toISOString(),
    baseline: '',
    model: v.model,
    model_version: v.model_version,
    segment: '',
    feature: '',
    metric,
    value,
    p_value: null,
    threshold,
    status,
    n_ref: 0,
    n_cur: Number(v.n),
    details: JSON.stringify(details),
  };
}
