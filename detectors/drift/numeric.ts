// The numeric half of the drift detector, pushed down. Every numeric column
// (a feature, confidence, prediction_num) is a pair of branch queries, one per
// side, that select its finite values as `v`; branches read one contiguous
// range of feature_values (ordered by model, version, feature, ts).
//
// The grid is data-independent: a value's cell is the top 19 bits (sign,
// exponent, 7 mantissa bits) of an order-preserving remap of its IEEE bits
// (cellSql), so a cell spans a relative width of at most 1/128 and its lower
// bound is exactly representable. One pass per side (detector.ts, GROUP BY
// feature, cell; it doubles as the profile) gives every column's cells: count,
// values equal to the cell's lower bound, sum of values. From them:
//  1. deciles and bin counts (exact): the cells holding the order statistics
//     numpy's deciles read are known from the reference's cumulative counts;
//     one query sorts the reference values of just those cells, picks the
//     order statistics, interpolates the edges with numpy's lerp (checked
//     bit for bit in Node) and counts both sides at or below each edge;
//  2. small columns (n_ref + n_cur <= exactLimit): the exact ECDF walk over
//     the merged distinct values (window functions) for KS's D and Wasserstein;
//  3. large columns: D and Wasserstein from the cells (stats/ecdf-cells.ts);
//     only when a cell could still move D by more than D_ERROR_MAX are cells
//     refined (their distinct values read back), with the row budget spent on
//     the cells that matter most, so the bound always holds and is checked.
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import { SIDES, type Side } from '../operational/sides.ts';
import { uniqueEdges, DECILE_LEVELS } from '../stats/bins.ts';
import { arithmeticScale, cellsToRefine, ecdfFromCells, scanCells, type CellInput, type CellScan, type CellSide, type RefinedCell } from '../stats/ecdf-cells.ts';
import { lerp, quantilePlan } from '../stats/quantile.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { floatFromBits, floatLiteral, num } from '../compare/sql.ts';
import { CELL_KEY, exactWalk } from '../compare/ecdf.ts';
import { refineSummarySql, summaryOf, type RefineTarget, type SummaryRow } from '../compare/refine-sql.ts';

export { SIDES, type Side } from '../operational/sides.ts';
/** Engine settings of every drift query: correctly rounded float parsing. */
export const DRIFT_SETTINGS = { precise_float_parsing: 1 } as const;

/** Bits of the remapped value below the cell id. */
const CELL_SHIFT = 45;
/** Cell ids below this never hold a finite value; detector.ts uses 0-3 for kinds. */
export const FIRST_VALUE_CELL = 128;

/** Order-preserving UInt64 of a finite Float64 (-0 folded into +0): positives get the top bit, negatives are negated. */
export function keySql(v: string): string {
  const bits = `reinterpretAsUInt64(${v} + 0.)`;
  return `if(bitShiftRight(${bits}, 63) = 1, bitNot(${bits}) + 1, bitOr(${bits}, toUInt64(9223372036854775808)))`;
}
/** The cell (UInt32) of a finite Float64 expression. */
export function cellSql(v: string): string {
  return `toUInt32(bitShiftRight(${keySql(v)}, ${CELL_SHIFT}))`;
}
/**
 * A finite value's distance above its cell's lower bound, in units of the
 * cell's ulp (the low 45 bits of its key): summed per cell it gives the
 * offset sum exactly scaled, and no sum of values can overflow.
 */
export function cellOffsetSql(v: string): string {
  return `toFloat64(bitAnd(${keySql(v)}, ${2 ** CELL_SHIFT - 1}))`;
}

/**
 * The spacing of the doubles strictly inside a cell (above its lower bound): what cellOffsetSql counts in. Read
 * between the first two values inside, since the lowest cell's lower bound is -inf.
 */
export function cellUlp(cell: number): number {
  const k = BigInt(cell) << BigInt(CELL_SHIFT);
  return valueOfKey(k + 2n) - valueOfKey(k + 1n);
}

function valueOfKey(k: bigint): number {
  bitsView.setBigUint64(0, k >= TOP ? k - TOP : ((MASK ^ k) + 1n) & MASK);
  return bitsView.getFloat64(0);
}

/** True when a finite Float64 expression equals its cell's lower bound. */
export function atCellLowSql(v: string): string {
  return `bitAnd(${keySql(v)}, ${2 ** CELL_SHIFT - 1}) = 0`;
}

