// The engine side of the gate: every statistic is aggregated inside
// ClickHouse over [rollout start, end) and comes back as counts, sums,
// means, variances and a few quantiles per side. Side 'ref' is the baseline
// version (a), 'cur' the candidate (b), as in every version comparison.
// Model, version and feature names travel as bound parameters only.
import type { Store } from '../../src/core/store/store.ts';
import { DEFAULT_MONITOR_THRESHOLDS, type MonitorContext } from '../operational/context.ts';
import { bothSides, sideFilter, type Side } from '../operational/sides.ts';
import { DEFAULT_LABEL_HORIZON_MS, type QualityContext } from '../quality/context.ts';
import { CLASS_LABEL_OK, labelledSource, NUMERIC_LABEL_OK } from '../quality/sql.ts';
import { compareCodePoints } from '../stats/categories.ts';
import { MAX_BINS, type Distribution, type FeatureDistribution, type GateAggregates, type QualityAggregates, type ShadowAggregates, type SideSummary } from './aggregates.ts';
import type { CheckName } from './config.ts';
import { P95, p95Bandwidth, type MeanSide } from './estimates.ts';

export interface GateScope {
  model: string;
  baseline: string;
  candidate: string;
  start: Date;
  end: Date;
  criticalFeatures: readonly string[];
  /** The policy's checks; the queries of the others are not run. Default: all. */
  checks?: readonly CheckName[];
  labelHorizonMs?: number;
  signal?: AbortSignal;
}

const DECILES = '0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9';
/** A prediction's class, canonical as in quality and shadow (1, "1" and 1.0 are one class). */
const CLASS = "if(prediction_num IS NOT NULL AND isFinite(prediction_num), toString(prediction_num), prediction)";
const num = (x: unknown): number => {
  const v = Number(x);
  return Number.isFinite(v) ? v : 0;
};

function context(s: GateScope): QualityContext {
  return {
    runId: `gate-${s.model}-${s.candidate}`,
    runAt: s.end,
    window: { start: s.start, end: s.end },
    baseline: { kind: 'version', version: s.baseline },
    model: s.model,
    version: s.candidate,
    thresholds: { ...DEFAULT_MONITOR_THRESHOLDS },
    minCount: 1,
    labelHorizonMs: s.labelHorizonMs ?? DEFAULT_LABEL_HORIZON_MS,
    signal: s.signal,
  };
}

/** When the candidate's first prediction in [from, end) was made, or null when it made none. */
export async function rolloutStart(store: Store, q: { model: string; candidate: string; from: Date; end: Date; signal?: AbortSignal }): Promise<Date | null> {
  const rows = await store.query<{ n: string; first: string }>(
    `SELECT count() AS n, toString(toUnixTimestamp64Milli(min(ts))) AS first FROM predictions
     WHERE model = {model:String} AND model_version = {candidate:String}
       AND ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC')`,
    { params: { model: q.model, candidate: q.candidate, from: q.from.getTime(), end: q.end.getTime() }, signal: q.signal },
  );
  const r = rows[0];
  return r && Number(r.n) > 0 ? new Date(Number(r.first)) : null;
}

interface SummaryRow {
  side: Side;
  n: string;
  errors: string;
  n_latency: string;
  n_conf: string;
  conf_mean: number | null;
  conf_var: number | null;
  class_hints: string;
}

