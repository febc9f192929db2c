// The drift detector: per model x version (x tag segment) x feature, the
// current window against a baseline (previous window, pinned range, another
// version over the same window, or an imported dataset), with every statistic
// as docs/statistics.md defines it and every aggregate computed by the engine
// (numeric.ts; category counts and profiles here). Node only sees counts,
// bins, order statistics and cells.
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
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { globMatcher } from '../../src/core/util/glob.ts';
import { benjaminiHochberg } from '../stats/bh.ts';
import { sortCategories } from '../stats/categories.ts';
import { missingSeverity, psiSeverity, worseSeverity, type Severity, type SeverityThresholds } from '../stats/severity.ts';
import { categoricalFeature, numericFeature } from '../report/feature.ts';
import type { CategoricalFeatureReport, NumericFeatureReport } from '../report/types.ts';
import type { ScoreRow, ScoreStatus, TimeWindow } from '../../src/core/score.ts';
import type { BaselineConfig, DriftJobConfig, DriftThresholds } from './config.ts';
import { num } from '../compare/sql.ts';
import { SIDES, type Side } from '../operational/sides.ts';
import { atCellLowSql, cellOffsetSql, cellSql, columnCells, FIRST_VALUE_CELL } from './cells.ts';
import { DRIFT_SETTINGS, type NumericColumn } from './column.ts';
import { numericAggregates } from './numeric.ts';
import { sideSql, type Segment, type SideSpec, type SideSql } from './sides.ts';

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

/** Categories listed in a row's details (the most frequent); counts of the rest are summed. */
export const DETAIL_CATEGORIES = 50;

const SEVERITY_VALUE: Record<Severity, number> = { none: 0, warn: 1, alert: 2 };
const SEVERITY_STATUS: Record<Severity, ScoreStatus> = { none: 'ok', warn: 'warn', alert: 'alert' };

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

interface Pending {
  row: ScoreRow;
  /** For BH: the row's raw p-value takes part. */
  test: boolean;
}

interface Comparison {
  model: string;
  version: string;
  segment: string;
  cur: SideSpec;
  ref: SideSpec;
}

interface CellRow {
  cell: number;
  c: number;
  e: number;
  s: number;
}

interface FeatureProfile {
  /** Finite numbers. */
  fin: number;
  /** Strings and booleans. */
  other: number;
  /** Numbers, finite or not (a categorical feature counts each as a category). */
  numbers: number;
  cells: CellRow[];
}

/** Cell codes of a feature row that is not a finite number (value cells start at FIRST_VALUE_CELL). */
const KIND_CELL = `multiIf(kind != 'number', toUInt32(kind), isFinite(value_num), ${cellSql('value_num')}, toUInt32(1))`; // 0 missing, 1 non-finite, 2 string, 3 bool
/** Above this many features, one grouped pass instead of a branch per feature. */
const PER_FEATURE_BRANCHES = 64;
const NON_FINITE_CELL = 1;
const STRING_CELL = 2;
const BOOL_CELL = 3;

const yyyymmdd = (ms: number): number => {
  const d = new Date(ms);
  return d.getUTCFullYear() * 10000 + (d.getUTCMonth() + 1) * 100 + d.getUTCDate();
};

const partitionKeys = new WeakMap<Store, Promise<boolean>>();
/** feature_values is partitioned by UTC day (sql/001_core.sql); checked once per store so a schema change cannot make the feature list short. */
function daysPartitioned(store: Store): Promise<boolean> {
  let p = partitionKeys.get(store);
  if (!p) {
    p = store
      .query<{ k: string }>(`SELECT partition_key AS k FROM system.tables WHERE database = currentDatabase() AND name = 'feature_values'`)
      .then((r) => r[0]?.k.replace(/\s+/g, '') === 'toYYYYMMDD(ts)')
      .catch(() => false);
    partitionKeys.set(store, p);
  }
  return p;
}

const q = <T>(store: Store, sql: string, params: QueryParams, signal?: AbortSignal): Promise<T[]> =>
  store.query<T>(sql, { params, settings: DRIFT_SETTINGS, ...(signal ? { signal } : {}) });