const bitsView = new DataView(new ArrayBuffer(8));
const TOP = 1n << 63n;
const MASK = (1n << 64n) - 1n;
/** The smallest value of a cell (its grid point). */
export function cellLow(cell: number): number {
  return valueOfKey(BigInt(cell) << BigInt(CELL_SHIFT));
}

/** One side's cells, aligned with ColumnCells.ids. */
export interface CellCounts {
  n: Float64Array;
  eq: Float64Array;
  /** Sum of the values' offsets above the cell's lower bound, in cell ulps (cellOffsetSql). */
  sum: Float64Array;
}

export interface ColumnCells {
  /** Ascending cell ids holding a value on either side. */
  ids: number[];
  ref: CellCounts;
  cur: CellCounts;
}

/** Cells of one column from per-side rows (cell, count, equal-to-lower-bound count, sum). */
export function columnCells(rows: { ref: Array<{ cell: number; c: number; e: number; s: number }>; cur: Array<{ cell: number; c: number; e: number; s: number }> }): ColumnCells {
  const ids = [...new Set([...rows.ref, ...rows.cur].map((r) => r.cell))].sort((a, b) => a - b);
  const at = new Map(ids.map((id, j) => [id, j]));
  const side = (rs: Array<{ cell: number; c: number; e: number; s: number }>): CellCounts => {
    const out = { n: new Float64Array(ids.length), eq: new Float64Array(ids.length), sum: new Float64Array(ids.length) };
    for (const r of rs) {
      const j = at.get(r.cell) as number;
      out.n[j] = r.c;
      out.eq[j] = r.e;
      out.sum[j] = r.s;
    }
    return out;
  };
  return { ids, ref: side(rows.ref), cur: side(rows.cur) };
}

export interface NumericColumn {
  /** Index used in generated SQL (col) and parameter names. */
  id: number;
  /** SQL selecting the column's finite values as `v` (Float64) on a side. */
  branch(side: Side): string;
  nRef: number;
  nCur: number;
  cells: ColumnCells;
}

export interface NumericAggregates {
  edges: number[] | null;
  binsRef: number[];
  binsCur: number[];
  ecdf: EcdfAggregate | null;
}

export interface NumericOptions {
  exactLimit: number;
  /** Walk the cells that matter exactly (default); off, large columns get D and Wasserstein from the cells with error bounds. */
  refine?: boolean;
  params: QueryParams;
  signal?: AbortSignal;
}

// One query covers every large column: its text grows with the columns, past the engine's default AST limit.
const run = <T>(store: Store, sql: string, o: NumericOptions, extra: QueryParams = {}): Promise<T[]> =>
  store.query<T>(sql, { params: { ...o.params, ...extra }, settings: { ...DRIFT_SETTINGS, max_ast_elements: 2_000_000, max_expanded_ast_elements: 2_000_000 }, ...(o.signal ? { signal: o.signal } : {}) });

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

/** The grid (lower bounds of the occupied cells, then the bound above the last), per-side cell aggregates and the arithmetic scale. */
function cellInput(c: ColumnCells): CellInput {
  const k = c.ids.length;
  const grid = new Float64Array(k + 1);
  for (let j = 0; j < k; j++) grid[j] = cellLow(c.ids[j] as number);
  const top = cellLow((c.ids[k - 1] as number) + 1);
  grid[k] = Number.isFinite(top) ? top : Number.MAX_VALUE;
  // The cell holding -MAX_VALUE starts at the key of -inf: its grid point becomes -MAX_VALUE, one cell ulp above
  // the key's value, so its values' offsets are one ulp less than the engine counted (and none equals -inf).
  const lowShift = grid[0] === -Infinity ? 1 : 0;
  if (lowShift) grid[0] = -Number.MAX_VALUE;
  const scale = arithmeticScale(grid[0] as number, grid[k] as number);
  const ulps = c.ids.map((id) => cellUlp(id) * scale);
  const side = (s: CellCounts): CellSide => {
    const eq = new Float64Array(k + 1);
    const inner = new Float64Array(k + 1);
    const off = new Float64Array(k + 1);
    for (let j = 0; j < k; j++) {
      const n = s.n[j] as number;
      const e = s.eq[j] as number;
      eq[j] = e;
      inner[j] = n - e;
      // Sum of (v - g_j) * scale over the inner values; values equal to g_j add nothing.
      off[j] = ((s.sum[j] as number) - (j === 0 ? lowShift * (n - e) : 0)) * (ulps[j] as number);
    }
    return { eq, inner, innerOffsetSum: off };
  };
  return { grid, ref: side(c.ref), cur: side(c.cur), scale };
}

