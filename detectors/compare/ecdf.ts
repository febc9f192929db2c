// KS's D and Wasserstein pushed down. Small columns: one exact walk over the
// merged distinct values (window functions); the integer running sum of
// +n_cur per reference value and -n_ref per current value is a*n_cur - b*n_ref,
// D's exact numerator. Large columns: grid cells (histograms.ts) plus an
// exact walk inside the few cells that can still change the result.
import type { Store } from '../../src/core/store/store.ts';
import type { RefinedCell } from '../stats/ecdf-cells.ts';
import { cellSql, type CellIndex } from './cell-index.ts';
import { cellIndexBindings } from './histograms.ts';
import type { LoadedSource, SourceColumn } from './source.ts';
import { refineSummarySql, summaryOf, type RefineTarget, type SummaryRow } from './refine-sql.ts';
import { finiteExpr, floatCol, num, QUERY_SETTINGS } from './sql.ts';

export interface EcdfPair {
  ref: SourceColumn;
  cur: SourceColumn;
  nRef: number;
  nCur: number;
}

export interface ExactEcdf {
  dNumerator: number;
  wasserstein: number;
}

/** One column's two sides for the exact walk: SQL selecting its finite values as `v` (-0 already folded into 0). */
export interface WalkColumn {
  ref: string;
  cur: string;
  nRef: number;
  nCur: number;
}

