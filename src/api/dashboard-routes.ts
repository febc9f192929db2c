// The JSON the dashboard (web/) needs beyond the general API, shaped so that a
// page load is a handful of aggregate queries however much traffic is stored:
//   GET /v1/dashboard/overview    models and versions: status, traffic share, first/last seen
//   GET /v1/dashboard/timeseries  per model: volume, latency p50/p95/p99, error rate per version and bucket
//   GET /v1/dashboard/heatmap     per model version: feature x window, PSI and status
//   GET /v1/dashboard/feature     one feature in one run: every score, the histogram, the SQL behind them
//   GET /v1/dashboard/gate        per model: the rollout-gate verdicts recorded (dashboard-gate.ts)
// Every read is bound parameters over driftwatch's tables; all need the read scope.
import { z } from 'zod';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { parseQuery } from './params.ts';
import { gateHistory, gateHistoryQuery } from './dashboard-gate.ts';
import { reproduceSql, storedScoresSql } from './dashboard-sql.ts';

const MAX_RANGE_MS = 31 * 86_400_000;
const range = z
  .string()
  .regex(/^\d+(m|h|d)$/, 'must be a duration like 15m, 6h or 7d')
  .refine((s) => {
    try {
      return parseDuration(s) > 0 && parseDuration(s) <= MAX_RANGE_MS;
    } catch {
      return false;
    }
  }, 'must be between 1m and 31d')
  .default('24h');
const end = z.iso.datetime({ offset: true }).optional();
const name = z.string().min(1).max(512);

export const overviewQuery = z.strictObject({ range, end });
export const seriesQuery = z.strictObject({ model: name, range, end });
export const heatmapQuery = z.strictObject({ model: name, version: name, range, end, detector: name.optional() });
export const featureQuery = z.strictObject({ model: name, version: name, feature: name, run_id: name });

/** Bucket lengths the time series may use, in seconds; the smallest giving at most MAX_BUCKETS wins. */
const STEPS = [10, 30, 60, 300, 900, 1800, 3600, 10_800, 21_600, 43_200, 86_400];
const MAX_BUCKETS = 150;
/** At most this many windows in a heatmap (the newest). */
const MAX_WINDOWS = 200;
/** At most this many (model, version) pairs on the overview. */
const MAX_PAIRS = 100;

type Status = 'alert' | 'warn' | 'healthy' | 'no_data';

function window(q: { range: string; end?: string | undefined }, now = Date.now()): { from: number; to: number } {
  const to = q.end ? Date.parse(q.end) : now;
  return { from: to - parseDuration(q.range), to };
}

export function stepFor(rangeMs: number): number {
  return STEPS.find((s) => rangeMs / (s * 1000) <= MAX_BUCKETS) ?? (STEPS[STEPS.length - 1] as number);
}

/** A ClickHouse DateTime64 in JSON ('YYYY-MM-DD HH:MM:SS.mmm', UTC) as ISO-8601. */
const iso = (t: unknown): string | null => (typeof t === 'string' && t ? `${t.replace(' ', 'T')}${t.includes('.') ? '' : '.000'}Z` : null);
const n = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const nOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number.isFinite(n(v)) ? n(v) : null);

const TIME = (k: string): string => `fromUnixTimestamp64Milli({${k}:Int64}, 'UTC')`;

interface PairRow {
  model: string;
  version: string;
  predictions: string | number;
  errors: string | number;
  last_seen: string;
}

interface LatestRow {
  model: string;
  version: string;
  detector: string;
  feature: string;
  metric: string;
  status: string;
  value: number | null;
  last_run_at: string;
}

