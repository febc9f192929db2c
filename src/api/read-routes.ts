// Read-only JSON API over the stored data: models and versions seen, latest
// scores, score history, detector runs. Filters are bound parameters.
// "Latest" reads the current scores (sql/050_current_scores.sql): the newest
// window of each series, as its newest run scored it; a superseded score
// (its window re-scored after late data) stays in the history, marked
// current: false.
import { z } from 'zod';
import type { Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';
import { page, parseQuery } from './params.ts';

const paging = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};
const isoTime = z.iso.datetime({ offset: true });

const modelsQuery = z.strictObject({ since: isoTime.optional(), ...paging });
const scoresQuery = z.strictObject({
  model: z.string().optional(),
  version: z.string().optional(),
  feature: z.string().optional(),
  metric: z.string().optional(),
  status: z.enum(['ok', 'warn', 'alert', 'insufficient_data', 'no_data', 'no_labels', 'error']).optional(),
  ...paging,
});
const historyQuery = scoresQuery.extend({ from: isoTime.optional(), to: isoTime.optional() });
const runsQuery = z.strictObject({ detector: z.string().optional(), status: z.string().optional(), ...paging });

/** WHERE clauses for the optional filters, all as bound parameters. */
function filters(q: { model?: string; version?: string; feature?: string; metric?: string; status?: string }): { where: string; params: Record<string, unknown> } {
  const parts: string[] = [];
  const params: Record<string, unknown> = {};
  const add = (col: string, key: keyof typeof q): void => {
    if (q[key] === undefined) return;
    parts.push(`${col} = {${key}:String}`);
    params[key] = q[key];
  };
  add('model', 'model');
  add('model_version', 'version');
  add('feature', 'feature');
  add('metric', 'metric');
  add('status', 'status');
  return { where: parts.length ? parts.join(' AND ') : '1', params };
}

const toMs = (iso: string): number => new Date(iso).getTime();

const SCORE_COLUMNS = `run_id, run_at, detector, window_start, window_end, baseline, model, model_version, segment, feature, metric,
  value, p_value, threshold, status, n_ref, n_cur, tags`;
const LATEST_COLUMNS = ['run_id', 'detector', 'window_start', 'window_end', 'baseline', 'value', 'p_value', 'threshold', 'status', 'n_ref', 'n_cur'];

export function addReadRoutes(router: Router, store: () => Store): void {
  router.add('GET', '/v1/models', async (req) => {
    const q = parseQuery(modelsQuery, req.query);
    const rows = await store().query(
      `SELECT model, model_version AS version, count() AS predictions, min(ts) AS first_seen, max(ts) AS last_seen
       FROM predictions
       WHERE ts >= fromUnixTimestamp64Milli({since:Int64})
       GROUP BY model, model_version
       ORDER BY model, last_seen DESC
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { params: { since: q.since ? toMs(q.since) : 0, limit: q.limit + 1, offset: q.offset } },
    );
    return { status: 200, body: page(rows, q.limit, q.offset) };
  });

  router.add('GET', '/v1/scores/latest', async (req) => {
    const q = parseQuery(scoresQuery, req.query);
    // Status filters the latest row of each series, so it goes in HAVING.
    const f = filters({ ...q, status: undefined });
    // By window first: a re-scored older window must not pass for the latest.
    const rows = await store().query(
      `SELECT model, model_version, segment, feature, metric,
              argMax(s.run_at, (s.window_end, s.run_at)) AS run_at, ${LATEST_COLUMNS.map((c) => `argMax(s.${c}, (s.window_end, s.run_at)) AS ${c}`).join(', ')}
       FROM current_scores AS s
       WHERE ${f.where}
       GROUP BY model, model_version, segment, feature, metric
       ${q.status ? 'HAVING status = {status:String}' : ''}
       ORDER BY model, model_version, feature, metric
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { params: { ...f.params, status: q.status, limit: q.limit + 1, offset: q.offset } },
    );
    return { status: 200, body: page(rows, q.limit, q.offset) };
  });

  router.add('GET', '/v1/scores/history', async (req) => {
    const q = parseQuery(historyQuery, req.query);
    const f = filters(q);
    const rows = await store().query(
      `SELECT ${SCORE_COLUMNS}, run_id IN (SELECT run_id FROM current_scores) AS current
       FROM drift_scores
       WHERE ${f.where}
         AND run_at >= fromUnixTimestamp64Milli({from:Int64}) AND run_at < fromUnixTimestamp64Milli({to:Int64})
       ORDER BY run_at DESC, model, model_version, feature, metric
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { params: { ...f.params, from: q.from ? toMs(q.from) : 0, to: q.to ? toMs(q.to) : 8_000_000_000_000, limit: q.limit + 1, offset: q.offset } },
    );
    return { status: 200, body: page(rows, q.limit, q.offset) };
  });

  router.add('GET', '/v1/runs', async (req) => {
    const q = parseQuery(runsQuery, req.query);
    const parts: string[] = ['1'];
    if (q.detector) parts.push('detector = {detector:String}');
    if (q.status) parts.push('status = {status:String}');
    const rows = await store().query(
      `SELECT run_id, detector, window_start, window_end, trigger, started_at, finished_at, status, error, scores
       FROM detector_runs FINAL
       WHERE ${parts.join(' AND ')}
       ORDER BY window_end DESC, started_at DESC
       LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { params: { detector: q.detector, status: q.status, limit: q.limit + 1, offset: q.offset } },
    );
    return { status: 200, body: page(rows, q.limit, q.offset) };
  });
}
