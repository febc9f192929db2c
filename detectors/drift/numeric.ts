// The numeric half of the drift detector, pushed down. Every numeric column
// (a feature, confidence, prediction_num) is a pair of branch queries, one per
// side, that select its finite values as `v`; branches read one contiguous
// range of feature_values (ordered by model, version, feature, ts).
//
// The grid is data-independent (cells.ts): a value's cell is the top 19 bits
// of an order-preserving remap of its IEEE bits. One pass per side (detector.ts, GROUP BY
// feature, cell; it doubles as the profile) gives every column's cells: count,
// values equal to the cell's lower bound, sum of values. From them:
//  1. deciles and bin counts (exact): the cells holding the order statistics
//     numpy's deciles read are known from the reference's cumulative counts;
//     one query sorts the reference values of just those cells, picks the
//     order statistics, interpolates the edges with numpy's lerp (checked
//     bit for bit in Node) and counts both sides at or below each edge;
//  2. small columns (n_ref + n_cur <= exactLimit): the exact ECDF walk over
//     the merged distinct values (window functions) for KS's D and Wasserstein;
//  3. large columns: D and Wasserstein from the cells, then sub-cells of the
//     cells still open, then the exact walk through the few sub-cells that
//     can still change D or hold Wasserstein's uncertainty (large.ts).
import type { Store } from '../../src/core/store/store.ts';
import { SIDES } from '../operational/sides.ts';
import { uniqueEdges, DECILE_LEVELS } from '../stats/bins.ts';
import { lerp, quantilePlan } from '../stats/quantile.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { floatFromBits, num } from '../compare/sql.ts';
import { exactWalk } from '../compare/ecdf.ts';
import { cellOfKeySql, keySql } from './cells.ts';
import { DRIFT_SETTINGS, run, type NumericAggregates, type NumericColumn, type NumericOptions } from './column.ts';
import { largeEcdf } from './large.ts';

const sumOf = (xs: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i] as number;
  return s;
};

interface DecilePlan {
  col: NumericColumn;
  /** Grid indices of the cells read (ascending). */
  cells: number[];
  items: Array<{ lo: number; hi: number; t: number; posLo: number; posHi: number; belowRef: number; belowCur: number }>;
}

/** Which cells hold the reference order statistics numpy's deciles read, and where they land once those cells are sorted. */
function decilePlan(col: NumericColumn): DecilePlan {
  const { ref, cur } = col.cells;
  const k = col.cells.ids.length;
  const startRef = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) startRef[j + 1] = (startRef[j] as number) + (ref.n[j] as number);
  const cellOfRank = (r: number): number => {
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((startRef[mid] as number) <= r) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  const plans = DECILE_LEVELS.map((q) => quantilePlan(col.nRef, q));
  const inS = new Uint8Array(k);
  const spans = plans.map((p) => {
    const a = cellOfRank(p.lo);
    const b = cellOfRank(p.hi);
    for (let j = a; j <= b; j++) inS[j] = 1;
    return { a, b };
  });
  // Counts in cells outside S below each cell.
  const outRef = new Float64Array(k + 1);
  const outCur = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) {
    outRef[j + 1] = (outRef[j] as number) + (inS[j] ? 0 : (ref.n[j] as number));
    outCur[j + 1] = (outCur[j] as number) + (inS[j] ? 0 : (cur.n[j] as number));
  }
  const cells: number[] = [];
  for (let j = 0; j < k; j++) if (inS[j]) cells.push(j);
  const items = plans.map((p, i) => {
    const { a, b } = spans[i] as { a: number; b: number };
    return { lo: p.lo, hi: p.hi, t: p.t, posLo: p.lo - (outRef[a] as number), posHi: p.hi - (outRef[b] as number), belowRef: outRef[a] as number, belowCur: outCur[a] as number };
  });
  return { col, cells, items };
}

interface DecileResult {
  edges: number[];
  binsRef: number[];
  binsCur: number[];
}

/** One side's distinct values in a column's decile cells, ascending, with how many times each occurs and the running count. */
interface Tally {
  values: Float64Array;
  /** Values at or below values[i]. */
  atOrBelow: Float64Array;
}

function tally(pairs: ReadonlyArray<readonly [number, number]>): Tally {
  const sorted = [...pairs].sort((x, y) => x[0] - y[0]);
  const values = new Float64Array(sorted.length);
  const atOrBelow = new Float64Array(sorted.length);
  let n = 0;
  sorted.forEach(([v, c], i) => {
    values[i] = v;
    n += c;
    atOrBelow[i] = n;
  });
  return { values, atOrBelow };
}

/** The value at 0-based rank r of the tallied values (r below their count). */
function atRank(t: Tally, r: number): number {
  let lo = 0;
  let hi = t.values.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t.atOrBelow[mid] as number) > r) hi = mid;
    else lo = mid + 1;
  }
  return t.values[lo] as number;
}

