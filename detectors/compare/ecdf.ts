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

export async function exactEcdf(store: Store, ref: LoadedSource, cur: LoadedSource, pairs: readonly EcdfPair[], signal?: AbortSignal): Promise<ExactEcdf[]> {
  if (pairs.length === 0) return [];
  const branches = pairs.flatMap((p, k) => [
    `SELECT toUInt32(${k}) AS col, ${floatCol(p.ref.index)} AS v, toInt64(${p.nCur}) AS w FROM ${ref.table} WHERE ${finiteExpr(p.ref.kind, p.ref.index)}`,
    `SELECT toUInt32(${k}) AS col, ${floatCol(p.cur.index)} AS v, toInt64(-${p.nRef}) AS w FROM ${cur.table} WHERE ${finiteExpr(p.cur.kind, p.cur.index)}`,
  ]);
  const sql = `SELECT col, toString(max(abs(cs))) AS dnum, sum(abs(cs) * (nv - v)) AS area FROM (
    SELECT col, v,
      sum(w) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs,
      leadInFrame(v) OVER (PARTITION BY col ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nv
    FROM (SELECT col, v, sum(w) AS w FROM (${branches.join(' UNION ALL ')}) GROUP BY col, v)
  ) GROUP BY col`;
  // The last value of each column has cs = n_ref*n_cur - n_cur*n_ref = 0, so its (meaningless) nv adds nothing.
  const rows = await store.query<{ col: number; dnum: string; area: number }>(sql, { settings: QUERY_SETTINGS, signal });
  const out: ExactEcdf[] = pairs.map(() => ({ dNumerator: 0, wasserstein: 0 }));
  for (const r of rows) {
    const k = num(r.col);
    const p = pairs[k] as EcdfPair;
    out[k] = { dNumerator: Number(r.dnum), wasserstein: num(r.area) / p.nRef / p.nCur };
  }
  return out;
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
}

/** Distinct values with per-side counts strictly inside the requested cells (grid[j], grid[j+1]). */
export async function refineCells(store: Store, ref: LoadedSource, cur: LoadedSource, reqs: readonly RefineRequest[], signal?: AbortSignal): Promise<Array<Map<number, RefinedCell>>> {
  const active = reqs.map((r, k) => ({ r, k })).filter(({ r }) => r.cells.length > 0);
  const out = reqs.map(() => new Map<number, RefinedCell>());
  if (active.length === 0) return out;
  const params: Record<string, unknown> = {};
  const withs: string[] = [];
  const branches: string[] = [];
  for (const { r, k } of active) {
    cellIndexBindings(k, r.index, params, withs);
    params[`j${k}`] = [...r.cells];
    withs.push(`{j${k}:Array(UInt32)} AS J${k}`);
    for (const [isRef, src, col] of [
      [1, ref, r.pair.ref],
      [0, cur, r.pair.cur],
    ] as const) {
      const f = floatCol(col.index);
      const cell = cellSql(f, r.index, `T${k}`, `G${k}`);
      branches.push(
        `SELECT toUInt32(${k}) AS col, toUInt32(${cell}) AS cell, ${f} AS v, toUInt8(${isRef}) AS is_ref FROM ${src.table} ` +
          `WHERE ${finiteExpr(col.kind, col.index)} AND transform(cell, J${k}, arrayMap(x -> 1, J${k}), 0) = 1 AND ${f} > G${k}[cell + 1]`,
      );
    }
  }
  const sql = `WITH ${withs.join(', ')} SELECT col, cell, v, toFloat64(countIf(is_ref = 1)) AS r, toFloat64(countIf(is_ref = 0)) AS c
    FROM (${branches.join(' UNION ALL ')}) GROUP BY col, cell, v ORDER BY col, cell, v`;
  const rows = await store.query<RefinedRow>(sql, { params, settings: QUERY_SETTINGS, signal });
  const acc = groupRefinedRows(rows);
  for (const { r, k } of active) {
    for (const j of r.cells) out[k]?.set(j, acc.get(`${k}:${j}`) ?? { values: [], ref: [], cur: [] });
  }
  return out;
}