async function overview(store: Store, q: z.output<typeof overviewQuery>): Promise<Record<string, unknown>> {
  const w = window(q);
  const params = { from: w.from, to: w.to, pairs: MAX_PAIRS };
  // Traffic in the range, and every version scored in it (a version whose
  // traffic stopped still has scores saying so).
  const [inRange, latest] = await Promise.all([
    store.query<PairRow>(
      `SELECT model, model_version AS version, count() AS predictions, countIf(error != '') AS errors, max(ts) AS last_seen
       FROM predictions WHERE ts >= ${TIME('from')} AND ts < ${TIME('to')}
       GROUP BY model, model_version ORDER BY model, model_version LIMIT {pairs:UInt32}`,
      { params },
    ),
    // The latest score of every series scored in the range: the version's status.
    store.query<LatestRow>(
      `SELECT model, model_version AS version, detector, feature, metric, argMax(status, run_at) AS status,
              argMax(value, run_at) AS value, max(run_at) AS last_run_at
       FROM drift_scores WHERE run_at >= ${TIME('from')} AND run_at < ${TIME('to')} AND segment = ''
       GROUP BY model, model_version, detector, feature, metric`,
      { params },
    ),
  ]);
  const key = (m: string, v: string): string => JSON.stringify([m, v]);
  const pairs = new Map<string, { model: string; version: string }>();
  for (const r of inRange) pairs.set(key(r.model, r.version), { model: r.model, version: r.version });
  for (const r of latest) if (pairs.size < MAX_PAIRS) pairs.set(key(r.model, r.version), { model: r.model, version: r.version });
  const list = [...pairs.values()];
  // First and last event of each version over all stored time: the sorting
  // key starts (model, model_version, ts), so each branch reads one granule
  // per part (read in order) instead of the version's whole history.
  const seen = new Map<string, { first: string | null; last: string | null }>();
  if (list.length) {
    const pp: Record<string, unknown> = {};
    const branches = list.flatMap((p, i) => {
      pp[`m${i}`] = p.model;
      pp[`v${i}`] = p.version;
      const where = `model = {m${i}:String} AND model_version = {v${i}:String}`;
      return [
        `SELECT ${i} AS i, 'first' AS k, ts FROM (SELECT ts FROM predictions WHERE ${where} ORDER BY ts ASC LIMIT 1)`,
        `SELECT ${i} AS i, 'last' AS k, ts FROM (SELECT ts FROM predictions WHERE ${where} ORDER BY ts DESC LIMIT 1)`,
      ];
    });
    const rows = await store.query<{ i: number; k: 'first' | 'last'; ts: string }>(branches.join('\nUNION ALL\n'), { params: pp, settings: { optimize_read_in_order: 1 } });
    for (const r of rows) {
      const p = list[n(r.i)];
      if (!p) continue;
      const s = seen.get(key(p.model, p.version)) ?? { first: null, last: null };
      s[r.k] = iso(r.ts);
      seen.set(key(p.model, p.version), s);
    }
  }
  const totals = new Map<string, number>();
  for (const r of inRange) totals.set(r.model, (totals.get(r.model) ?? 0) + n(r.predictions));
  const traffic = new Map(inRange.map((r) => [key(r.model, r.version), r]));
  const scores = new Map<string, LatestRow[]>();
  for (const r of latest) {
    const k = key(r.model, r.version);
    const l = scores.get(k);
    if (l) l.push(r);
    else scores.set(k, [r]);
  }
  const models = new Map<string, Array<Record<string, unknown>>>();
  for (const p of list) {
    const k = key(p.model, p.version);
    const t = traffic.get(k);
    const predictions = t ? n(t.predictions) : 0;
    const s = scores.get(k) ?? [];
    const alerts = s.filter((r) => r.status === 'alert');
    const warns = s.filter((r) => r.status === 'warn');
    const judged = s.filter((r) => r.status === 'ok' || r.status === 'warn' || r.status === 'alert');
    // Traffic and nothing flagged is healthy, scored or not (a champion that
    // is only ever the baseline of a comparison is never scored itself).
    const status: Status = predictions === 0 ? 'no_data' : alerts.length ? 'alert' : warns.length ? 'warn' : 'healthy';
    const worst = [...alerts, ...warns].slice(0, 5).map((r) => ({ detector: r.detector, feature: r.feature, metric: r.metric, value: nOrNull(r.value), status: r.status }));
    const total = totals.get(p.model) ?? 0;
    const v = {
      version: p.version,
      status,
      predictions,
      errors: t ? n(t.errors) : 0,
      share: total > 0 ? predictions / total : 0,
      first_seen: seen.get(k)?.first ?? null,
      last_seen: seen.get(k)?.last ?? null,
      scores: { alert: alerts.length, warn: warns.length, judged: judged.length, last_run_at: s.length ? iso(s.map((r) => r.last_run_at).sort().at(-1)) : null },
      worst,
    };
    const l = models.get(p.model);
    if (l) l.push(v);
    else models.set(p.model, [v]);
  }
  return {
    range: { from: new Date(w.from).toISOString(), to: new Date(w.to).toISOString() },
    models: [...models.entries()].map(([model, versions]) => ({ model, predictions: totals.get(model) ?? 0, versions: versions.sort((a, b) => n(b.predictions) - n(a.predictions)) })),
  };
}