async function summaries(store: Store, ctx: MonitorContext): Promise<{ a: SideSummary; b: SideSummary; classifier: boolean }> {
  const q = bothSides(
    ctx,
    (where, side) =>
      `SELECT '${side}' AS side, count() AS n, countIf(error != '') AS errors, count(latency_ms) AS n_latency,
              count(confidence) AS n_conf, avgOrNull(confidence) AS conf_mean, varSampStable(confidence) AS conf_var,
              countIf(length(probabilities) > 0 OR confidence IS NOT NULL OR prediction_num IS NULL OR NOT isFinite(prediction_num)) AS class_hints
       FROM predictions WHERE ${where}`,
  );
  const rows = await store.query<SummaryRow>(q.sql, { params: q.params, signal: ctx.signal });
  const by = (s: Side) => rows.find((r) => r.side === s);
  const side = (s: Side): SideSummary & { nLatency: number } => {
    const r = by(s);
    const conf: MeanSide = { n: num(r?.n_conf), mean: num(r?.conf_mean), variance: num(r?.conf_var) };
    return { n: num(r?.n), errors: num(r?.errors), latency: null, confidence: conf, nLatency: num(r?.n_latency) };
  };
  const a = side('ref');
  const b = side('cur');
  if (a.nLatency > 0 && b.nLatency > 0) {
    const levels = (n: number) => {
      const h = p95Bandwidth(n);
      return { h, sql: [P95 - h, P95, P95 + h].map((x) => x.toFixed(6)).join(', ') };
    };
    const la = levels(a.nLatency);
    const lb = levels(b.nLatency);
    const lq = bothSides(ctx, (where, s) => `SELECT '${s}' AS side, quantilesExactInclusive(${s === 'ref' ? la.sql : lb.sql})(latency_ms) AS q FROM predictions WHERE ${where} AND latency_ms IS NOT NULL`);
    const qs = await store.query<{ side: Side; q: number[] }>(lq.sql, { params: lq.params, signal: ctx.signal });
    const quant = (s: Side, n: number, h: number) => {
      const q = qs.find((r) => r.side === s)?.q.map(Number) ?? [];
      return q.length === 3 ? { n, h, lower: q[0] as number, q: q[1] as number, upper: q[2] as number } : null;
    };
    a.latency = quant('ref', a.nLatency, la.h);
    b.latency = quant('cur', b.nLatency, lb.h);
  }
  const classifier = num(by('cur')?.class_hints) + num(by('ref')?.class_hints) > 0;
  return { a: strip(a), b: strip(b), classifier };
}

const strip = ({ nLatency: _n, ...s }: SideSummary & { nLatency: number }): SideSummary => s;

/** Keep the commonest bins of the baseline (ties by name) and fold the rest into "other". */
function topBins(counts: Array<{ side: Side; bin: string; n: number }>, keep: number): Distribution {
  const ref = new Map<string, number>();
  const cur = new Map<string, number>();
  for (const c of counts) {
    const m = c.side === 'ref' ? ref : cur;
    m.set(c.bin, (m.get(c.bin) ?? 0) + c.n);
  }
  const names = [...new Set([...ref.keys(), ...cur.keys()])].sort((x, y) => (ref.get(y) ?? 0) - (ref.get(x) ?? 0) || (cur.get(y) ?? 0) - (cur.get(x) ?? 0) || compareCodePoints(x, y));
  const kept = names.slice(0, keep);
  const rest = names.slice(keep);
  const d: Distribution = { bins: [...kept], a: kept.map((k) => ref.get(k) ?? 0), b: kept.map((k) => cur.get(k) ?? 0) };
  if (rest.length > 0) {
    d.bins.push('other');
    d.a.push(rest.reduce((s, k) => s + (ref.get(k) ?? 0), 0));
    d.b.push(rest.reduce((s, k) => s + (cur.get(k) ?? 0), 0));
  }
  return d;
}

const binLabel = (edges: readonly number[], i: number): string => (i === 0 ? `<= ${edges[0]}` : i === edges.length ? `> ${edges[i - 1]}` : `(${edges[i - 1]}, ${edges[i]}]`);

/** Class shares for classifiers; baseline-decile bins of prediction_num for regressors. */
async function predictionDistribution(store: Store, ctx: MonitorContext, classifier: boolean): Promise<Distribution> {
  if (classifier) {
    const q = bothSides(ctx, (where, s) => `SELECT '${s}' AS side, ${CLASS} AS bin, count() AS n FROM predictions WHERE ${where} GROUP BY bin ORDER BY n DESC LIMIT 1000`);
    const rows = await store.query<{ side: Side; bin: string; n: string }>(q.sql, { params: q.params, signal: ctx.signal });
    return topBins(rows.map((r) => ({ ...r, n: num(r.n) })), MAX_BINS - 1);
  }
  const ref = sideFilter(ctx, 'ref');
  const edgesSql = `(SELECT arrayDistinct(quantilesExactInclusive(${DECILES})(assumeNotNull(prediction_num))) FROM predictions WHERE ${ref.sql} AND prediction_num IS NOT NULL AND isFinite(prediction_num))`;
  const q = bothSides(ctx, (where, s) => `SELECT '${s}' AS side, toString(arrayCount(e -> e < assumeNotNull(prediction_num), ${edgesSql})) AS bin, count() AS n, any(${edgesSql}) AS edges FROM predictions WHERE ${where} AND prediction_num IS NOT NULL AND isFinite(prediction_num) GROUP BY bin`);
  const rows = await store.query<{ side: Side; bin: string; n: string; edges: number[] }>(q.sql, { params: { ...q.params, ...ref.params }, signal: ctx.signal });
  return numericBins(rows, null);
}

