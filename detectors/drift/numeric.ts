// The numeric half of the drift detector, pushed down: every numeric column
// (a feature, confidence, prediction_num) is a pair of branch queries, one
// per side, that select its finite values as `v`. Each statement below is a
// UNION ALL of per-column branches, so every branch carries its own constant
// edges or grid and reads one contiguous range of feature_values (ordered by
// model, version, feature, ts). The engine returns aggregates only:
//  1. the reference's order statistics numpy's deciles read (quantilesExact);
//  2. per side the bin counts (bin = number of edges below v) and, for large
//     columns, the grid cells (stats/ecdf-cells.ts);
//  3. small columns (n_ref + n_cur <= exactLimit): the exact ECDF walk over
//     the merged distinct values (window functions) for KS's D and Wasserstein;
//  4. large columns: the distinct values inside the cells that can still move
//     D (then Wasserstein), within a row budget; a second round refines every
//     cell still able to move D by more than D_ERROR_MAX, so the bound holds.
import type { QueryParams, Store } from '../../src/store/store.ts';
import { binEdgesFromOrderStats, edgeRanks } from '../stats/bins.ts';
import { chooseRefinement, ecdfFromCells, scanCells, type CellInput, type CellSide, type RefinedCell } from '../stats/ecdf-cells.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { asBits, floatArrayFromParam, floatBits, floatFromBits, floatLiteral, num } from '../compare/sql.ts';
import { ecdfBySql } from '../versions/ecdf-sql.ts';

export type Side = 'ref' | 'cur';
export const SIDES: readonly Side[] = ['ref', 'cur'];

/** Largest error on KS's D the approximation may leave (the contract's 0.005). */
export const D_ERROR_MAX = 0.005;
/** Rows of cell interiors read back in the first refinement round, over all large columns. */
export const DEFAULT_REFINE_BUDGET = 400_000;
/** Engine settings of every drift query: correctly rounded float parsing. */
export const DRIFT_SETTINGS = { precise_float_parsing: 1 } as const;

export interface NumericColumn {
  /** Index used in generated SQL (col) and parameter names. */
  id: number;
  /** SQL selecting the column's finite values as `v` (Float64) on a side. */
  branch(side: Side): string;
  nRef: number;
  nCur: number;
  /** Sorted distinct points covering both sides' minima and maxima (large columns only). */
  grid: number[];
}

export interface NumericAggregates {
  edges: number[] | null;
  binsRef: number[];
  binsCur: number[];
  ecdf: EcdfAggregate | null;
}

export interface NumericOptions {
  exactLimit: number;
  refineBudget?: number;
  params: QueryParams;
  signal?: AbortSignal;
}

const run = <T>(store: Store, sql: string, o: NumericOptions, extra: QueryParams = {}): Promise<T[]> =>
  store.query<T>(sql, { params: { ...o.params, ...extra }, settings: DRIFT_SETTINGS, ...(o.signal ? { signal: o.signal } : {}) });