/** The engine's exact walk inside the requested cells (grid indices) of large columns (compare/refine-sql.ts). */
async function refine(store: Store, reqs: ReadonlyArray<{ col: NumericColumn; cells: number[]; input: CellInput; scan: CellScan }>, o: NumericOptions): Promise<Map<number, Map<number, RefinedCell>>> {
  const out = new Map<number, Map<number, RefinedCell>>();
  for (const r of reqs) out.set(r.col.id, new Map());
  const active = reqs.filter((r) => r.cells.length > 0);
  if (active.length === 0) return out;
  const branches: string[] = [];
  const targets: RefineTarget[] = [];
  const extra: QueryParams = {};
  for (const { col, cells, input, scan } of active) {
    extra[`rc${col.id}`] = cells.map((j) => col.cells.ids[j] as number);
    for (const j of cells) {
      const s0 = (scan.atOrBelowRef[j] as number) * scan.n2 - (scan.atOrBelowCur[j] as number) * scan.n1;
      targets.push({ key: col.id * CELL_KEY + (col.cells.ids[j] as number), s0, g0: input.grid[j] as number, g1: input.grid[j + 1] as number, nRef: scan.n1, nCur: scan.n2, scale: input.scale ?? 1 });
    }
    for (const side of SIDES) {
      branches.push(
        `SELECT toUInt64(${col.id}) * ${CELL_KEY} + toUInt64(cell) AS key, v, toUInt8(${side === 'ref' ? 1 : 0}) AS is_ref FROM (
           SELECT v, ${cellSql('v')} AS cell FROM (${col.branch(side)}) WHERE NOT ${atCellLowSql('v')})
         WHERE has({rc${col.id}:Array(UInt32)}, cell)`,
      );
    }
  }
  const q = refineSummarySql(branches.join('\nUNION ALL\n'), targets);
  const rows = await run<SummaryRow>(store, q.sql, o, { ...q.params, ...extra });
  for (const { col } of active) {
    const m = out.get(col.id) as Map<number, RefinedCell>;
    const at = new Map(col.cells.ids.map((id, j) => [id, j]));
    for (const r of rows) {
      const key = num(r.key);
      if (Math.floor(key / CELL_KEY) !== col.id) continue;
      m.set(at.get(key % CELL_KEY) as number, summaryOf(r));
    }
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
  const decP = deciles(store, cols, o);

  // Large columns: every cell that could still change D or Wasserstein is walked exactly by the engine.
  const cellInputs = new Map(largeCols.map((c) => [c.id, cellInput(c.cells)]));
  const scans = new Map([...cellInputs].map(([id, ci]) => [id, scanCells(ci)]));
  const reqs = largeCols.map((c) => {
    const input = cellInputs.get(c.id)!;
    const scan = scans.get(c.id)!;
    return { col: c, cells: o.refine === false ? [] : cellsToRefine(input, scan), input, scan };
  });
  const [refined, dec, exactList] = await Promise.all([refine(store, reqs, o), decP, exactP]);
  const exact = new Map(exactCols.map((c, k) => [c.id, exactList[k]]));

  const out = new Map<number, NumericAggregates>();
  for (const c of cols) {
    const d = dec.get(c.id);
    const e = d ? d.edges : null;
    const width = (e?.length ?? 0) + 1;
    const pad = (b: number[] | undefined): number[] => Array.from({ length: width }, (_, i) => b?.[i] ?? 0);
    let ecdf: EcdfAggregate | null = null;
    if (large.has(c.id)) {
      const s = scans.get(c.id)!;
      const r = ecdfFromCells(cellInputs.get(c.id)!, s, refined.get(c.id) ?? new Map<number, RefinedCell>());
      ecdf = { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator };
    } else {
      const w = exact.get(c.id);
      if (w) ecdf = { dNumerator: w.dNumerator, wasserstein: w.wasserstein, method: 'exact' };
    }
    out.set(c.id, { edges: e, binsRef: pad(d?.binsRef), binsCur: pad(d?.binsCur), ecdf });
  }
  return out;
}