/** Count rows (bin = number of edges below the value) into labelled bins, plus a missing bin when given totals. */
function numericBins(rows: Array<{ side: Side; bin: string; n: string; edges: number[] }>, missing: { a: number; b: number } | null): Distribution {
  const edges = (rows.find((r) => r.side === 'ref')?.edges ?? rows[0]?.edges ?? []).map(Number);
  const width = edges.length + 1;
  const count = (s: Side) => Array.from({ length: width }, (_, i) => rows.filter((r) => r.side === s && Number(r.bin) === i).reduce((t, r) => t + num(r.n), 0));
  const d: Distribution = { bins: Array.from({ length: width }, (_, i) => binLabel(edges, i)), a: count('ref'), b: count('cur') };
  if (missing) {
    d.bins.push('missing');
    d.a.push(missing.a);
    d.b.push(missing.b);
  }
  return d;
}

/** Per critical feature: decile bins (numbers) or the commonest categories, and the share of predictions without a value. */
async function featureDistributions(store: Store, ctx: MonitorContext, names: readonly string[], totals: { a: number; b: number }): Promise<FeatureDistribution[]> {
  if (names.length === 0) return [];
  const kinds = bothSides(ctx, (where, s) => `SELECT '${s}' AS side, feature, countIf(kind = 'number') AS numbers, countIf(kind IN ('string', 'bool')) AS others, countIf(kind != 'missing') AS present FROM feature_values WHERE ${where} AND feature IN {names:Array(String)} GROUP BY feature`);
  const krows = await store.query<{ side: Side; feature: string; numbers: string; others: string; present: string }>(kinds.sql, { params: { ...kinds.params, names }, signal: ctx.signal });
  const present = (s: Side, f: string) => num(krows.find((r) => r.side === s && r.feature === f)?.present);
  const seen = (f: string) => krows.filter((r) => r.feature === f);
  const numeric = names.filter((f) => seen(f).length > 0 && seen(f).every((r) => num(r.others) === 0) && seen(f).some((r) => num(r.numbers) > 0));
  const categorical = names.filter((f) => seen(f).length > 0 && !numeric.includes(f) && seen(f).some((r) => num(r.present) > 0));
  const missing = (f: string) => ({ a: Math.max(0, totals.a - present('ref', f)), b: Math.max(0, totals.b - present('cur', f)) });
  const out = new Map<string, FeatureDistribution>();
  if (numeric.length > 0) {
    const ref = sideFilter(ctx, 'ref');
    const edges = `(SELECT feature AS ef, arrayDistinct(quantilesExactInclusive(${DECILES})(value_num)) AS edges FROM feature_values WHERE ${ref.sql} AND kind = 'number' AND feature IN {nums:Array(String)} GROUP BY feature)`;
    const q = bothSides(
      ctx,
      (where, s) => `SELECT '${s}' AS side, v.feature AS feature, toString(arrayCount(x -> x < v.value_num, e.edges)) AS bin, count() AS n, any(e.edges) AS edges
                     FROM feature_values AS v INNER JOIN ${edges} AS e ON e.ef = v.feature
                     WHERE ${where} AND v.kind = 'number' AND v.feature IN {nums:Array(String)} GROUP BY feature, bin`,
      'v',
    );
    const rows = await store.query<{ side: Side; feature: string; bin: string; n: string; edges: number[] }>(q.sql, { params: { ...q.params, ...ref.params, nums: numeric }, signal: ctx.signal });
    for (const f of numeric) {
      const mine = rows.filter((r) => r.feature === f);
      const m = missing(f);
      // A feature the baseline never had as a number has no deciles: its values are one bin.
      if (present('ref', f) === 0) out.set(f, { name: f, kind: 'numeric', bins: ['value', 'missing'], a: [0, m.a], b: [present('cur', f), m.b] });
      else out.set(f, { name: f, kind: 'numeric', ...numericBins(mine, m) });
    }
  }
  if (categorical.length > 0) {
    const q = bothSides(
      ctx,
      (where, s) => `SELECT '${s}' AS side, feature, multiIf(kind = 'number', toString(value_num), value_str) AS bin, count() AS n
                     FROM feature_values WHERE ${where} AND kind != 'missing' AND feature IN {cats:Array(String)} GROUP BY feature, bin ORDER BY n DESC LIMIT 1000 BY feature`,
    );
    const rows = await store.query<{ side: Side; feature: string; bin: string; n: string }>(q.sql, { params: { ...q.params, cats: categorical }, signal: ctx.signal });
    for (const f of categorical) {
      const d = topBins(rows.filter((r) => r.feature === f).map((r) => ({ side: r.side, bin: r.bin, n: num(r.n) })), MAX_BINS - 2);
      const m = missing(f);
      out.set(f, { name: f, kind: 'categorical', bins: [...d.bins, 'missing'], a: [...d.a, m.a], b: [...d.b, m.b] });
    }
  }
  return names.map((f) => out.get(f) ?? { name: f, kind: 'absent', bins: ['missing'], a: [totals.a], b: [totals.b] });
}

