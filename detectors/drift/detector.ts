// The drift detector: per model x version (x tag segment) x feature, the
// current window against a baseline (previous window, pinned range, another
// version over the same window, or an imported dataset), with every statistic
// as docs/statistics.md defines it and every aggregate computed by the engine
// (profile.ts, then numeric.ts and categories.ts; plan.ts decides what is
// numeric). Node only sees counts, bins, order statistics and cells; the
// rows are written by rows.ts from the reports (reports.ts).
//
// Rows per feature (feature = its name):
//   psi                 status by the PSI bands (ok / warn / alert)
//   js                  informational (ok)
//   ks_d                numeric; p_value raw, status warn when rejected by
//                       Benjamini-Hochberg at q across the run's tests
//   wasserstein         numeric; informational
//   chi2                categorical; statistic, p_value, BH like ks_d
//   new_categories      categorical; count (details lists them), warn when > 0
//   missing_share_delta missing_cur - missing_ref, status by the missing bands
//   severity            0 none / 1 warn / 2 alert: the worse of the PSI and
//                       missing bands (docs/statistics.md "Severity of a feature")
// Model-level rows (feature = ''):
//   confidence_psi, confidence_ks_d (BH), confidence_mean_drop (mean_ref -
//   mean_cur, bands), confidence_below_floor_share (share of the current window
//   below the floor; status by its increase over the baseline);
//   prediction_psi, prediction_js and prediction_chi2 (classifiers: the class
//   distribution) or prediction_ks_d and prediction_wasserstein (regressors,
//   when every prediction on both sides has prediction_num).
// Below min_samples values on a side a metric's status is insufficient_data
// (its value is still reported when computable; its p-value takes no part in
// BH). A feature absent on one side has null metrics; the run goes on.
import type { Store } from '../../src/core/store/store.ts';
import { globMatcher } from '../../src/core/util/glob.ts';
import { benjaminiHochberg } from '../stats/bh.ts';
import type { ScoreRow, TimeWindow } from '../../src/core/score.ts';
import type { BaselineConfig, DriftJobConfig, DriftThresholds } from './config.ts';
import { num } from '../compare/sql.ts';
import type { Side } from '../operational/sides.ts';
import { categoryCounts } from './categories.ts';
import { query } from './column.ts';
import { numericAggregates } from './numeric.ts';
import { plan } from './plan.ts';
import { daysPartitioned, profile, type ComparisonSql } from './profile.ts';
import { confidenceReports, featureReports, predictionReports } from './reports.ts';
import { RowWriter, type Pending } from './rows.ts';
import { sideSql, type Segment, type SideSpec, type SideSql } from './sides.ts';

export { DETAIL_CATEGORIES } from './rows.ts';

export interface DriftRunContext {
  runId: string;
  runAt: Date;
  window: TimeWindow;
  signal?: AbortSignal;
}

export interface DriftOptions {
  /** Detector name written to drift_scores.detector. */
  name: string;
  baseline: BaselineConfig;
  models?: readonly string[] | undefined;
  features?: readonly string[] | undefined;
  categorical?: readonly string[];
  metrics?: readonly DriftJobConfig['metrics'][number][];
  segmentBy?: string | undefined;
  maxSegments?: number;
  thresholds: DriftThresholds;
  minSamples: number;
  exactLimit?: number;
  /** Walk large columns' cells exactly (default true; tests turn it off to check the error bounds). */
  refine?: boolean;
}

export function baselineLabel(b: BaselineConfig): string {
  switch (b.type) {
    case 'previous':
      return 'previous';
    case 'range':
      return `range:${new Date(b.from).toISOString()}/${new Date(b.to).toISOString()}`;
    case 'version':
      return `version:${b.version}`;
    case 'dataset':
      return `dataset:${b.name}`;
  }
}

interface Comparison {
  model: string;
  version: string;
  segment: string;
  cur: SideSpec;
  ref: SideSpec;
}