function thresholdsOf(t: DriftThresholds): SeverityThresholds {
  return { psiWarn: t.psi_warn, psiAlert: t.psi_alert, missingWarn: t.missing_warn, missingAlert: t.missing_alert };
}

/** What the current window holds: the (model, version) pairs to score, with their baselines. */
async function comparisons(store: Store, o: DriftOptions, ctx: DriftRunContext): Promise<Comparison[]> {
  const { window } = ctx;
  const rows = await q<{ model: string; model_version: string }>(
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
      const [ds] = await q<{ last_import: string; last_rows: string }>(
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
      const segs = await q<{ v: string }>(
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
  const metrics = new Set(o.metrics ?? ['features', 'missing', 'confidence', 'prediction']);
  const t = o.thresholds;
  const byDay = await daysPartitioned(store);
  const sides: Record<Side, SideSql> = { ref: sideSql('ref', c.ref, byDay), cur: sideSql('cur', c.cur, byDay) };
  const params: QueryParams = { ...sides.ref.params, ...sides.cur.params, floor: t.confidence_floor };
  const signal = ctx.signal;
  const live = (s: Side): boolean => sides[s].predictions !== null;

  // Events per side (the denominators of missing shares) and the model-level columns' profiles.
  const finite = (x: string) => `${x} IS NOT NULL AND isFinite(assumeNotNull(${x}))`;
  const predBranches = SIDES.filter(live).map(
    (s) => `SELECT '${s}' AS side, toFloat64(count()) AS events,
      toFloat64(countIf(${finite('confidence')})) AS conf_n,
      sumIf(assumeNotNull(confidence), ${finite('confidence')}) AS conf_sum,
      toFloat64(countIf(${finite('confidence')} AND assumeNotNull(confidence) < {floor:Float64})) AS conf_below,
      toFloat64(countIf(${finite('prediction_num')})) AS pn_n,
      toFloat64(countIf(prediction != '')) AS pc_n
    FROM predictions WHERE ${sides[s].predictions as string}`,
  );
  type PredProfile = { side: Side; events: number; conf_n: number; conf_sum: number; conf_below: number; pn_n: number; pc_n: number };
  // Cells of confidence and prediction_num (numeric.ts), per live side.
  const predCellBranches = SIDES.filter(live).flatMap((s) =>
    (['confidence', 'prediction_num'] as const).map(
      (x) => `SELECT '${s}' AS side, '${x}' AS col, ${cellSql('v')} AS cell, toFloat64(count()) AS c, toFloat64(countIf(${atCellLowSql('v')})) AS e, sum(${cellOffsetSql('v')}) AS s
      FROM (SELECT assumeNotNull(${x}) + 0. AS v FROM predictions WHERE ${sides[s].predictions as string} AND ${finite(x)}) GROUP BY cell`,
    ),
  );
  // One pass per side over the long table: per feature, its kinds and the cells of its finite numbers.
  const cellsOf = (s: Side, feature: string | null): string =>
    `SELECT '${s}' AS side, ${feature ?? 'feature'} AS feature, cell, toFloat64(count()) AS c, toFloat64(countIf(at_low)) AS e, sum(if(kind = 'number' AND isFinite(value_num), ${cellOffsetSql('value_num')}, 0)) AS s
    FROM (SELECT feature, value_num, kind, ${KIND_CELL} AS cell, kind = 'number' AND isFinite(value_num) AND ${atCellLowSql('value_num')} AS at_low
          FROM ${sides[s].valuesTable} WHERE ${sides[s].values}${feature ? ` AND feature = ${feature}` : ''})
    GROUP BY ${feature ? '' : 'feature, '}cell`;
  const featureCells = async (): Promise<Array<CellRow & { side: Side; feature: string }>> => {
    // One branch per feature and side groups on the cell alone, which is much cheaper than grouping on (feature,
    // cell); the list (a superset is harmless) costs a read of the feature column. Segments and long lists keep
    // the single grouped pass.
    const segmented = c.cur.source === 'live' && c.cur.segment !== undefined;
    const listParams: QueryParams = { ...params };
    // A live side's list: its model and version in the days the window touches (the partition, so ts is not read).
    const listCond = (s: Side): string => {
      const spec = s === 'ref' ? c.ref : c.cur;
      if (spec.source !== 'live' || !byDay) return sides[s].values;
      listParams[`${s}_list_lo`] = yyyymmdd(spec.start.getTime());
      listParams[`${s}_list_hi`] = yyyymmdd(Math.max(spec.start.getTime(), spec.end.getTime() - 1));
      return `model = {${s}_model:String} AND model_version = {${s}_version:String} AND _partition_value.1 BETWEEN {${s}_list_lo:UInt32} AND {${s}_list_hi:UInt32}`;
    };
    const names = segmented
      ? []
      : (await q<{ feature: string }>(store, `SELECT DISTINCT feature FROM (${SIDES.map((s) => `SELECT feature FROM ${(s === 'ref' ? c.ref : c.cur).source === 'live' && byDay ? 'feature_values' : sides[s].valuesTable} WHERE ${listCond(s)}`).join(' UNION ALL ')})`, listParams, signal)).map((r) => r.feature);
    if (segmented || names.length > PER_FEATURE_BRANCHES) return q(store, SIDES.map((s) => cellsOf(s, null)).join('\nUNION ALL\n'), params, signal);
    if (names.length === 0) return [];
    const pp: QueryParams = { ...params };
    names.forEach((f, i) => (pp[`p${i}`] = f));
    return q(store, SIDES.flatMap((s) => names.map((_, i) => cellsOf(s, `{p${i}:String}`))).join('\nUNION ALL\n'), pp, signal);
  };
  const [predRows, predCellRows, featRows] = await Promise.all([
    predBranches.length ? q<PredProfile>(store, predBranches.join('\nUNION ALL\n'), params, signal) : Promise.resolve([]),
    predCellBranches.length ? q<CellRow & { side: Side; col: string }>(store, predCellBranches.join('\nUNION ALL\n'), params, signal) : Promise.resolve([]),
    featureCells(),
  ]);
  const pred = new Map(predRows.map((r) => [r.side, r]));
  const events: Record<Side, number> = {
    ref: c.ref.source === 'dataset' ? c.ref.rows : num(pred.get('ref')?.events ?? 0),
    cur: num(pred.get('cur')?.events ?? 0),
  };
  const prof: Record<Side, Map<string, FeatureProfile>> = { ref: new Map(), cur: new Map() };
  for (const r of featRows) {
    let p = prof[r.side].get(r.feature);
    if (!p) prof[r.side].set(r.feature, (p = { fin: 0, other: 0, numbers: 0, cells: [] }));
    const row = { cell: num(r.cell), c: num(r.c), e: num(r.e), s: num(r.s) };
    if (row.cell >= FIRST_VALUE_CELL) {
      p.fin += row.c;
      p.numbers += row.c;
      p.cells.push(row);
    } else if (row.cell === NON_FINITE_CELL) p.numbers += row.c;
    else if (row.cell === STRING_CELL || row.cell === BOOL_CELL) p.other += row.c;
  }
  const predCells: Record<Side, Map<string, CellRow[]>> = { ref: new Map(), cur: new Map() };
  for (const r of predCellRows) {
    const m = predCells[r.side];
    const row = { cell: num(r.cell), c: num(r.c), e: num(r.e), s: num(r.s) };
    const list = m.get(r.col);
    if (list) list.push(row);
    else m.set(r.col, [row]);
  }

  const wantFeature = globMatcher(o.features);
  const forced = globMatcher(o.categorical && o.categorical.length ? o.categorical : ['\u0000never']);
  const doFeatures = metrics.has('features') || metrics.has('missing');
  const features = doFeatures ? sortCategories([...new Set([...prof.ref.keys(), ...prof.cur.keys()])]).filter(wantFeature) : [];
  const isNumeric = (f: string): boolean => !forced(f) && (prof.ref.get(f)?.other ?? 0) === 0 && (prof.cur.get(f)?.other ?? 0) === 0;
  const numericNames = features.filter(isNumeric);
  const categoricalNames = features.filter((f) => !isNumeric(f));

  // Numeric columns: features, then confidence and prediction_num.
  const cols: NumericColumn[] = [];
  const fParams: QueryParams = {};
  numericNames.forEach((f, i) => {
    fParams[`f${i}`] = f;
    const pr = prof.ref.get(f);
    const pc = prof.cur.get(f);
    cols.push({
      id: i,
      nRef: pr?.fin ?? 0,
      nCur: pc?.fin ?? 0,
      cells: columnCells({ ref: pr?.cells ?? [], cur: pc?.cells ?? [] }),
      branch: (s) => `SELECT value_num + 0. AS v FROM ${sides[s].valuesTable} WHERE ${sides[s].values} AND feature = {f${i}:String} AND kind = 'number' AND isFinite(value_num)`,
    });
  });
  const bothLive = live('ref') && live('cur');
  const pRef = pred.get('ref');
  const pCur = pred.get('cur');
  const predCol = (id: number, expr: 'confidence' | 'prediction_num', pref: 'conf' | 'pn'): NumericColumn => ({
    id,
    nRef: pRef ? num(pRef[`${pref}_n`]) : 0,
    nCur: pCur ? num(pCur[`${pref}_n`]) : 0,
    cells: columnCells({ ref: predCells.ref.get(expr) ?? [], cur: predCells.cur.get(expr) ?? [] }),
    branch: (s) => `SELECT assumeNotNull(${expr}) + 0. AS v FROM predictions WHERE ${sides[s].predictions as string} AND ${finite(expr)}`,
  });
  const CONF_ID = numericNames.length;
  const PRED_ID = numericNames.length + 1;
  const doConfidence = metrics.has('confidence') && bothLive && (num(pRef?.conf_n ?? 0) > 0 || num(pCur?.conf_n ?? 0) > 0);
  const regressor = bothLive && events.ref > 0 && events.cur > 0 && num(pRef?.pn_n ?? 0) === events.ref && num(pCur?.pn_n ?? 0) === events.cur;
  const doPrediction = metrics.has('prediction') && bothLive && (events.ref > 0 || events.cur > 0);
  if (doConfidence) cols.push(predCol(CONF_ID, 'confidence', 'conf'));
  if (doPrediction && regressor) cols.push(predCol(PRED_ID, 'prediction_num', 'pn'));

  const allParams = { ...params, ...fParams };
  const numOpts = { exactLimit: o.exactLimit ?? 200_000, params: allParams, ...(o.refine !== undefined ? { refine: o.refine } : {}), ...(signal ? { signal } : {}) };
  const wantsDistributions = metrics.has('features') || doConfidence || (doPrediction && regressor);
  const numP = wantsDistributions ? numericAggregates(store, metrics.has('features') ? cols : cols.filter((x) => x.id >= CONF_ID), numOpts) : Promise.resolve(new Map());

  // Category counts: categorical features, and the classes of a classifier.
  const catBranches: string[] = [];
  const catParams: QueryParams = { cat_names: categoricalNames };
  if (categoricalNames.length && metrics.has('features')) {
    // Strings and booleans grouped on the stored value; numbers (mixed or forced-categorical features only) on their bits,
    // formatted after grouping: toString on every row costs more than the grouping itself.
    const withNumbers = categoricalNames.filter((f) => (prof.ref.get(f)?.numbers ?? 0) + (prof.cur.get(f)?.numbers ?? 0) > 0);
    for (const s of SIDES) {
      catBranches.push(
        `SELECT '${s}' AS side, toUInt8(0) AS pred, feature, toString(value_str) AS cat, toFloat64(count()) AS n
         FROM ${sides[s].valuesTable} WHERE ${sides[s].values} AND kind IN ('string', 'bool') AND feature IN {cat_names:Array(String)} GROUP BY feature, value_str`,
      );
      if (withNumbers.length)
        catBranches.push(
          `SELECT side, pred, feature, toString(reinterpretAsFloat64(bits)) AS cat, n FROM (
             SELECT '${s}' AS side, toUInt8(0) AS pred, feature, reinterpretAsUInt64(value_num + 0.) AS bits, toFloat64(count()) AS n
             FROM ${sides[s].valuesTable} WHERE ${sides[s].values} AND kind = 'number' AND feature IN {cat_num_names:Array(String)} GROUP BY feature, bits)`,
        );
    }
    catParams.cat_num_names = withNumbers;
  }
  if (doPrediction && !regressor) {
    for (const s of SIDES)
      catBranches.push(`SELECT '${s}' AS side, toUInt8(1) AS pred, '' AS feature, prediction AS cat, toFloat64(count()) AS n FROM predictions WHERE ${sides[s].predictions as string} AND prediction != '' GROUP BY cat`);
  }
  const catP = catBranches.length
    ? q<{ side: Side; pred: number; feature: string; cat: string; n: number }>(store, catBranches.join('\nUNION ALL\n'), { ...allParams, ...catParams }, signal)
    : Promise.resolve([]);
  const [numAgg, catRows] = await Promise.all([numP, catP]);
  const cats = new Map<string, { ref: Map<string, number>; cur: Map<string, number> }>();
  for (const r of catRows) {
    const key = num(r.pred) ? '\u0000prediction' : r.feature;
    let m = cats.get(key);
    if (!m) cats.set(key, (m = { ref: new Map(), cur: new Map() }));
    m[r.side].set(r.cat, (m[r.side].get(r.cat) ?? 0) + num(r.n));
  }

  // Reports and rows.
  const out: Pending[] = [];
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
  const sev = thresholdsOf(t);
  const min = o.minSamples;
  const push = (feature: string, metric: string, value: number | null, status: ScoreStatus, extra: Partial<ScoreRow> & { test?: boolean; detailsObj?: Record<string, unknown>; n_ref: number; n_cur: number }): void => {
    const { test, detailsObj, ...rest } = extra;
    const v = value === null || !Number.isFinite(value) ? null : value;
    out.push({
      row: { ...base, feature, metric, value: v, p_value: null, threshold: null, status: v === null && status !== 'insufficient_data' ? 'insufficient_data' : status, details: JSON.stringify(detailsObj ?? {}), ...rest },
      test: Boolean(test) && v !== null && rest.p_value !== null && rest.p_value !== undefined,
    });
  };
  const enough = (nRef: number, nCur: number): boolean => nRef >= min && nCur >= min;

  const featureRows = (name: string, prefix: string, r: NumericFeatureReport | CategoricalFeatureReport, missingRows: boolean): void => {
    const ok = enough(r.n_ref, r.n_cur);
    const judged = (s: ScoreStatus): ScoreStatus => (ok ? s : 'insufficient_data');
    const n = { n_ref: r.n_ref, n_cur: r.n_cur };
    const evidence =
      r.type === 'numeric'
        ? { type: r.type, bin_edges: r.bin_edges, counts: r.counts }
        : { type: r.type, ...topCategories(r.categories, r.counts.ref, r.counts.cur) };
    const psiBand = psiSeverity(r.psi, sev);
    if (metrics.has('features') || prefix) {
      push(name, `${prefix}psi`, r.psi, judged(SEVERITY_STATUS[psiBand]), { ...n, threshold: t.psi_alert, detailsObj: evidence });
      push(name, `${prefix}js`, r.js, judged('ok'), { ...n });
      if (r.type === 'numeric') {
        const ksDetails: Record<string, unknown> = { method: r.ks?.method ?? null, ecdf_method: r.ecdf_method ?? null };
        if (r.ks?.d_error_bound !== undefined) ksDetails.d_error_bound = r.ks.d_error_bound;
        push(name, `${prefix}ks_d`, r.ks?.d ?? null, judged('ok'), { ...n, p_value: r.ks?.p_value ?? null, threshold: t.p_value, test: ok, detailsObj: ksDetails });
        push(name, `${prefix}wasserstein`, r.wasserstein, judged('ok'), {
          ...n,
          detailsObj: { ecdf_method: r.ecdf_method ?? null, ...(r.wasserstein_error_bound !== undefined ? { error_bound: r.wasserstein_error_bound } : {}) },
        });
      } else {
        push(name, `${prefix}chi2`, r.chi2?.statistic ?? null, judged('ok'), { ...n, p_value: r.chi2?.p_value ?? null, threshold: t.p_value, test: ok, detailsObj: { dof: r.chi2?.dof ?? null } });
        if (!prefix) {
          const fresh = r.new_categories;
          push(name, 'new_categories', r.n_cur > 0 && r.n_ref > 0 ? fresh.length : null, judged(fresh.length > 0 ? 'warn' : 'ok'), {
            ...n,
            detailsObj: { new_categories: fresh.slice(0, DETAIL_CATEGORIES), total: fresh.length },
          });
        }
      }
    }
    if (prefix) return;
    const missBand = missingSeverity(r.missing_ref, r.missing_cur, sev);
    const rowsOk = events.ref >= min && events.cur >= min;
    const missingDelta = r.missing_ref === null || r.missing_cur === null ? null : r.missing_cur - r.missing_ref;
    if (metrics.has('missing') && missingRows) {
      push(name, 'missing_share_delta', missingDelta, rowsOk ? SEVERITY_STATUS[missBand] : 'insufficient_data', {
        n_ref: events.ref,
        n_cur: events.cur,
        threshold: t.missing_alert,
        detailsObj: { missing_ref: r.missing_ref, missing_cur: r.missing_cur },
      });
    }
    if (metrics.has('features')) {
      const bands = worseSeverity(ok ? psiBand : 'none', rowsOk ? missBand : 'none');
      const judgeable = ok || rowsOk;
      push(name, 'severity', judgeable ? SEVERITY_VALUE[bands] : null, judgeable ? SEVERITY_STATUS[bands] : 'insufficient_data', {
        ...n,
        detailsObj: { type: r.type, psi: ok ? psiBand : 'insufficient_data', missing: rowsOk ? missBand : 'insufficient_data' },
      });
    }
  };

  for (const f of features) {
    const pr = prof.ref.get(f);
    const pc = prof.cur.get(f);
    if (isNumeric(f)) {
      const i = numericNames.indexOf(f);
      const a = numAgg.get(i) ?? { edges: null, binsRef: [], binsCur: [], ecdf: null };
      const nRef = pr?.fin ?? 0;
      const nCur = pc?.fin ?? 0;
      const rep = numericFeature(
        {
          name: f,
          ref: { rows: events.ref, missing: Math.max(0, events.ref - nRef) },
          cur: { rows: events.cur, missing: Math.max(0, events.cur - nCur) },
          edges: a.edges,
          binsRef: a.binsRef,
          binsCur: a.binsCur,
          ecdf: nRef > 0 && nCur > 0 ? a.ecdf : null,
        },
        sev,
      );
      featureRows(f, '', rep, true);
    } else {
      const m = cats.get(f) ?? { ref: new Map<string, number>(), cur: new Map<string, number>() };
      const categories = sortCategories([...m.ref.keys(), ...m.cur.keys()]);
      const nRef = (pr?.fin ?? 0) + (pr?.other ?? 0);
      const nCur = (pc?.fin ?? 0) + (pc?.other ?? 0);
      const rep = categoricalFeature(
        {
          name: f,
          ref: { rows: events.ref, missing: Math.max(0, events.ref - nRef) },
          cur: { rows: events.cur, missing: Math.max(0, events.cur - nCur) },
          categories,
          countsRef: categories.map((k) => m.ref.get(k) ?? 0),
          countsCur: categories.map((k) => m.cur.get(k) ?? 0),
        },
        sev,
      );
      featureRows(f, '', rep, true);
    }
  }

  if (doConfidence) {
    const col = cols.find((x) => x.id === CONF_ID) as NumericColumn;
    const a = numAgg.get(CONF_ID) ?? { edges: null, binsRef: [], binsCur: [], ecdf: null };
    const rep = numericFeature({ name: '', ref: { rows: col.nRef, missing: 0 }, cur: { rows: col.nCur, missing: 0 }, edges: a.edges, binsRef: a.binsRef, binsCur: a.binsCur, ecdf: col.nRef > 0 && col.nCur > 0 ? a.ecdf : null }, sev);
    featureRows('', 'confidence_', rep, false);
    const ok = enough(col.nRef, col.nCur);
    const n = { n_ref: col.nRef, n_cur: col.nCur };
    const meanRef = col.nRef > 0 ? num(pRef?.conf_sum ?? 0) / col.nRef : null;
    const meanCur = col.nCur > 0 ? num(pCur?.conf_sum ?? 0) / col.nCur : null;
    const drop = meanRef !== null && meanCur !== null ? meanRef - meanCur : null;
    const dropBand: Severity = drop === null ? 'none' : drop >= t.confidence_drop_alert ? 'alert' : drop >= t.confidence_drop_warn ? 'warn' : 'none';
    push('', 'confidence_mean_drop', drop, ok ? SEVERITY_STATUS[dropBand] : 'insufficient_data', { ...n, threshold: t.confidence_drop_alert, detailsObj: { mean_ref: meanRef, mean_cur: meanCur } });
    const shareRef = col.nRef > 0 ? num(pRef?.conf_below ?? 0) / col.nRef : null;
    const shareCur = col.nCur > 0 ? num(pCur?.conf_below ?? 0) / col.nCur : null;
    const rise = shareRef !== null && shareCur !== null ? shareCur - shareRef : null;
    const riseBand: Severity = rise === null ? 'none' : rise >= t.below_floor_alert ? 'alert' : rise >= t.below_floor_warn ? 'warn' : 'none';
    push('', 'confidence_below_floor_share', shareCur, ok ? SEVERITY_STATUS[riseBand] : 'insufficient_data', {
      ...n,
      threshold: t.below_floor_alert,
      detailsObj: { floor: t.confidence_floor, ref: shareRef, increase: rise },
    });
  }
  if (doPrediction) {
    if (regressor) {
      const col = cols.find((x) => x.id === PRED_ID) as NumericColumn;
      const a = numAgg.get(PRED_ID) ?? { edges: null, binsRef: [], binsCur: [], ecdf: null };
      const rep = numericFeature({ name: '', ref: { rows: col.nRef, missing: 0 }, cur: { rows: col.nCur, missing: 0 }, edges: a.edges, binsRef: a.binsRef, binsCur: a.binsCur, ecdf: a.ecdf }, sev);
      featureRows('', 'prediction_', rep, false);
    } else {
      const m = cats.get('\u0000prediction') ?? { ref: new Map<string, number>(), cur: new Map<string, number>() };
      const categories = sortCategories([...m.ref.keys(), ...m.cur.keys()]);
      const countsRef = categories.map((k) => m.ref.get(k) ?? 0);
      const countsCur = categories.map((k) => m.cur.get(k) ?? 0);
      const sum = (xs: number[]) => xs.reduce((x, y) => x + y, 0);
      const rep = categoricalFeature({ name: '', ref: { rows: sum(countsRef), missing: 0 }, cur: { rows: sum(countsCur), missing: 0 }, categories, countsRef, countsCur }, sev);
      featureRows('', 'prediction_', rep, false);
    }
  }
  return out;
}

/** The DETAIL_CATEGORIES most frequent categories (both sides) and the summed rest. */
function topCategories(categories: readonly string[], ref: readonly number[], cur: readonly number[]): Record<string, unknown> {
  if (categories.length <= DETAIL_CATEGORIES) return { categories, counts: { ref, cur } };
  const idx = categories.map((_, i) => i).sort((a, b) => (ref[b] ?? 0) + (cur[b] ?? 0) - ((ref[a] ?? 0) + (cur[a] ?? 0)));
  const keep = idx.slice(0, DETAIL_CATEGORIES).sort((a, b) => a - b);
  const rest = idx.slice(DETAIL_CATEGORIES);
  const sum = (xs: readonly number[], is: number[]) => is.reduce((s, i) => s + (xs[i] ?? 0), 0);
  return {
    categories: keep.map((i) => categories[i]),
    counts: { ref: keep.map((i) => ref[i] ?? 0), cur: keep.map((i) => cur[i] ?? 0) },
    other: { categories: rest.length, ref: sum(ref, rest), cur: sum(cur, rest) },
  };
}
