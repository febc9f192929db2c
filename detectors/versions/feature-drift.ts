// Per-feature drift of one version against another (or any two sides of one
// model and version) from feature_values, with docs/statistics.md's definitions:
// the engine returns the aggregates (reference order statistics for the
// decile edges, bin counts, category counts, the ECDF walk) and
// report/feature.ts turns them into PSI, JS, Wasserstein, KS and chi-square.
//
// Rows per feature: psi (status by the PSI bands, demoted to ok when the
// feature's test, KS for numeric and chi-square for categorical, is not
// significant after Benjamini-Hochberg across the features at alpha), and
// for reading: js, wasserstein and ks (numeric) or chi2 (categorical), each
// with the raw p-value and the adjusted one in details. A feature is numeric
// when every non-missing value on both sides is a number.
import type { Store } from '../../src/core/store/store.ts';
import { benjaminiHochberg } from '../stats/bh.ts';
import { binEdgesFromOrderStats, edgeRanks } from '../stats/bins.ts';
import { compareCodePoints, sortCategories } from '../stats/categories.ts';
import { psiSeverity, type SeverityThresholds } from '../stats/severity.ts';
import { categoricalFeature, numericFeature } from '../report/feature.ts';
import type { FeatureReport } from '../report/types.ts';
import type { ScoreRow, ScoreStatus } from '../../src/core/score.ts';
import type { MonitorContext } from '../operational/context.ts';
import { loadFeatureStats, type VersionFeatureStats } from '../operational/feature-stats.ts';
import { scoreRow } from '../operational/score-row.ts';
import { bothSides, sideFilter, type Side } from '../operational/sides.ts';
import { asBits, floatBits, floatFromBits } from '../compare/sql.ts';
import { ecdfBySql } from './ecdf-sql.ts';

export const DRIFT_DETECTOR = 'drift';

/** One model and one version (ctx.model and ctx.version set); `stats` when already loaded. */
export async function featureDrift(store: Store, ctx: MonitorContext, loaded?: readonly VersionFeatureStats[]): Promise<ScoreRow[]> {
  if (ctx.model === undefined || ctx.version === undefined) throw new RangeError('featureDrift compares one model version: set ctx.model and ctx.version');
  const stats = (loaded ?? (await loadFeatureStats(store, ctx))).find((s) => s.model === ctx.model && s.version === ctx.version);
  if (!stats || stats.events.cur === 0 || stats.events.ref === 0) return [];
  const features = sortCategories([...stats.features.cur.keys(), ...stats.features.ref.keys()]);
  const kinds = (f: string) => [...(stats.features.ref.get(f)?.kinds ?? []), ...(stats.features.cur.get(f)?.kinds ?? [])];
  const numeric = features.filter((f) => kinds(f).every((k) => k === 'number'));
  const categorical = features.filter((f) => !numeric.includes(f));
  const side = (s: Side, f: string) => {
    const rows = stats.events[s];
    return { rows, missing: Math.max(0, rows - (stats.features[s].get(f)?.present ?? 0)) };
  };
  const t = ctx.thresholds;
  const bands: SeverityThresholds = { psiWarn: t.psiWarn, psiAlert: t.psiAlert, missingWarn: t.missingWarn, missingAlert: t.missingAlert };

  const reports: FeatureReport[] = [];
  if (numeric.length > 0) {
    const edges = await numericEdges(store, ctx, numeric, (f) => stats.features.ref.get(f)?.present ?? 0);
    const bins = await binCounts(store, ctx, numeric, edges);
    const source = bothSides(ctx, (where, s) => `SELECT feature AS key, '${s}' AS side, value_num AS v FROM feature_values WHERE ${where} AND kind = 'number' AND feature IN {names:Array(String)}`);
    const ecdf = await ecdfBySql(store, { sql: source.sql, params: { ...source.params, names: numeric }, signal: ctx.signal });
    for (const f of numeric) {
      const e = edges.get(f) ?? null;
      const width = (e?.length ?? 0) + 1;
      const count = (s: Side) => Array.from({ length: width }, (_, i) => bins.get(`${s}\u0000${f}\u0000${i}`) ?? 0);
      const w = ecdf.get(f);
      reports.push(
        numericFeature(
          { name: f, ref: side('ref', f), cur: side('cur', f), edges: e, binsRef: count('ref'), binsCur: count('cur'), ecdf: w ? { dNumerator: w.dNumerator, wasserstein: w.wasserstein, method: 'exact' } : null },
          bands,
        ),
      );
    }
  }
  if (categorical.length > 0) {
    const q = bothSides(
      ctx,
      (where, s) =>
        `SELECT '${s}' AS side, feature, multiIf(kind = 'number', toString(value_num), value_str) AS cat, count() AS n
         FROM feature_values WHERE ${where} AND kind != 'missing' AND feature IN {names:Array(String)} GROUP BY feature, cat`,
    );
    const rows = await store.query<{ side: Side; feature: string; cat: string; n: number }>(q.sql, { params: { ...q.params, names: categorical }, signal: ctx.signal });
    for (const f of categorical) {
      const mine = rows.filter((r) => r.feature === f);
      const categories = sortCategories(mine.map((r) => r.cat));
      const count = (s: Side) => categories.map((c) => Number(mine.find((r) => r.side === s && r.cat === c)?.n ?? 0));
      reports.push(categoricalFeature({ name: f, ref: side('ref', f), cur: side('cur', f), categories, countsRef: count('ref'), countsCur: count('cur') }, bands));
    }
  }
  reports.sort((a, b) => compareCodePoints(a.name, b.name));
  return driftRows(ctx, reports);
}

