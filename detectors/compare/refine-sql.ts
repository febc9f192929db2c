// One round of refinement of the large-column ECDF statistics
// (stats/ecdf-cells.ts), done by the engine for both `compare` and the drift
// detector. Each chosen piece of the line is cut into parts: SPLIT equal
// sub-cells, or, for a small piece, one part per distinct value (the exact
// walk). Per piece the engine returns S's extremes at the parts' ends (exact),
// the exact part of ∫|S|, and only the parts still open (S may change sign
// inside, or could exceed the known D): a handful of numbers, never the
// values. One query per round, so one read of the data per round.
import type { QueryParams } from '../../src/core/store/store.ts';
import { areaBounds, type SubSummary } from '../stats/ecdf-cells.ts';
import { floatArrayFromParam, floatBits, num } from './sql.ts';

/** One piece to cut. */
export interface PieceTarget {
  /** Caller's key of the piece; the rows SQL must produce the same key. */
  key: number;
  /** S after every value below the piece. */
  s0: number;
  /** The piece's width, in the rows' units. */
  width: number;
  nRef: number;
  nCur: number;
  /** The column's largest |S| known so far: parts whose bound is above it (and above their piece's own) are listed. */
  dKnown: number;
}

/**
 * SQL and params cutting the targets into parts. `rowsSql` selects, per
 * value inside a targeted piece: `key` (UInt64), `part` (Float64, ascending
 * with the value: a sub-cell's index, or the value itself), `lo` and `hi`
 * (Float64, the part's ends above the piece's start; equal for a value),
 * `off` (Float64, the value's offset above its part's start), all in the
 * piece's units, and `is_ref` (UInt8). Per piece the result has `kh`, `kl`
 * (extremes of S at the parts' ends, exact), `area` (∫|S| over the piece
 * outside its open parts, in S times units) and, per open part (only
 * sub-cells can be open: a value is exact): `parts` (its sub-cell index), `starts` (S at its start), `his`,
 * `los` (S's range inside), `edges` (∫|S| from its start to its lowest value
 * and from its highest value to its end, exact), `mids` (∫S between those
 * two values), `mws` (the distance between them) and `ns` (its values).
 */