/** What the current window holds: the (model, version) pairs to score, with their baselines. */
async function comparisons(store: Store, o: DriftOptions, ctx: DriftRunContext): Promise<Comparison[]> {
  const { window } = ctx;
  const rows = await query<{ model: string; model_version: string }>(
    store,
    `SELECT model, model_version FROM predictions
     WHERE ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
     GROUP BY model, model_version ORDER BY model, model_version`,
    { start: window.start.getTime(), end: window.end.getTime() },
    ctx.signal,
  );
  const wanted = globMatcher(o.models);
  const b = o.baseline;
  const out: Comparison[] = [];
  for (const r of rows) {
    if (!wanted(r.model)) continue;
    if (b.type === 'version' && r.model_version === b.version) continue;
    const cur: SideSpec = { source: 'live', model: r.model, version: r.model_version, start: window.start, end: window.end };
    let ref: SideSpec;
    if (b.type === 'previous') {
      const len = window.end.getTime() - window.start.getTime();
      ref = { ...cur, start: new Date(window.start.getTime() - len), end: window.start };
    } else if (b.type === 'range') ref = { ...cur, start: new Date(b.from), end: new Date(b.to) };
    else if (b.type === 'version') ref = { ...cur, version: b.version };
    else {
      const [ds] = await query<{ last_import: string; last_rows: string }>(
        store,
        `SELECT argMax(import_id, imported_at) AS last_import, toString(argMax(rows, imported_at)) AS last_rows FROM baseline_datasets
         WHERE model = {model:String} AND model_version = {version:String} AND dataset = {dataset:String} HAVING count() > 0`,
        { model: r.model, version: r.model_version, dataset: b.name },
        ctx.signal,
      );
      ref = { source: 'dataset', model: r.model, version: r.model_version, dataset: b.name, importId: ds?.last_import ?? '', rows: ds ? num(ds.last_rows) : 0 };
    }
    out.push({ model: r.model, version: r.model_version, segment: '', cur, ref });
    if (o.segmentBy) {
      const segs = await query<{ v: string }>(
        store,
        `SELECT tags[{tag:String}] AS v, count() AS c FROM predictions
         WHERE model = {model:String} AND model_version = {version:String} AND mapContains(tags, {tag:String})
           AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')
         GROUP BY v ORDER BY c DESC, v LIMIT {limit:UInt32}`,
        { tag: o.segmentBy, model: r.model, version: r.model_version, start: window.start.getTime(), end: window.end.getTime(), limit: o.maxSegments ?? 20 },
        ctx.signal,
      );
      for (const s of segs) {
        const segment: Segment = { tag: o.segmentBy, value: s.v };
        out.push({
          model: r.model,
          version: r.model_version,
          segment: `${o.segmentBy}=${s.v}`,
          cur: { ...cur, segment },
          ref: ref.source === 'live' ? { ...ref, segment } : ref,
        });
      }
    }
  }
  return out;
}

export async function runDrift(store: Store, o: DriftOptions, ctx: DriftRunContext): Promise<ScoreRow[]> {
  const pending: Pending[] = [];
  for (const c of await comparisons(store, o, ctx)) {
    ctx.signal?.throwIfAborted();
    pending.push(...(await compareOne(store, o, ctx, c)));
  }
  // Benjamini-Hochberg across every test of the run.
  const tests = pending.filter((p) => p.test);
  const q = o.thresholds.p_value;
  const bh = benjaminiHochberg(
    tests.map((p) => p.row.p_value),
    q,
  );
  tests.forEach((p, i) => {
    const adj = bh.adjusted[i] ?? null;
    const details = JSON.parse(p.row.details) as Record<string, unknown>;
    p.row.details = JSON.stringify({ ...details, p_adjusted: adj });
    p.row.status = bh.rejected[i] ? 'warn' : 'ok';
  });
  return pending.map((p) => p.row);
}

async function compareOne(store: Store, o: DriftOptions, ctx: DriftRunContext, c: Comparison): Promise<Pending[]> {
  const byDay = await daysPartitioned(store);
  const sides: Record<Side, SideSql> = { ref: sideSql('ref', c.ref, byDay), cur: sideSql('cur', c.cur, byDay) };
  const cs: ComparisonSql = { ref: c.ref, cur: c.cur, sides, params: { ...sides.ref.params, ...sides.cur.params, floor: o.thresholds.confidence_floor }, byDay, signal: ctx.signal };
  const prof = await profile(store, cs);
  const pl = plan(o, cs, prof);
  const numOpts = { exactLimit: o.exactLimit ?? 200_000, params: { ...cs.params, ...pl.params }, ...(o.refine !== undefined ? { refine: o.refine } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  const wantsDistributions = pl.metrics.has('features') || pl.doConfidence || (pl.doPrediction && pl.regressor);
  const cols = pl.metrics.has('features') ? pl.cols : pl.cols.filter((x) => x.id >= pl.confId);
  const [numAgg, cats] = await Promise.all([wantsDistributions ? numericAggregates(store, cols, numOpts) : Promise.resolve(new Map()), categoryCounts(store, cs, prof, pl)]);
  const base = {
    run_id: ctx.runId,
    run_at: ctx.runAt.toISOString(),
    detector: o.name,
    window_start: ctx.window.start.toISOString(),
    window_end: ctx.window.end.toISOString(),
    baseline: baselineLabel(o.baseline),
    model: c.model,
    model_version: c.version,
    segment: c.segment,
  };
  const w = new RowWriter(base, o.thresholds, o.minSamples, pl.metrics, prof.events);
  featureReports(w, prof, pl, numAgg, cats);
  if (pl.doConfidence) confidenceReports(w, prof, pl, numAgg);
  if (pl.doPrediction) predictionReports(w, pl, numAgg, cats);
  return w.out;
}