function driftRows(ctx: MonitorContext & { model?: string; version?: string }, reports: readonly FeatureReport[]): ScoreRow[] {
  const t = ctx.thresholds;
  const raw = reports.map((r) => (r.type === 'numeric' ? (r.ks?.p_value ?? null) : (r.chi2?.p_value ?? null)));
  const { adjusted } = benjaminiHochberg(raw, t.alpha);
  const out: ScoreRow[] = [];
  reports.forEach((r, i) => {
    const p = raw[i] ?? null;
    const pAdj = adjusted[i] ?? null;
    const common = { model: ctx.model as string, version: ctx.version as string, feature: r.name, n_ref: r.n_ref, n_cur: r.n_cur };
    const band = psiSeverity(r.psi, { psiWarn: t.psiWarn, psiAlert: t.psiAlert, missingWarn: t.missingWarn, missingAlert: t.missingAlert });
    let status: ScoreStatus;
    if (r.psi === null) status = r.n_cur === 0 ? 'no_data' : 'insufficient_data';
    else if (r.n_ref < ctx.minCount || r.n_cur < ctx.minCount) status = 'insufficient_data';
    else status = band === 'none' || (pAdj !== null && pAdj >= t.alpha) ? 'ok' : band;
    const evidence = r.type === 'numeric' ? { bin_edges: r.bin_edges, counts: r.counts } : { categories: r.categories, new_categories: r.new_categories, counts: r.counts };
    out.push(scoreRow(ctx, DRIFT_DETECTOR, { ...common, metric: 'psi', value: r.psi, p_value: p, threshold: t.psiAlert, status, details: { ref: 0, type: r.type, p_adjusted: pAdj, ...evidence } }));
    const info = (metric: string, value: number | null, extra: Record<string, unknown> = {}, pValue: number | null = null) =>
      out.push(scoreRow(ctx, DRIFT_DETECTOR, { ...common, metric, value, p_value: pValue, status: value === null ? 'insufficient_data' : 'ok', details: { ref: 0, ...extra } }));
    info('js', r.js);
    if (r.type === 'numeric') {
      info('wasserstein', r.wasserstein);
      info('ks', r.ks?.d ?? null, { method: r.ks?.method ?? null, p_adjusted: pAdj }, p);
    } else {
      info('chi2', r.chi2?.statistic ?? null, { dof: r.chi2?.dof ?? null, p_adjusted: pAdj }, p);
    }
  });
  return out;
}

/** Decile edges of the baseline per numeric feature, from the order statistics numpy's quantile reads. */
async function numericEdges(store: Store, ctx: MonitorContext, names: readonly string[], nRef: (f: string) => number): Promise<Map<string, number[] | null>> {
  const ranks = names.map((f) => (nRef(f) > 0 ? edgeRanks(nRef(f)) : []));
  const f = sideFilter(ctx, 'ref');
  const rows = await store.query<{ feature: string; vals: string[] }>(
    `SELECT feature, ${asBits('arrayMap(r -> s[r + 1], {ranks:Array(Array(UInt64))}[indexOf({names:Array(String)}, feature)])')} AS vals
     FROM (SELECT feature, arraySort(groupArray(value_num)) AS s FROM feature_values WHERE ${f.sql} AND kind = 'number' AND feature IN {names:Array(String)} GROUP BY feature)`,
    { params: { ...f.params, names, ranks }, signal: ctx.signal },
  );
  const out = new Map<string, number[] | null>(names.map((n) => [n, null]));
  for (const r of rows) {
    const i = names.indexOf(r.feature);
    const rk = ranks[i] ?? [];
    const n = nRef(r.feature);
    if (n === 0) continue;
    const byRank = new Map(rk.map((rank, j) => [rank, floatFromBits(r.vals[j] as string)]));
    out.set(r.feature, binEdgesFromOrderStats(n, (rank) => byRank.get(rank) as number));
  }
  return out;
}

/** Counts per (side, feature, bin): bin = how many edges lie strictly below the value (edges travel as IEEE bits). */
async function binCounts(store: Store, ctx: MonitorContext, names: readonly string[], edges: Map<string, number[] | null>): Promise<Map<string, number>> {
  const withEdges = names.filter((n) => edges.get(n));
  if (withEdges.length === 0) return new Map();
  const q = bothSides(
    ctx,
    (where, s) =>
      `SELECT '${s}' AS side, feature,
              arrayCount(e -> reinterpretAsFloat64(toUInt64(e)) < value_num, {edges:Array(Array(String))}[indexOf({names:Array(String)}, feature)]) AS bin, count() AS n
       FROM feature_values WHERE ${where} AND kind = 'number' AND feature IN {names:Array(String)} GROUP BY feature, bin`,
  );
  const rows = await store.query<{ side: Side; feature: string; bin: number; n: number }>(q.sql, { params: { ...q.params, names: withEdges, edges: withEdges.map((n) => (edges.get(n) as number[]).map(floatBits)) }, signal: ctx.signal });
  return new Map(rows.map((r) => [`${r.side}\u0000${r.feature}\u0000${Number(r.bin)}`, Number(r.n)]));
}