/** The exact ECDF walk over every distinct value of each column, in one query (shared by compare and the drift detector). */
export async function exactWalk(store: Store, cols: readonly WalkColumn[], o: { params?: Record<string, unknown>; settings?: Record<string, string | number>; signal?: AbortSignal } = {}): Promise<ExactEcdf[]> {
  if (cols.length === 0) return [];
  const branches = cols.flatMap((c, k) => [
    `SELECT toUInt32(${k}) AS col, v, toInt64(${c.nCur}) AS w, toUInt64(${c.nRef}) AS n1, toUInt64(${c.nCur}) AS n2 FROM (${c.ref})`,
    `SELECT toUInt32(${k}) AS col, v, toInt64(-${c.nRef}) AS w, toUInt64(${c.nRef}) AS n1, toUInt64(${c.nCur}) AS n2 FROM (${c.cur})`,
  ]);
  // The area in two forms: plain, and from half-scale gaps over D's fractions (which cannot overflow); the
  // second is used only when the first overflowed (values of both signs near the largest double).
  const sql = `SELECT col, toString(max(abs(cs))) AS dnum, sum(abs(cs) * (nv - v)) AS area, sum(abs(cs) / (toFloat64(n1) * n2) * (nv * 0.5 - v * 0.5)) AS half FROM (
    SELECT col, v,
      sum(w) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs,
      leadInFrame(v) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nv, n1, n2
    FROM (SELECT col, v, sum(w) AS w, any(n1) AS n1, any(n2) AS n2 FROM (${branches.join(' UNION ALL ')}) GROUP BY col, v)
  ) GROUP BY col`;
  // The last value of each column has cs = n_ref*n_cur - n_cur*n_ref = 0, so its (meaningless) nv adds nothing.
  const rows = await store.query<{ col: number; dnum: string; area: number | null; half: number | null }>(sql, {
    ...(o.params ? { params: o.params } : {}),
    settings: o.settings ?? QUERY_SETTINGS,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  const out: ExactEcdf[] = cols.map(() => ({ dNumerator: 0, wasserstein: 0 }));
  for (const r of rows) {
    const k = num(r.col);
    const c = cols[k] as WalkColumn;
    out[k] = { dNumerator: Number(r.dnum), wasserstein: areaToWasserstein(r.area, r.half, c.nRef, c.nCur) };
  }
  return out;
}

export function exactEcdf(store: Store, ref: LoadedSource, cur: LoadedSource, pairs: readonly EcdfPair[], signal?: AbortSignal): Promise<ExactEcdf[]> {
  const side = (src: LoadedSource, col: SourceColumn): string => `SELECT ${floatCol(col.index)} AS v FROM ${src.table} WHERE ${finiteExpr(col.kind, col.index)}`;
  return exactWalk(
    store,
    pairs.map((p) => ({ ref: side(ref, p.ref), cur: side(cur, p.cur), nRef: p.nRef, nCur: p.nCur })),
    signal ? { signal } : {},
  );
}

/**
 * Wasserstein from the engine's two sums: Σ |a n2 - b n1| Δv (exact up to
 * rounding, but it overflows near the largest double, and the engine then
 * writes inf or null) and Σ |F_ref - F_cur| Δv/2 (never overflows). A true
 * distance beyond the largest double is reported as the largest double.
 */
export function areaToWasserstein(area: number | string | null, half: number | string | null, n1: number, n2: number): number {
  const a = area === null ? Number.NaN : num(area) / n1 / n2;
  if (Number.isFinite(a)) return a;
  const w = 2 * num(half ?? Number.NaN);
  return Number.isFinite(w) ? w : Number.MAX_VALUE;
}

/** One row of a refinement query: a distinct value of a cell with its count per side. */
export interface RefinedRow {
  col: number;
  cell: number;
  v: number;
  r: number;
  c: number;
}

/** Refinement rows (ordered by col, cell, v) gathered per "col:cell" key. */
export function groupRefinedRows(rows: readonly RefinedRow[]): Map<string, { values: number[]; ref: number[]; cur: number[] }> {
  const acc = new Map<string, { values: number[]; ref: number[]; cur: number[] }>();
  for (const row of rows) {
    const key = `${num(row.col)}:${num(row.cell)}`;
    let a = acc.get(key);
    if (!a) acc.set(key, (a = { values: [], ref: [], cur: [] }));
    a.values.push(num(row.v));
    a.ref.push(num(row.r));
    a.cur.push(num(row.c));
  }
  return acc;
}

export interface RefineRequest {
  pair: EcdfPair;
  index: CellIndex;
  /** Cell indexes j: the open intervals (grid[j], grid[j+1]). */
  cells: readonly number[];
  /** Per requested cell, the running numerator at its start (after the values equal to grid[j]). */
  starts: readonly number[];
  /** The column's arithmetic scale (stats/ecdf-cells.ts arithmeticScale). */
  scale: number;
}

/** The engine's exact walk inside the requested cells (grid[j], grid[j+1]) of large columns. */
export async function refineCells(store: Store, ref: LoadedSource, cur: LoadedSource, reqs: readonly RefineRequest[], signal?: AbortSignal): Promise<Array<Map<number, RefinedCell>>> {
  const active = reqs.map((r, k) => ({ r, k })).filter(({ r }) => r.cells.length > 0);
  const out = reqs.map(() => new Map<number, RefinedCell>());
  if (active.length === 0) return out;
  const params: Record<string, unknown> = {};
  const withs: string[] = [];
  const branches: string[] = [];
  const targets: RefineTarget[] = [];
  for (const { r, k } of active) {
    cellIndexBindings(k, r.index, params, withs);
    params[`j${k}`] = [...r.cells];
    withs.push(`{j${k}:Array(UInt32)} AS J${k}`);
    r.cells.forEach((j, i) =>
      targets.push({ key: k * CELL_KEY + j, s0: r.starts[i] as number, g0: r.index.grid[j] as number, g1: r.index.grid[j + 1] as number, nRef: r.pair.nRef, nCur: r.pair.nCur, scale: r.scale }),
    );
    for (const [isRef, src, col] of [
      [1, ref, r.pair.ref],
      [0, cur, r.pair.cur],
    ] as const) {
      const f = floatCol(col.index);
      const cell = cellSql(f, r.index, `T${k}`, `G${k}`);
      branches.push(
        `SELECT toUInt64(${k}) * ${CELL_KEY} + toUInt64(${cell}) AS key, ${f} AS v, toUInt8(${isRef}) AS is_ref FROM ${src.table} ` +
          `WHERE ${finiteExpr(col.kind, col.index)} AND has(J${k}, toUInt32(${cell})) AND ${f} > G${k}[${cell} + 1]`,
      );
    }
  }
  const q = refineSummarySql(branches.join(' UNION ALL '), targets);
  const rows = await store.query<SummaryRow>(`WITH ${withs.join(', ')} ${q.sql}`, { params: { ...params, ...q.params }, settings: QUERY_SETTINGS, signal });
  for (const row of rows) {
    const key = num(row.key);
    out[Math.floor(key / CELL_KEY)]?.set(key % CELL_KEY, summaryOf(row));
  }
  return out;
}

/** Keys of (column, cell) in refinement queries: column * CELL_KEY + cell. */
export const CELL_KEY = 4_294_967_296;
