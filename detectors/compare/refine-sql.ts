// Levels 2 and 3 of the large-column ECDF statistics (stats/ecdf-cells.ts),
// done by the engine for both `compare` and the drift detector:
//  - subSummarySql: the cells still open, split into sub-cells; per cell the
//    engine returns S's known extremes, the exact part of ∫|S|, and only the
//    sub-cells still open (a handful), never the sub-cells themselves;
//  - refineSummarySql: the exact walk through the values of chosen pieces;
//    per piece three numbers (the highest and lowest running numerator, and
//    the exact area Σ |S| Δv), never the values.
// Either costs a grouping in the engine and almost no transfer.
import type { QueryParams } from '../../src/core/store/store.ts';
import { areaBounds, type RefinedSummary, type SubSummary } from '../stats/ecdf-cells.ts';
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
  const at = (arr: string): string => `transform(key, {${p('keys')}:Array(UInt64)}, ${p(arr)}_a, 0.)`;
  const consts = constantArrays(p, ['s0', 'g0', 'g1', 'sc', 'n1', 'n2']);
  // Running numerator per distinct value (+n_cur per reference value, -n_ref per current value); the area runs
  // from g0 to the first value with S = s0, between values with s0 + cs, and from the last value to g1.
  const sql = `SELECT key, max(cs) AS hi, min(cs) AS lo,
      sum(abs(s0 + cs) * (coalesce(nv, g1) * sc - v * sc)) + abs(any(s0)) * (min(v) * any(sc) - any(g0) * any(sc)) AS area
    FROM (
      ${consts} SELECT key, v, cs, ${at('s0')} AS s0, ${at('g0')} AS g0, ${at('g1')} AS g1, ${at('sc')} AS sc,
        leadInFrame(toNullable(v)) OVER (PARTITION BY key ORDER BY v ASC ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING) AS nv
      FROM (
        SELECT key, v, sum(w) OVER (PARTITION BY key ORDER BY v ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cs
        FROM (${consts} SELECT key, v, r * ${at('n2')} - c * ${at('n1')} AS w FROM (
          SELECT key, v, toFloat64(countIf(is_ref = 1)) AS r, toFloat64(countIf(is_ref = 0)) AS c FROM (${rowsSql}) GROUP BY key, v))))
    GROUP BY key`;
  return { sql, params };
}

