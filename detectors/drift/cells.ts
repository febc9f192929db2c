// The drift detector's grid of cells, data-independent: a value's cell is
// the top 19 bits (sign, exponent, 7 mantissa bits) of an order-preserving
// remap of its IEEE bits (its key), so a cell spans a relative width of at
// most 1/128 and its lower bound is exactly representable. The pieces a cell
// splits into when refined (stats/ecdf-cells.ts) are the next bits of the key,
// log2(SPLIT) per depth, and a value's offset above its cell's (or piece's) start is the
// rest of the key, in units of the cell's ulp: exact integers, so no sum of
// offsets can overflow.
import { SPLIT, arithmeticScale, type CellInput, type CellSide } from '../stats/ecdf-cells.ts';

/** Bits of the remapped value below the cell id. */
const CELL_SHIFT = 42;
/** Cell ids below this never hold a finite value; detector.ts uses 0-3 for kinds. */
export const FIRST_VALUE_CELL = 2 ** (52 - CELL_SHIFT);

/** Order-preserving UInt64 of a finite Float64 (-0 folded into +0): positives get the top bit, negatives are negated. */
export function keySql(v: string): string {
  const bits = `reinterpretAsUInt64(${v} + 0.)`;
  return `if(bitShiftRight(${bits}, 63) = 1, bitNot(${bits}) + 1, bitOr(${bits}, toUInt64(9223372036854775808)))`;
}
/** The cell (UInt32) of a finite Float64 expression. */
export function cellSql(v: string): string {
  return cellOfKeySql(keySql(v));
}
/**
 * The cell (UInt32) of a key (keySql). Queries that need a value's cell and its offset compute the key once in a
 * subquery and take both from it: the planner copies an alias's whole expression into every use, and planning
 * the key spelled out a dozen times per column cost more than running the query.
 */
export function cellOfKeySql(k: string): string {
  return `toUInt32(bitShiftRight(${k}, ${CELL_SHIFT}))`;
}
/** A key's distance above its cell's lower bound in cell ulps (UInt64; 0 at the lower bound): cellOffsetBitsSql of a key. */
export function offsetOfKeySql(k: string): string {
  return `bitAnd(${k}, ${2 ** CELL_SHIFT - 1})`;
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
  return valueOfCellKey(cell, 2) - valueOfCellKey(cell, 1);
}

/**
 * valueOfKey of (cell << CELL_SHIFT) + low, low < 2^32, in 32-bit words: cellInput calls it for every cell of
 * every column (hundreds of thousands), where BigInt arithmetic costs more than the rest of the setup.
 */
function valueOfCellKey(cell: number, low: number): number {
  const high = cell * 2 ** (CELL_SHIFT - 32);
  if (high >= 2 ** 31) {
    bitsView.setUint32(0, high - 2 ** 31);
    bitsView.setUint32(4, low);
  } else if (low === 0) {
    // Negated (two's complement): the low word stays 0.
    bitsView.setUint32(0, (2 ** 32 - high) % 2 ** 32);
    bitsView.setUint32(4, 0);
  } else {
    bitsView.setUint32(0, 2 ** 32 - 1 - high);
    bitsView.setUint32(4, 2 ** 32 - low);
  }
  return bitsView.getFloat64(0);
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
  return valueOfCellKey(cell, 0);
}

/** One row of the profile pass: a cell of one column on one side (offsets in cell ulps, cellOffsetSql). */
export interface CellRow {
  cell: number;
  /** Values in the cell. */
  c: number;
  /** Values equal to the cell's lower bound. */
  e: number;
  /** Sum of the offsets of the values above it. */
  s: number;
  /** Lowest and highest offset of the values above it (any, when there are none). */
  mn: number;
  mx: number;
}

/** One side's cells, aligned with ColumnCells.ids. */
export interface CellCounts {
  n: Float64Array;
  eq: Float64Array;
  /** Sum of the values' offsets above the cell's lower bound, in cell ulps (cellOffsetSql). */
  sum: Float64Array;
  /** Lowest and highest of those offsets. */
  min: Float64Array;
  max: Float64Array;
}