export function pieceSummarySql(rowsSql: string, targets: readonly PieceTarget[], prefix = 'pc'): { sql: string; params: QueryParams } {
  const p = (name: string): string => `${prefix}_${name}`;
  // Floats travel as their bit patterns (exact, and the client refuses numbers beyond 2^53).
  const params: QueryParams = {
    [p('keys')]: targets.map((t) => t.key),
    [p('s0')]: targets.map((t) => floatBits(t.s0)),
    [p('pw')]: targets.map((t) => floatBits(t.width)),
    [p('n1')]: targets.map((t) => floatBits(t.nRef)),
    [p('n2')]: targets.map((t) => floatBits(t.nCur)),
    [p('dk')]: targets.map((t) => floatBits(t.dKnown)),
  };
  const at = (arr: string): string => `transform(key, {${p('keys')}:Array(UInt64)}, ${floatArrayFromParam(p(arr))}, 0.)`;
  // Per part: counts, offset sums, lowest and highest offset; per piece, arrays ordered by part. S before (sb) and
  // after (sa) each part is exact; before its lowest value S is sb, after its highest sa; in between S stays within
  // [sb - c n1, sb + r n2] (a part of one distinct value has no in between). ∫S across a part of width w is
  // sb w + n2 Σ(w - off) over its reference values - n1 Σ(w - off) over its current ones; `mid` is the share of it
  // between the lowest and highest value. Between parts S is constant.
  const sql = `SELECT key, kh, kl, area,
      arrayFilter((x, k) -> k, ps, keep) AS parts, arrayFilter((x, k) -> k, sb, keep) AS starts,
      arrayFilter((x, k) -> k, hb, keep) AS his, arrayFilter((x, k) -> k, lb, keep) AS los,
      arrayFilter((x, k) -> k, edge, keep) AS edges, arrayFilter((x, k) -> k, mid, keep) AS mids, arrayFilter((x, k) -> k, mw, keep) AS mws,
      arrayFilter((x, k) -> k, cnt, keep) AS ns
    FROM (
      SELECT *, arrayMap((t, h, l) -> t OR greatest(h, -l) > greatest(dk, kh, -kl), st, hb, lb) AS keep
      FROM (
        SELECT key, dk, ps, sb, hb, lb, st, edge, mid, mw, cnt,
          greatest(arrayMax(sa), arrayMax(sb)) AS kh, least(arrayMin(sa), arrayMin(sb)) AS kl,
          abs(s0) * los_[1] + arraySum(arrayMap((a, h, nl) -> abs(a) * (nl - h), sa, his_, arrayPushBack(arrayPopFront(los_), pw)))
            + arraySum(arrayMap((e, m, t) -> if(t, 0., e + abs(m)), edge, mid, st)) AS area
        FROM (
          SELECT key, dk, s0, pw, ps, los_, his_, sa, sb, hb, lb, arrayMap((x, y) -> x + y, rs, cs) AS cnt,
            arrayMap((h, l, a, b) -> l < 0 AND h > 0 AND a < b, hb, lb, mns, mxs) AS st,
            arrayMap((b, a, x, y, w) -> abs(b) * x + abs(a) * (w - y), sb, sa, mns, mxs, ws) AS edge,
            arrayMap((b, a, x, y, ox, oy, lo, hi, w) -> b * w + n2 * (x * w - ox) - n1 * (y * w - oy) - b * lo - a * (w - hi), sb, sa, rs, cs, ors, ocs, mns, mxs, ws) AS mid,
            arrayMap((lo, hi) -> hi - lo, mns, mxs) AS mw
          FROM (
            SELECT key, dk, s0, pw, n1, n2, ps, los_, his_, ws, rs, cs, ors, ocs, mns, mxs,
              arrayMap(x -> s0 + x, arrayCumSum(arrayMap((x, y) -> x * n2 - y * n1, rs, cs))) AS sa,
              arrayMap((a, x, y) -> a - (x * n2 - y * n1), sa, rs, cs) AS sb,
              arrayMap((b, a, x, lo, hi) -> if(lo = hi, greatest(b, a), b + x * n2), sb, sa, rs, mns, mxs) AS hb,
              arrayMap((b, a, y, lo, hi) -> if(lo = hi, least(b, a), b - y * n1), sb, sa, cs, mns, mxs) AS lb
            FROM (
              SELECT key, ${at('s0')} AS s0, ${at('pw')} AS pw, ${at('n1')} AS n1, ${at('n2')} AS n2, ${at('dk')} AS dk,
                arraySort(groupArray((part, lo1, hi1, r1, c1, or1, oc1, mn1, mx1))) AS t, arrayMap(x -> tupleElement(x, 1), t) AS ps,
                arrayMap(x -> tupleElement(x, 2), t) AS los_, arrayMap(x -> tupleElement(x, 3), t) AS his_,
                arrayMap((a, b) -> b - a, los_, his_) AS ws,
                arrayMap(x -> tupleElement(x, 4), t) AS rs, arrayMap(x -> tupleElement(x, 5), t) AS cs,
                arrayMap(x -> tupleElement(x, 6), t) AS ors, arrayMap(x -> tupleElement(x, 7), t) AS ocs,
                arrayMap(x -> tupleElement(x, 8), t) AS mns, arrayMap(x -> tupleElement(x, 9), t) AS mxs
              FROM (
                SELECT key, part, any(lo) AS lo1, any(hi) AS hi1, toFloat64(countIf(is_ref = 1)) AS r1, toFloat64(countIf(is_ref = 0)) AS c1,
                  sumIf(off, is_ref = 1) AS or1, sumIf(off, is_ref = 0) AS oc1, min(off) AS mn1, max(off) AS mx1
                FROM (${rowsSql}) GROUP BY key, part)
              GROUP BY key)))))`;
  return { sql, params };
}

export interface PieceSummaryRow {
  key: number | string;
  kh: number;
  kl: number;
  area: number;
  parts: number[];
  starts: number[];
  his: number[];
  los: number[];
  edges: number[];
  mids: number[];
  mws: number[];
  ns: number[];
}

/** A round's row as stats/ecdf-cells.ts wants it; `unit` turns the rows' units into scaled values. */
export function pieceSummaryOf(r: PieceSummaryRow, unit: number): SubSummary {
  const open = r.parts.map((part, i) => {
    const hi = num(r.his[i]);
    const lo = num(r.los[i]);
    // Exact from the part's start to its lowest value and from its highest value to its end; bounded between.
    const edge = num(r.edges[i]) * unit;
    const b = areaBounds(num(r.mids[i]) * unit, num(r.mws[i]) * unit, hi, lo);
    return { sub: num(part), start: num(r.starts[i]), hi, lo, lower: edge + b.lower, upper: edge + b.upper, n: num(r.ns[i]) };
  });
  return { knownHi: num(r.kh), knownLo: num(r.kl), area: num(r.area) * unit, open };
}
