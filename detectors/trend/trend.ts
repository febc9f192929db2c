// The trend detector: reads the history of chosen scores from drift_scores
// (the newest judged value of each window; the engine picks it) and runs a
// change detector over each series (change.ts). One row per series,
// `trend_<metric>`, with the statistic in reference standard deviations.
// Works on any score: label-based quality, estimated quality, drift scores.
import type { DetectorContext } from '../../src/core/detector.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { Store } from '../../src/core/store/store.ts';
import { parseDuration } from '../../src/core/util/duration.ts';
import { globMatcher } from '../../src/core/util/glob.ts';
import { autoDirection, detectChange, referenceStats, slopePerDay, type ChangeResult, type Direction } from './change.ts';
import type { TrendJob } from './config.ts';

export const TREND_DETECTOR = 'trend';
export const TREND_PREFIX = 'trend_';

interface Point {
  detector: string;
  model: string;
  model_version: string;
  segment: string;
  feature: string;
  metric: string;
  t: string;
  v: number;
}

interface Series {
  key: Omit<Point, 't' | 'v'>;
  times: number[];
  values: number[];
}

const SEP = '\u0000';

export async function runTrend(store: Store, job: TrendJob, ctx: DetectorContext): Promise<ScoreRow[]> {
  const to = ctx.window.end.getTime();
  const from = to - parseDuration(job.lookback);
  const range = { from, to };
  const candidates = await store.query<{ detector: string; model: string; metric: string }>(
    `SELECT DISTINCT detector, model, metric FROM drift_scores
     WHERE window_end > fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND window_end <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       AND detector != {self:String} AND NOT startsWith(metric, {prefix:String})`,
    { params: { ...range, self: TREND_DETECTOR, prefix: TREND_PREFIX }, signal: ctx.signal },
  );
  const [metricOk, modelOk, detectorOk, featureOk] = [globMatcher(job.metrics), globMatcher(job.models), globMatcher(job.detectors), globMatcher(job.features)];
  const keys = candidates.filter((c) => metricOk(c.metric) && modelOk(c.model) && detectorOk(c.detector)).map((c) => [c.detector, c.model, c.metric].join(SEP));
  if (keys.length === 0) return [];
  const points = await store.query<Point>(
    `SELECT detector, model, model_version, segment, feature, metric, toUnixTimestamp64Milli(window_end) AS t, argMax(value, run_at) AS v
     FROM drift_scores
     WHERE window_end > fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND window_end <= fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       AND concat(detector, {sep:String}, model, {sep:String}, metric) IN {keys:Array(String)}
       AND status IN ('ok', 'warn', 'alert') AND value IS NOT NULL AND isFinite(value)
     GROUP BY detector, model, model_version, segment, feature, metric, window_end
     ORDER BY detector, model, model_version, segment, feature, metric, t`,
    { params: { ...range, keys, sep: SEP }, signal: ctx.signal },
  );
  const series = new Map<string, Series>();
  for (const p of points) {
    if (!featureOk(p.feature)) continue;
    const k = [p.detector, p.model, p.model_version, p.segment, p.feature, p.metric].join(SEP);
    let s = series.get(k);
    if (!s) series.set(k, (s = { key: { detector: p.detector, model: p.model, model_version: p.model_version, segment: p.segment, feature: p.feature, metric: p.metric }, times: [], values: [] }));
    s.times.push(Number(p.t));
    s.values.push(Number(p.v));
  }
  return [...series.values()].map((s) => seriesRow(job, ctx, s));
}

function referenceSplit(job: TrendJob, s: Series): { ref: number[]; from: number } {
  if (job.reference.type === 'leading') {
    const n = Math.min(job.reference.windows, s.values.length);
    return { ref: s.values.slice(0, n), from: n };
  }
  const a = Date.parse(job.reference.from);
  const b = Date.parse(job.reference.to);
  const ref = s.values.filter((_, i) => s.times[i]! > a && s.times[i]! <= b);
  const from = s.times.findIndex((t) => t > b);
  return { ref, from: from < 0 ? s.values.length : from };
}

function seriesRow(job: TrendJob, ctx: DetectorContext, s: Series): ScoreRow {
  const { ref, from } = referenceSplit(job, s);
  const stats = referenceStats(ref, s.values, job.min_sigma);
  const after = s.values.length - from;
  const base = {
    run_id: ctx.runId,
    run_at: ctx.runAt.toISOString(),
    detector: TREND_DETECTOR,
    window_start: ctx.window.start.toISOString(),
    window_end: ctx.window.end.toISOString(),
    baseline: job.reference.type === 'leading' ? `leading:${job.reference.windows}` : `range:${job.reference.from}/${job.reference.to}`,
    model: s.key.model,
    model_version: s.key.model_version,
    segment: s.key.segment,
    feature: s.key.feature,
    metric: `${TREND_PREFIX}${s.key.metric}`,
    p_value: null,
    n_ref: ref.length,
    n_cur: after,
  };
  const last = s.values.length - 1;
  const common = {
    source_detector: s.key.detector,
    source_metric: s.key.metric,
    method: job.method,
    points: s.values.length,
    latest: last >= 0 ? { window_end: new Date(s.times[last]!).toISOString(), value: s.values[last] } : null,
    slope_per_day: slopePerDay(s.times, s.values),
  };
  if (!stats || after < job.min_points) {
    const reason = !stats ? `the reference has ${ref.length} point(s)${ref.length >= 2 ? ' and no spread (set min_sigma)' : ''}` : `${after} point(s) after the reference, fewer than ${job.min_points}`;
    return { ...base, value: null, threshold: job.threshold, status: 'insufficient_data', details: JSON.stringify({ ...common, reason }) };
  }
  const dirs: Direction[] = job.direction === 'auto' ? autoDirection(s.key.metric) : job.direction === 'both' ? ['decrease', 'increase'] : [job.direction];
  let best: { dir: Direction; r: ChangeResult } | null = null;
  for (const dir of dirs) {
    const r = detectChange(s.values, from, stats, dir, { method: job.method, slack: job.slack, threshold: job.threshold, minSigma: job.min_sigma });
    if (!best || r.statistic > best.r.statistic) best = { dir, r };
  }
  const { dir, r } = best!;
  const at = (i: number | null) => (i === null ? null : new Date(s.times[i]!).toISOString());
  const status: ScoreStatus = r.statistic > job.threshold ? 'alert' : 'ok';
  return {
    ...base,
    value: r.statistic,
    threshold: job.threshold,
    status,
    details: JSON.stringify({
      ...common,
      direction: dir,
      reference: { mean: stats.mean, sigma: stats.sigma, points: stats.points },
      change: last >= 0 ? s.values[last]! - stats.mean : null,
      alarm_at: at(r.alarmAt),
      change_started: at(r.changeStart),
    }),
  };
}