async function timeseries(store: Store, q: z.output<typeof seriesQuery>): Promise<Record<string, unknown>> {
  const w = window(q);
  const step = stepFor(w.to - w.from);
  // Buckets aligned to the step, so a refresh does not shift them.
  const from = Math.floor(w.from / (step * 1000)) * step * 1000;
  const rows = await store.query<{ t: string; version: string; n: string | number; errors: string | number; q: Array<number | null> }>(
    `SELECT toStartOfInterval(ts, INTERVAL {step:UInt32} SECOND, 'UTC') AS t, model_version AS version, count() AS n,
            countIf(error != '') AS errors, quantiles(0.5, 0.95, 0.99)(latency_ms) AS q
     FROM predictions
     WHERE model = {model:String} AND ts >= ${TIME('from')} AND ts < ${TIME('to')}
     GROUP BY t, version ORDER BY t, version`,
    { params: { model: q.model, step, from, to: w.to } },
  );
  const versions = new Map<string, Array<[string | null, number, number, number | null, number | null, number | null]>>();
  for (const r of rows) {
    const c = n(r.n);
    const point: [string | null, number, number, number | null, number | null, number | null] = [iso(r.t), c, c > 0 ? n(r.errors) / c : 0, nOrNull(r.q[0]), nOrNull(r.q[1]), nOrNull(r.q[2])];
    const l = versions.get(r.version);
    if (l) l.push(point);
    else versions.set(r.version, [point]);
  }
  return {
    model: q.model,
    range: { from: new Date(from).toISOString(), to: new Date(w.to).toISOString() },
    step_seconds: step,
    columns: ['t', 'predictions', 'error_rate', 'latency_p50_ms', 'latency_p95_ms', 'latency_p99_ms'],
    versions: [...versions.entries()].map(([version, points]) => ({ version, points })),
  };
}

async function heatmap(store: Store, q: z.output<typeof heatmapQuery>): Promise<Record<string, unknown>> {
  const w = window(q);
  const params = { model: q.model, version: q.version, from: w.from, to: w.to, detector: q.detector ?? '', windows: MAX_WINDOWS };
  const where = `model = {model:String} AND model_version = {version:String} AND segment = '' AND feature != ''
    AND window_end > ${TIME('from')} AND window_end <= ${TIME('to')}`;
  const detectors = await store.query<{ detector: string; n: string | number }>(
    `SELECT detector, count() AS n FROM drift_scores WHERE ${where} AND metric = 'psi' GROUP BY detector ORDER BY n DESC, detector`,
    { params },
  );
  const detector = q.detector ?? detectors[0]?.detector;
  if (detector === undefined) return { model: q.model, version: q.version, detector: null, detectors: [], features: [], windows: [], cells: [] };
  params.detector = detector;
  const rows = await store.query<{
    feature: string;
    window_start: string;
    window_end: string;
    run_id: string;
    baseline: string;
    psi: number | null;
    psi_status: string;
    severity: string;
    missing_delta: number | null;
    n_cur: string | number;
  }>(
    `SELECT feature, window_start, window_end, argMax(run_id, run_at) AS run_id, argMax(baseline, run_at) AS baseline,
            argMaxIf(value, run_at, metric = 'psi') AS psi, argMaxIf(status, run_at, metric = 'psi') AS psi_status,
            argMaxIf(status, run_at, metric = 'severity') AS severity,
            argMaxIf(value, run_at, metric = 'missing_share_delta') AS missing_delta,
            argMaxIf(n_cur, run_at, metric = 'psi') AS n_cur
     FROM drift_scores
     WHERE ${where} AND detector = {detector:String} AND metric IN ('psi', 'severity', 'missing_share_delta')
       AND window_end IN (SELECT DISTINCT window_end FROM drift_scores WHERE ${where} AND detector = {detector:String} AND metric = 'psi'
                          ORDER BY window_end DESC LIMIT {windows:UInt32})
     GROUP BY feature, window_start, window_end
     ORDER BY window_end, feature`,
    { params },
  );
  const windows: Array<{ start: string | null; end: string | null; run_id: string; baseline: string }> = [];
  const windowIndex = new Map<string, number>();
  const features = [...new Set(rows.map((r) => r.feature))].sort();
  const featureIndex = new Map(features.map((f, i) => [f, i]));
  const cells: Array<[number, number, number | null, string, string, number | null, number]> = [];
  for (const r of rows) {
    let wi = windowIndex.get(r.window_end);
    if (wi === undefined) {
      wi = windows.length;
      windowIndex.set(r.window_end, wi);
      windows.push({ start: iso(r.window_start), end: iso(r.window_end), run_id: r.run_id, baseline: r.baseline });
    }
    cells.push([featureIndex.get(r.feature) as number, wi, nOrNull(r.psi), r.psi_status || 'no_data', r.severity || r.psi_status || 'no_data', nOrNull(r.missing_delta), n(r.n_cur)]);
  }
  return {
    model: q.model,
    version: q.version,
    detector,
    detectors: detectors.map((d) => d.detector),
    features,
    windows,
    columns: ['feature', 'window', 'psi', 'psi_status', 'status', 'missing_share_delta', 'n_cur'],
    cells,
  };
}