/** Decile edges of the reference per column (null when the reference has no value). */
async function referenceEdges(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, number[]>> {
  const withRef = cols.filter((c) => c.nRef > 0);
  const out = new Map<number, number[]>();
  if (withRef.length === 0) return out;
  const plans = new Map(withRef.map((c) => [c.id, edgeRanks(c.nRef)]));
  // quantileExact reads the element at floor(level * n): (rank + 0.5) / n lands on rank.
  const sql = withRef
    .map((c) => {
      const levels = (plans.get(c.id) as number[]).map((r) => String((r + 0.5) / c.nRef)).join(', ');
      return `SELECT toUInt32(${c.id}) AS col, toFloat64(count()) AS n, ${asBits(`quantilesExact(${levels})(v)`)} AS q FROM (${c.branch('ref')})`;
    })
    .join('\nUNION ALL\n');
  const rows = await run<{ col: number; n: number; q: string[] }>(store, sql, o);
  for (const r of rows) {
    const c = withRef.find((x) => x.id === num(r.col)) as NumericColumn;
    // (Late rows landing between the profile and this query could shift n by a few; the ranks stay those of the profile.)
    const ranks = plans.get(c.id) as number[];
    const at = new Map(ranks.map((rank, i) => [rank, floatFromBits(r.q[i] as string)]));
    out.set(c.id, binEdgesFromOrderStats(c.nRef, (rank) => at.get(rank) as number));
  }
  return out;
}

interface Histograms {
  bins: Map<string, number[]>;
  cells: Map<string, CellSide>;
}

const hk = (id: number, side: Side): string => `${id}:${side}`;

/** Bin counts (columns with edges) and grid cells (large columns), both sides, one pass. */
async function histograms(store: Store, cols: readonly NumericColumn[], edges: ReadonlyMap<number, number[]>, large: ReadonlySet<number>, o: NumericOptions): Promise<Histograms> {
  const params: QueryParams = {};
  const branches: string[] = [];
  for (const c of cols) {
    const e = edges.get(c.id);
    const isLarge = large.has(c.id);
    if (!e && !isLarge) continue;
    const K = c.grid.length;
    if (isLarge) params[`g${c.id}`] = c.grid.map(floatBits);
    for (const side of SIDES) {
      if ((side === 'ref' ? c.nRef : c.nCur) === 0) continue;
      const bin = e && e.length > 0 ? e.map((x) => `(v > ${floatLiteral(x)})`).join(' + ') : '0';
      const binAgg = e ? `countResample(0, ${e.length + 1}, 1)(toUInt32(${bin}))` : 'CAST([], \'Array(UInt64)\')';
      const inner = isLarge
        ? `SELECT v, roundDown(v, G) AS cell, 2 * transform(cell, G, range(${K}), 0) + (v > cell) AS slot FROM (${c.branch(side)})`
        : `SELECT v FROM (${c.branch(side)})`;
      const cellAggs = isLarge
        ? `countResample(0, ${2 * K}, 1)(slot) AS cc, sumResample(0, ${2 * K}, 1)(v - cell, slot) AS cs`
        : `CAST([], 'Array(UInt64)') AS cc, CAST([], 'Array(Float64)') AS cs`;
      const withG = isLarge ? `WITH ${floatArrayFromParam(`g${c.id}`)} AS G ` : '';
      branches.push(`SELECT toUInt32(${c.id}) AS col, '${side}' AS side, ${binAgg} AS b, ${cellAggs} FROM (${withG}${inner})`);
    }
  }
  const out: Histograms = { bins: new Map(), cells: new Map() };
  if (branches.length === 0) return out;
  const rows = await run<{ col: number; side: Side; b: Array<number | string>; cc: Array<number | string>; cs: Array<number | string> }>(store, branches.join('\nUNION ALL\n'), o, params);
  for (const r of rows) {
    const id = num(r.col);
    out.bins.set(hk(id, r.side), r.b.map(num));
    if (large.has(id)) {
      const c = cols.find((x) => x.id === id) as NumericColumn;
      const K = c.grid.length;
      const counts = r.cc.map(num);
      const sums = r.cs.map(num);
      const eq = new Float64Array(K);
      const inner = new Float64Array(K);
      const off = new Float64Array(K);
      for (let j = 0; j < K; j++) {
        eq[j] = counts[2 * j] ?? 0;
        inner[j] = counts[2 * j + 1] ?? 0;
        off[j] = sums[2 * j + 1] ?? 0;
      }
      out.cells.set(hk(id, r.side), { eq, inner, innerOffsetSum: off });
    }
  }
  return out;
}

const emptySide = (k: number): CellSide => ({ eq: new Float64Array(k), inner: new Float64Array(k), innerOffsetSum: new Float64Array(k) });

/** Distinct values with per-side counts inside the requested cells of large columns. */
async function refine(store: Store, reqs: ReadonlyArray<{ col: NumericColumn; cells: number[] }>, o: NumericOptions): Promise<Map<number, Map<number, RefinedCell>>> {
  const out = new Map<number, Map<number, RefinedCell>>();
  const active = reqs.filter((r) => r.cells.length > 0);
  for (const r of reqs) out.set(r.col.id, new Map());
  if (active.length === 0) return out;
  const params: QueryParams = {};
  const branches: string[] = [];
  for (const { col, cells } of active) {
    params[`g${col.id}`] = col.grid.map(floatBits);
    params[`j${col.id}`] = cells;
    for (const side of SIDES) {
      branches.push(
        `SELECT toUInt32(${col.id}) AS col, cell, v, toUInt8(${side === 'ref' ? 1 : 0}) AS is_ref FROM (
           WITH ${floatArrayFromParam(`g${col.id}`)} AS G
           SELECT v, transform(roundDown(v, G), G, range(${col.grid.length}), 0) AS cell FROM (${col.branch(side)}) WHERE v > roundDown(v, G))
         WHERE has({j${col.id}:Array(UInt32)}, cell)`,
      );
    }
  }
  const sql = `SELECT col, cell, v, toFloat64(countIf(is_ref = 1)) AS r, toFloat64(countIf(is_ref = 0)) AS c
    FROM (${branches.join('\nUNION ALL\n')}) GROUP BY col, cell, v ORDER BY col, cell, v`;
  const rows = await run<{ col: number; cell: number; v: number; r: number; c: number }>(store, sql, o, params);
  const acc = new Map<string, { values: number[]; ref: number[]; cur: number[] }>();
  for (const row of rows) {
    const key = `${num(row.col)}:${num(row.cell)}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { values: [], ref: [], cur: [] }));
    a.values.push(num(row.v));
    a.ref.push(num(row.r));
    a.cur.push(num(row.c));
  }
  for (const { col, cells } of active) {
    const m = out.get(col.id) as Map<number, RefinedCell>;
    for (const j of cells) m.set(j, acc.get(`${col.id}:${j}`) ?? { values: [], ref: [], cur: [] });
  }
  return out;
}

/** Everything numericFeature (report/feature.ts) needs, per column id. */
export async function numericAggregates(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, NumericAggregates>> {
  const both = cols.filter((c) => c.nRef > 0 && c.nCur > 0);
  const largeCols = both.filter((c) => c.nRef + c.nCur > o.exactLimit && c.grid.length >= 2);
  const large = new Set(largeCols.map((c) => c.id));
  // Columns too large for the exact walk but without a usable grid (constant) fall back to exact.
  const exactCols = both.filter((c) => !large.has(c.id));

  const exactP = exactCols.length
    ? ecdfBySql(store, {
        sql: exactCols.flatMap((c) => SIDES.map((s) => `SELECT '${c.id}' AS key, '${s}' AS side, v FROM (${c.branch(s)})`)).join('\nUNION ALL\n'),
        params: o.params,
        ...(o.signal ? { signal: o.signal } : {}),
      })
    : Promise.resolve(new Map());
  const edges = await referenceEdges(store, cols, o);
  const hist = await histograms(store, cols, edges, large, o);

  const cellInputs = new Map<number, CellInput>();
  for (const c of largeCols) {
    cellInputs.set(c.id, { grid: c.grid, ref: hist.cells.get(hk(c.id, 'ref')) ?? emptySide(c.grid.length), cur: hist.cells.get(hk(c.id, 'cur')) ?? emptySide(c.grid.length) });
  }
  const scans = new Map([...cellInputs].map(([id, ci]) => [id, scanCells(ci)]));
  const budget = largeCols.length ? Math.floor((o.refineBudget ?? DEFAULT_REFINE_BUDGET) / largeCols.length) : 0;
  const first = await refine(
    store,
    largeCols.map((c) => ({ col: c, cells: chooseRefinement(cellInputs.get(c.id) as CellInput, scans.get(c.id)!, budget) })),
    o,
  );
  // Second round: every cell whose bound could still lift D by more than D_ERROR_MAX.
  const second: Array<{ col: NumericColumn; cells: number[] }> = [];
  for (const c of largeCols) {
    const ci = cellInputs.get(c.id) as CellInput;
    const s = scans.get(c.id)!;
    const done = first.get(c.id) as Map<number, RefinedCell>;
    const r = ecdfFromCells(ci, s, done);
    const slack = D_ERROR_MAX * s.n1 * s.n2;
    if (r.dErrorNumerator <= slack) continue;
    const need: number[] = [];
    for (let j = 0; j + 1 < c.grid.length; j++) if (!done.has(j) && (s.dBoundNumerator[j] as number) - r.dNumerator > slack) need.push(j);
    second.push({ col: c, cells: need });
  }
  const more = second.length ? await refine(store, second, o) : new Map<number, Map<number, RefinedCell>>();
  const exact = await exactP;

  const out = new Map<number, NumericAggregates>();
  for (const c of cols) {
    const e = edges.get(c.id) ?? null;
    const width = (e?.length ?? 0) + 1;
    const bins = (s: Side): number[] => {
      const b = hist.bins.get(hk(c.id, s)) ?? [];
      return Array.from({ length: width }, (_, i) => b[i] ?? 0);
    };
    let ecdf: EcdfAggregate | null = null;
    if (large.has(c.id)) {
      const refined = new Map([...(first.get(c.id) ?? new Map<number, RefinedCell>()), ...(more.get(c.id) ?? new Map<number, RefinedCell>())]);
      const r = ecdfFromCells(cellInputs.get(c.id) as CellInput, scans.get(c.id)!, refined);
      const s = scans.get(c.id)!;
      if (r.dErrorNumerator / s.n1 / s.n2 > D_ERROR_MAX) throw new Error(`drift: KS error bound ${r.dErrorNumerator / s.n1 / s.n2} above ${D_ERROR_MAX} after refinement`);
      ecdf = { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator };
    } else {
      const w = exact.get(String(c.id));
      if (w) ecdf = { dNumerator: w.dNumerator, wasserstein: w.wasserstein, method: 'exact' };
    }
    out.set(c.id, { edges: e, binsRef: bins('ref'), binsCur: bins('cur'), ecdf });
  }
  return out;
}