/** A WITH clause binding the named float-array params (bit patterns) as constant arrays `<param>_a`, decoded once per query rather than per row. */
function constantArrays(p: (name: string) => string, names: readonly string[]): string {
  return `WITH ${names.map((n) => `${floatArrayFromParam(p(n))} AS ${p(n)}_a`).join(', ')}`;
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

/** One cell for level 2. */
export interface SubTarget {
  /** Caller's key of (column, cell); the rows SQL must produce the same key. */
  key: number;
  /** S after every value at or below the cell's grid point. */
  s0: number;
  nRef: number;
  nCur: number;
  /**
   * The column's largest |S| known before this query: sub-cells whose bound is above it and above the largest
   * |S| known in their own cell are listed (a local filter: no window over the column in the engine).
   */
  dKnown: number;
}

/**
 * Level 2 (sub-cells) for the targets. `rowsSql` selects, per value strictly
 * inside a targeted cell: `key` (UInt64), `sub` (UInt32, 0 <= sub < subs,
 * ascending with the value), `off` (Float64, the value's offset above its
 * sub-cell's start) and `sw` (Float64, a sub-cell's width, the same for a
 * cell's rows), both in the cell's units, and `is_ref` (UInt8). Per cell the
 * result has: `sw`; `kh`, `kl` (extremes of S at the sub-cells' ends, exact);
 * `area` (∫|S| over the cell outside the open sub-cells, in S times units);
 * and, per open sub-cell (S changes sign inside, or could exceed the
 * largest |S| known, in the column or the cell): `subs`, `starts` (S at its start), `his`, `los` (S's
 * range inside), `edges` (∫|S| from its start to its lowest value and from
 * its highest value to its end, exact), `mids` (∫S between those two values)
 * `mws` (the distance between them) and `ns` (its values).
 */
export function subSummarySql(rowsSql: string, targets: readonly SubTarget[], subs: number, prefix = 'sb'): { sql: string; params: QueryParams } {
  const p = (name: string): string => `${prefix}_${name}`;
  const params: QueryParams = {
    [p('keys')]: targets.map((t) => t.key),
    [p('s0')]: targets.map((t) => floatBits(t.s0)),
    [p('n1')]: targets.map((t) => floatBits(t.nRef)),
    [p('n2')]: targets.map((t) => floatBits(t.nCur)),
    [p('dk')]: targets.map((t) => floatBits(t.dKnown)),
  };
  const at = (arr: string): string => `transform(key, {${p('keys')}:Array(UInt64)}, ${p(arr)}_a, 0.)`;
  const consts = constantArrays(p, ['s0', 'n1', 'n2', 'dk']);
  // Per sub-cell: its counts, offset sums and the lowest and highest offset; per cell, arrays ordered by sub-cell.
  // S before (sb) and after (sa) each sub-cell are exact; before its lowest value S is sb, after its highest sa;
  // in between S stays within [sb - c n1, sb + r n2]. ∫S across it is sb sw + n2 Σ(sw - off) over its reference
  // values - n1 Σ(sw - off) over its current ones; `mid` is the part of it between the lowest and highest value.
  // Empty sub-cells between hold S constant.
  const sql = `SELECT key, sw, kh, kl, area,
      arrayFilter((x, k) -> k, ks, keep) AS subs, arrayFilter((x, k) -> k, sb, keep) AS starts,
      arrayFilter((x, k) -> k, hb, keep) AS his, arrayFilter((x, k) -> k, lb, keep) AS los,
      arrayFilter((x, k) -> k, edge, keep) AS edges, arrayFilter((x, k) -> k, mid, keep) AS mids, arrayFilter((x, k) -> k, mw, keep) AS mws,
      arrayFilter((x, k) -> k, cnt, keep) AS ns
    FROM (
      SELECT *, arrayMap((t, h, l) -> t OR greatest(h, -l) > greatest(dk, kh, -kl), st, hb, lb) AS keep
      FROM (
        SELECT key, sw, dk, ks, sb, hb, lb, st, edge, mid, mw, cnt,
          greatest(arrayMax(sa), arrayMax(sb)) AS kh, least(arrayMin(sa), arrayMin(sb)) AS kl,
          abs(s0) * toFloat64(ks[1]) * sw
            + arraySum(arrayMap((a, x, nx) -> abs(a) * (nx - x - 1) * sw, sa, arrayMap(x -> toFloat64(x), ks), arrayPushBack(arrayMap(x -> toFloat64(x), arrayPopFront(ks)), ${subs}.)))
            + arraySum(arrayMap((e, m, t) -> if(t, 0., e + abs(m)), edge, mid, st)) AS area
        FROM (
          SELECT key, sw, dk, s0, ks, sa, sb, hb, lb, arrayMap((x, y) -> x + y, rs, cs) AS cnt,
            arrayMap((h, l) -> l < 0 AND h > 0, hb, lb) AS st,
            arrayMap((b, a, lo, hi) -> abs(b) * lo + abs(a) * (sw - hi), sb, sa, mns, mxs) AS edge,
            arrayMap((b, a, x, y, ox, oy, lo, hi) -> b * sw + n2 * (x * sw - ox) - n1 * (y * sw - oy) - b * lo - a * (sw - hi), sb, sa, rs, cs, ors, ocs, mns, mxs) AS mid,
            arrayMap((lo, hi) -> hi - lo, mns, mxs) AS mw
          FROM (
            SELECT key, sw, dk, s0, n1, n2, ks, rs, cs, ors, ocs, mns, mxs,
              arrayMap(x -> s0 + x, arrayCumSum(arrayMap((x, y) -> x * n2 - y * n1, rs, cs))) AS sa,
              arrayMap((a, x, y) -> a - (x * n2 - y * n1), sa, rs, cs) AS sb,
              arrayMap((b, x) -> b + x * n2, sb, rs) AS hb,
              arrayMap((b, y) -> b - y * n1, sb, cs) AS lb
            FROM (
              ${consts} SELECT key, any(sw1) AS sw,
                ${at('s0')} AS s0, ${at('n1')} AS n1, ${at('n2')} AS n2, ${at('dk')} AS dk,
                arraySort(groupArray((sub, r1, c1, or1, oc1, mn1, mx1))) AS t, arrayMap(x -> tupleElement(x, 1), t) AS ks,
                arrayMap(x -> tupleElement(x, 2), t) AS rs, arrayMap(x -> tupleElement(x, 3), t) AS cs, arrayMap(x -> tupleElement(x, 4), t) AS ors,
                arrayMap(x -> tupleElement(x, 5), t) AS ocs, arrayMap(x -> tupleElement(x, 6), t) AS mns, arrayMap(x -> tupleElement(x, 7), t) AS mxs
              FROM (
                SELECT key, sub, any(sw) AS sw1, toFloat64(countIf(is_ref = 1)) AS r1, toFloat64(countIf(is_ref = 0)) AS c1,
                  sumIf(off, is_ref = 1) AS or1, sumIf(off, is_ref = 0) AS oc1, min(off) AS mn1, max(off) AS mx1
                FROM (${rowsSql}) GROUP BY key, sub)
              GROUP BY key)))))`;
  return { sql, params };
}

export interface SubSummaryRow {
  key: number | string;
  sw: number;
  kh: number;
  kl: number;
  area: number;
  subs: number[];
  starts: number[];
  his: number[];
  los: number[];
  edges: number[];
  mids: number[];
  mws: number[];
  ns: number[];
}

/** A level-2 row as stats/ecdf-cells.ts wants it; `unit` turns the rows' units into scaled values. */
export function subSummaryOf(r: SubSummaryRow, unit: number): SubSummary {
  const open = r.subs.map((sub, i) => {
    const hi = num(r.his[i]);
    const lo = num(r.los[i]);
    // Exact from the sub-cell's start to its lowest value and from its highest value to its end; bounded between.
    const edge = num(r.edges[i]) * unit;
    const b = areaBounds(num(r.mids[i]) * unit, num(r.mws[i]) * unit, hi, lo);
    return { sub: num(sub), start: num(r.starts[i]), hi, lo, lower: edge + b.lower, upper: edge + b.upper, n: num(r.ns[i]) };
  });
  return { knownHi: num(r.kh), knownLo: num(r.kl), area: num(r.area) * unit, open };
}