export interface ColumnCells {
  /** Ascending cell ids holding a value on either side. */
  ids: number[];
  ref: CellCounts;
  cur: CellCounts;
}

/** Cells of one column from per-side rows (a typed-array sort: a column can have tens of thousands of cells). */
export function columnCells(rows: { ref: readonly CellRow[]; cur: readonly CellRow[] }): ColumnCells {
  // Cells are UInt32 (cellOfKeySql); a Uint32Array sorts several times faster than a Float64Array or an Array.
  const all = new Uint32Array(rows.ref.length + rows.cur.length);
  let i = 0;
  for (const r of rows.ref) all[i++] = r.cell;
  for (const r of rows.cur) all[i++] = r.cell;
  all.sort();
  let k = 0;
  for (let j = 0; j < all.length; j++) if (j === 0 || all[j] !== all[j - 1]) all[k++] = all[j] as number;
  const sorted = all.subarray(0, k);
  const ids = Array.from(sorted);
  const at = (cell: number): number => {
    let lo = 0;
    let hi = k - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((sorted[mid] as number) < cell) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const side = (rs: readonly CellRow[]): CellCounts => {
    const out = { n: new Float64Array(k), eq: new Float64Array(k), sum: new Float64Array(k), min: new Float64Array(k), max: new Float64Array(k) };
    for (const r of rs) {
      const j = at(r.cell);
      out.n[j] = r.c;
      out.eq[j] = r.e;
      out.sum[j] = r.s;
      out.min[j] = r.mn;
      out.max[j] = r.mx;
    }
    return out;
  };
  return { ids, ref: side(rows.ref), cur: side(rows.cur) };
}

/** A finite value's offset above its cell's start, in cell ulps (UInt64: the low bits of its key). */
export function cellOffsetBitsSql(v: string): string {
  return `bitAnd(${keySql(v)}, ${2 ** CELL_SHIFT - 1})`;
}

/** Bits of a cell offset below the index of a piece at `depth` (SPLIT^depth pieces per cell). */
export function pieceShift(depth: number): number {
  return CELL_SHIFT - depth * Math.log2(SPLIT);
}

/** The ends of piece `idx` at `depth` of a cell, as finite values (the lowest cell starts at -inf, the highest ends at +inf: clamped). */
export function pieceEnds(cell: number, depth: number, idx: number): { lo: number; hi: number } {
  const shift = BigInt(pieceShift(depth));
  const k = (BigInt(cell) << BigInt(CELL_SHIFT)) + (BigInt(idx) << shift);
  const clamp = (x: number): number => Math.min(Math.max(x, -Number.MAX_VALUE), Number.MAX_VALUE);
  return { lo: clamp(valueOfKey(k)), hi: clamp(valueOfKey(k + (1n << shift))) };
}

/** The grid (lower bounds of the occupied cells, then the bound above the last), per-side cell aggregates and the arithmetic scale. */
export function cellInput(c: ColumnCells): CellInput {
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
    const lo = new Float64Array(k + 1);
    const hi = new Float64Array(k + 1);
    for (let j = 0; j < k; j++) {
      const n = s.n[j] as number;
      const e = s.eq[j] as number;
      const shift = j === 0 ? lowShift : 0;
      eq[j] = e;
      inner[j] = n - e;
      // Sum of (v - g_j) * scale over the inner values; values equal to g_j add nothing.
      off[j] = ((s.sum[j] as number) - shift * (n - e)) * (ulps[j] as number);
      lo[j] = ((s.min[j] as number) - shift) * (ulps[j] as number);
      hi[j] = ((s.max[j] as number) - shift) * (ulps[j] as number);
    }
    return { eq, inner, innerOffsetSum: off, innerMin: lo, innerMax: hi };
  };
  return { grid, ref: side(c.ref), cur: side(c.cur), scale };
}