/** Labelled predictions per side: correct counts (classifiers) or mean and variance of |error| (regressors). */
async function qualityAggregates(store: Store, ctx: QualityContext, classifier: boolean): Promise<QualityAggregates | null> {
  const src = labelledSource(ctx, 'INNER');
  if (classifier) {
    const rows = await store.query<{ side: Side; n: string; correct: string }>(
      `SELECT side, count() AS n, countIf(y = yhat) AS correct FROM (${src.sql}) WHERE has_label = 1 AND in_horizon AND ${CLASS_LABEL_OK} GROUP BY side`,
      { params: src.params, signal: ctx.signal },
    );
    const side = (s: Side) => ({ n: num(rows.find((r) => r.side === s)?.n), x: num(rows.find((r) => r.side === s)?.correct) });
    const a = side('ref');
    const b = side('cur');
    return a.n + b.n === 0 ? null : { task: 'classification', a, b };
  }
  const rows = await store.query<{ side: Side; n: string; mae: number | null; v: number | null }>(
    `SELECT side, count() AS n, avg(abs(y_num - yhat_num)) AS mae, varSampStable(abs(y_num - yhat_num)) AS v
     FROM (${src.sql}) WHERE has_label = 1 AND in_horizon AND ${NUMERIC_LABEL_OK} AND yhat_num IS NOT NULL AND isFinite(yhat_num) GROUP BY side`,
    { params: src.params, signal: ctx.signal },
  );
  const side = (s: Side): MeanSide => {
    const r = rows.find((x) => x.side === s);
    return { n: num(r?.n), mean: num(r?.mae), variance: num(r?.v) };
  };
  const a = side('ref');
  const b = side('cur');
  return a.n + b.n === 0 ? null : { task: 'regression', a, b };
}

/** Events both versions predicted, and on how many their classes differ. */
async function shadowAggregates(store: Store, s: GateScope, classifier: boolean): Promise<ShadowAggregates | null> {
  const per = (v: string) => `SELECT event_id, any(${CLASS}) AS cls FROM predictions
     WHERE model = {model:String} AND model_version = {${v}:String}
       AND ts >= fromUnixTimestamp64Milli({start:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({end:Int64}, 'UTC') GROUP BY event_id`;
  const rows = await store.query<{ shared: string; disagree: string }>(
    `SELECT count() AS shared, countIf(a.cls != b.cls) AS disagree FROM (${per('a')}) AS a INNER JOIN (${per('b')}) AS b ON a.event_id = b.event_id`,
    { params: { model: s.model, a: s.baseline, b: s.candidate, start: s.start.getTime(), end: s.end.getTime() }, signal: s.signal },
  );
  const shared = num(rows[0]?.shared);
  return shared === 0 ? null : { task: classifier ? 'classification' : 'regression', shared, disagree: num(rows[0]?.disagree) };
}

/** Everything the checks need for one look, aggregated by the engine. */
export async function loadAggregates(store: Store, s: GateScope): Promise<GateAggregates> {
  const ctx = context(s);
  const on = (c: CheckName) => s.checks === undefined || s.checks.includes(c);
  const { a, b, classifier } = await summaries(store, ctx);
  const prediction = b.n > 0 && on('prediction_shift') ? await predictionDistribution(store, ctx, classifier) : null;
  const features = on('feature_drift') ? await featureDistributions(store, ctx, s.criticalFeatures, { a: a.n, b: b.n }) : [];
  const quality = on('quality') ? await qualityAggregates(store, ctx, classifier) : null;
  const shadow = on('shadow_agreement') ? await shadowAggregates(store, s, classifier) : null;
  return { a, b, prediction, features, quality, shadow };
}