/** How many tallied values are at or below x. */
function countAtOrBelow(t: Tally, x: number): number {
  let lo = 0;
  let hi = t.values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((t.values[mid] as number) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? 0 : (t.atOrBelow[lo - 1] as number);
}

/**
 * Exact decile edges of the reference and both sides' bin counts. One query returns, per column and side, the
 * distinct values of the cells holding the order statistics numpy's deciles read, with their counts (ties cost
 * one row); Node picks the order statistics, interpolates with numpy's lerp and counts each side at or below
 * every edge. (The engine did all of it once, in a query whose planning alone cost more than its reading.)
 */
async function deciles(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, DecileResult>> {
  const out = new Map<number, DecileResult>();
  const plans = cols.filter((c) => c.nRef > 0).map(decilePlan);
  if (plans.length === 0) return out;
  const branches = plans.flatMap(({ col, cells }) => {
    const set = cells.map((j) => col.cells.ids[j]).join(', ');
    return SIDES.filter((s) => (s === 'ref' ? col.nRef : col.nCur) > 0).map(
      (s) => `SELECT toUInt32(${col.id}) AS col, toUInt8(${s === 'ref' ? 1 : 0}) AS is_ref, v FROM (SELECT v, ${keySql('v')} AS k FROM (${col.branch(s)})) WHERE ${cellOfKeySql('k')} IN (${set})`,
    );
  });
  const rows = await run<{ col: number; is_ref: number; vs: string[]; ns: number[] }>(
    store,
    `SELECT col, is_ref, groupArray(toString(reinterpretAsUInt64(v))) AS vs, groupArray(n) AS ns
     FROM (SELECT col, is_ref, v, toFloat64(count()) AS n FROM (${branches.join('\nUNION ALL\n')}) GROUP BY col, is_ref, v) GROUP BY col, is_ref`,
    o,
  );
  const tallies = new Map<string, Tally>();
  for (const r of rows) tallies.set(`${num(r.col)}:${num(r.is_ref)}`, tally(r.vs.map((b, i) => [floatFromBits(b), num(r.ns[i] as number)] as const)));
  const none: Tally = { values: new Float64Array(0), atOrBelow: new Float64Array(0) };
  for (const { col, items } of plans) {
    const R = tallies.get(`${col.id}:1`) ?? none;
    const C = tallies.get(`${col.id}:0`) ?? none;
    const found = new Map<number, { cr: number; cc: number }>();
    const values = items.map((it) => {
      const e = lerp(atRank(R, it.posLo), atRank(R, it.posHi), it.t);
      if (!found.has(e)) found.set(e, { cr: it.belowRef + countAtOrBelow(R, e), cc: it.belowCur + countAtOrBelow(C, e) });
      return e;
    });
    const edges = uniqueEdges(values);
    const nRef = sumOf(col.cells.ref.n);
    const nCur = sumOf(col.cells.cur.n);
    const binsRef: number[] = [];
    const binsCur: number[] = [];
    let pr = 0;
    let pc = 0;
    for (const e of edges) {
      const f = found.get(e) as { cr: number; cc: number };
      binsRef.push(f.cr - pr);
      binsCur.push(f.cc - pc);
      pr = f.cr;
      pc = f.cc;
    }
    binsRef.push(nRef - pr);
    binsCur.push(nCur - pc);
    out.set(col.id, { edges, binsRef, binsCur });
  }
  return out;
}

/** Everything numericFeature (report/feature.ts) needs, per column id. */
export async function numericAggregates(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, NumericAggregates>> {
  const both = cols.filter((c) => c.nRef > 0 && c.nCur > 0);
  const largeCols = both.filter((c) => c.nRef + c.nCur > o.exactLimit && c.cells.ids.length >= 1);
  const large = new Set(largeCols.map((c) => c.id));
  const exactCols = both.filter((c) => !large.has(c.id));
  const exactP = exactWalk(
    store,
    exactCols.map((c) => ({ ref: c.branch('ref'), cur: c.branch('cur'), nRef: c.nRef, nCur: c.nCur })),
    { params: o.params, settings: DRIFT_SETTINGS, ...(o.signal ? { signal: o.signal } : {}) },
  );
  const [largeOf, dec, exactList] = await Promise.all([largeEcdf(store, largeCols, o), deciles(store, cols, o), exactP]);
  const exact = new Map(exactCols.map((c, k) => [c.id, exactList[k]]));

  const out = new Map<number, NumericAggregates>();
  for (const c of cols) {
    const d = dec.get(c.id);
    const e = d ? d.edges : null;
    const width = (e?.length ?? 0) + 1;
    const pad = (b: number[] | undefined): number[] => Array.from({ length: width }, (_, i) => b?.[i] ?? 0);
    const w = exact.get(c.id);
    const ecdf: EcdfAggregate | null = largeOf.get(c.id) ?? (w ? { dNumerator: w.dNumerator, wasserstein: w.wasserstein, method: 'exact' } : null);
    out.set(c.id, { edges: e, binsRef: pad(d?.binsRef), binsCur: pad(d?.binsCur), ecdf });
  }
  return out;
}
