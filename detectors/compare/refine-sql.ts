// The exact walk inside the cells that can still change KS's D or the
// Wasserstein distance (stats/ecdf-cells.ts), done by the engine for both
// `compare` and the drift detector: per cell it returns three numbers (the
// highest and lowest running numerator inside the cell, and the exact area
// Σ |S| Δv across it), never the cell's values, so refining every cell that
// matters costs a grouping in the engine and no transfer.
import type { QueryParams } from '../../src/core/store/store.ts';
import type { RefinedSummary } from '../stats/ecdf-cells.ts';
import { floatArrayFromParam, floatBits, num } from './sql.ts';

/** One cell to refine: where its interior starts and ends, and the running numerator at its start. */
export interface RefineTarget {
  /** Caller's key of (column, cell); the rows SQL must produce the same key. */
  key: number;
  /** a n_cur - b n_ref after every value at or below g0. */
  s0: number;
  g0: number;
  g1: number;
  /** The column's n_ref, n_cur and arithmetic scale (a power of two). */
  nRef: number;
  nCur: number;
  scale: number;
}

/**
 * SQL and params summarising the targets. `rowsSql` selects `key` (UInt64),
 * `v` (Float64, strictly inside its cell, -0 folded into 0) and `is_ref`
 * (UInt8) for the rows of the targeted cells.
 */
export function refineSummarySql(rowsSql: string, targets: readonly RefineTarget[], prefix = 'rf'): { sql: string; params: QueryParams } {
  const p = (name: string): string => `${prefix}_${name}`;
  // Floats travel as their bit patterns (exact, and the client refuses numbers beyond 2^53).
  const params: QueryParams = {
    [p('keys')]: targets.map((t) => t.key),
    [p('s0')]: targets.map((t) => floatBits(t.s0)),
    [p('g0')]: targets.map((t) => floatBits(t.g0)),
    [p('g1')]: targets.map((t) => floatBits(t.g1)),
    [p('n1')]: targets.map((t) => floatBits(t.nRef)),
    [p('n2')]: targets.map((t) => floatBits(t.nCur)),
    [p('sc')]: targets.map((t) => floatBits(t.scale)),
  };
  const at = (arr: string): string => `transform(key, {${p('keys')}:Array(UInt64)}, ${floatArrayFromParam(p(arr))}, 0.)`;
  // Running numerator per distinct value (+n_cur per reference value, -n_ref per current value); the area runs
  // from g0 to the first value with S = s0, between values with s0 + cs, and from the last value to g1.
  const sql = `SELECT key, max(cs) AS hi, min(cs) AS lo,
      sum(abs(s0 + cs) * (coalesce(nv, g1) * sc - v * sc)) + abs(any(s0)) * (min(v) * any(sc) - any(g0) * any(sc)) AS area
    FROM (
      SELECT key, v, cs, ${at('s0')} AS s0, ${at('g0')} AS g0, ${at('g1')} AS g1, ${at('sc')} AS sc,
        leadInFrame(toNullable(v)) OVER (PARTITION BY key ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nv
      FROM (
        SELECT key, v, sum(w) OVER (PARTITION BY key ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs
        FROM (SELECT key, v, r * ${at('n2')} - c * ${at('n1')} AS w FROM (
          SELECT key, v, toFloat64(countIf(is_ref = 1)) AS r, toFloat64(countIf(is_ref = 0)) AS c FROM (${rowsSql}) GROUP BY key, v))))
    GROUP BY key`;
  return { sql, params };
}

export interface SummaryRow {
  key: number | string;
  hi: number;
  lo: number;
  area: number;
}

export function summaryOf(r: SummaryRow): RefinedSummary {
  return { hi: num(r.hi), lo: num(r.lo), area: num(r.area) };
}
