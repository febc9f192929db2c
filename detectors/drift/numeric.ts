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
import { floatFromBits, floatLiteral, num } from '../compare/sql.ts';
import { exactWalk } from '../compare/ecdf.ts';
import { cellSql } from './cells.ts';
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

/** Exact decile edges of the reference and both sides' bin counts, one query for all columns. */
async function deciles(store: Store, cols: readonly NumericColumn[], o: NumericOptions): Promise<Map<number, DecileResult>> {
  const out = new Map<number, DecileResult>();
  const plans = cols.filter((c) => c.nRef > 0).map(decilePlan);
  if (plans.length === 0) return out;
  const bits = (x: string) => `toString(reinterpretAsUInt64(${x}))`;
  const branches = plans.map(({ col, cells, items }) => {
    const set = cells.map((j) => col.cells.ids[j]).join(', ');
    const per = items.map((it, i) => {
      const a = `R[${it.posLo + 1}]`;
      const b = `R[${it.posHi + 1}]`;
      // numpy's lerp (stats/quantile.ts), at half scale when b - a overflows.
      const lerpSql = (x: string, y: string): string => (it.t >= 0.5 ? `(${y} - (${y} - ${x}) * ${floatLiteral(1 - it.t)})` : `(${x} + (${y} - ${x}) * ${floatLiteral(it.t)})`);
      const e = `if(isFinite(${b} - ${a}), ${lerpSql(a, b)}, 2 * ${lerpSql(`(${a} * 0.5)`, `(${b} * 0.5)`)})`;
      return { a, b, e: `e${i}`, def: `${e} AS e${i}` };
    });
    const sides = SIDES.filter((s) => (s === 'ref' ? col.nRef : col.nCur) > 0)
      .map((s) => `SELECT v, toUInt8(${s === 'ref' ? 1 : 0}) AS is_ref FROM (${col.branch(s)}) WHERE ${cellSql('v')} IN (${set})`)
      .join('\nUNION ALL\n');
    return `SELECT toUInt32(${col.id}) AS col, toFloat64(length(R)) AS nr,
        [${per.map((p) => bits(p.a)).join(', ')}] AS a, [${per.map((p) => bits(p.b)).join(', ')}] AS b, [${per.map((p) => bits(p.e)).join(', ')}] AS e,
        [${per.map((p) => `toFloat64(arrayCount(x -> x <= ${p.e}, R))`).join(', ')}] AS cr, [${per.map((p) => `toFloat64(arrayCount(x -> x <= ${p.e}, C))`).join(', ')}] AS cc
      FROM (SELECT *, ${per.map((p) => p.def).join(', ')} FROM (SELECT arraySort(groupArrayIf(v, is_ref = 1)) AS R, groupArrayIf(v, is_ref = 0) AS C FROM (${sides})))`;
  });
  const rows = await run<{ col: number; nr: number; a: string[]; b: string[]; e: string[]; cr: number[]; cc: number[] }>(store, branches.join('\nUNION ALL\n'), o);
  for (const r of rows) {
    const id = num(r.col);
    const plan = plans.find((p) => p.col.id === id) as DecilePlan;
    const { col, items } = plan;
    const found = new Map<number, { cr: number; cc: number }>();
    const values = items.map((it, i) => {
      const a = floatFromBits(r.a[i] as string);
      const b = floatFromBits(r.b[i] as string);
      const e = floatFromBits(r.e[i] as string);
      const want = lerp(a, b, it.t);
      // (Late rows landing between the cell pass and this query could shift ranks by a few; the contract is held for the rows counted.)
      if (!Object.is(want, e) && !(want === 0 && e === 0)) throw new Error(`drift: decile ${i} of column ${id}: engine interpolation ${e} differs from numpy's ${want}`);
      if (!found.has(want)) found.set(want, { cr: it.belowRef + num(r.cr[i] as number), cc: it.belowCur + num(r.cc[i] as number) });
      return want;
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
    out.set(id, { edges, binsRef, binsCur });
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