interface ScoreDetailRow {
  run_id: string;
  run_at: string;
  detector: string;
  window_start: string;
  window_end: string;
  baseline: string;
  metric: string;
  value: number | null;
  p_value: number | null;
  threshold: number | null;
  status: string;
  n_ref: string | number;
  n_cur: string | number;
  details: string;
}

function parseDetails(s: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(s || '{}');
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

async function feature(store: Store, q: z.output<typeof featureQuery>): Promise<Record<string, unknown>> {
  const rows = await store.query<ScoreDetailRow>(
    `SELECT run_id, run_at, detector, window_start, window_end, baseline, metric, value, p_value, threshold, status, n_ref, n_cur, details
     FROM drift_scores
     WHERE run_id = {run_id:String} AND model = {model:String} AND model_version = {version:String} AND segment = '' AND feature = {feature:String}
     ORDER BY metric`,
    { params: { run_id: q.run_id, model: q.model, version: q.version, feature: q.feature } },
  );
  const first = rows[0];
  if (!first) throw new HttpError(404, `no scores for feature ${JSON.stringify(q.feature)} of ${q.model}/${q.version} in run ${q.run_id}`);
  const scores = rows.map((r) => ({
    metric: r.metric,
    value: nOrNull(r.value),
    p_value: nOrNull(r.p_value),
    threshold: nOrNull(r.threshold),
    status: r.status,
    n_ref: n(r.n_ref),
    n_cur: n(r.n_cur),
    details: parseDetails(r.details),
  }));
  const psi = scores.find((s) => s.metric === 'psi');
  const type = psi?.details.type === 'categorical' || scores.some((s) => s.metric === 'chi2') ? 'categorical' : 'numeric';
  const sel = { runId: q.run_id, model: q.model, version: q.version, feature: q.feature };
  return {
    model: q.model,
    version: q.version,
    feature: q.feature,
    type,
    run: { run_id: first.run_id, run_at: iso(first.run_at), detector: first.detector, window_start: iso(first.window_start), window_end: iso(first.window_end), baseline: first.baseline },
    scores,
    // The PSI row carries the bins (numeric: edges and counts per side;
    // categorical: categories and counts), i.e. the two histograms.
    histogram: psi ? { type, ...psi.details } : null,
    sql: {
      stored: storedScoresSql(sel),
      recompute: reproduceSql({ model: q.model, version: q.version, feature: q.feature, type, windowStart: first.window_start, windowEnd: first.window_end, baseline: first.baseline }),
    },
  };
}

export function addDashboardRoutes(router: Router, store: () => Store): void {
  router.add('GET', '/v1/dashboard/overview', async (req) => ({
    status: 200,
    body: await overview(store(), parseQuery(overviewQuery, req.query)),
  }));
  router.add('GET', '/v1/dashboard/timeseries', async (req) => ({ status: 200, body: await timeseries(store(), parseQuery(seriesQuery, req.query)) }));
  router.add('GET', '/v1/dashboard/heatmap', async (req) => ({ status: 200, body: await heatmap(store(), parseQuery(heatmapQuery, req.query)) }));
  router.add('GET', '/v1/dashboard/feature', async (req) => ({ status: 200, body: await feature(store(), parseQuery(featureQuery, req.query)) }));
  router.add('GET', '/v1/dashboard/gate', async (req) => ({ status: 200, body: await gateHistory(store(), parseQuery(gateHistoryQuery, req.query)) }));
}
