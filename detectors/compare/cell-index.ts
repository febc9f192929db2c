// O(1) cell lookup for the grid of cells, so the engine needs no binary
// search per row (roundDown costs ~50 ns a row on random data). A monotone
// bucket function m (computed bit-identically here and in SQL) cuts the line
// into BUCKETS buckets; a table holds, per bucket b, the last grid point whose
// bucket is below b. The grid is thinned so that a bucket holds at most one
// grid point (bucket 0: the minimum and one more); a value's cell is then
// table[m(v)] or the next one, decided by one comparison.
// Two bucket functions are tried: linear in the value (good for data around
// zero) and linear in the order-preserving bit pattern (log-like, good for
// heavy tails). When both would thin the grid a lot, the cell falls back to a
// binary search (roundDown), which is exact for any grid.
import { floatBits, floatLiteral } from './sql.ts';

export const BUCKETS = 16_384;
/** Keep a bucket mapping only if it keeps at least this share of the grid. */
const MIN_KEPT = 0.9;

const TWO63 = 1n << 63n;
const MASK64 = (1n << 64n) - 1n;

/** Order-preserving unsigned key of a finite double (-0 and +0 share one). */
export function orderKey(x: number): bigint {
  const bits = BigInt(floatBits(x === 0 ? 0 : x));
  return bits >= TWO63 ? ~bits & MASK64 : bits + TWO63;
}

export type CellMapping = { kind: 'linear'; lo: number; scale: number } | { kind: 'key'; keyMin: bigint; width: bigint } | { kind: 'search' };

export interface CellIndex {
  /** The (possibly thinned) grid, ascending; grid[0] is the overall minimum. */
  grid: number[];
  mapping: CellMapping;
  /** Per bucket: index of the last grid point in an earlier bucket (0 if none). Empty for 'search'. */
  table: number[];
}

export function bucketOf(m: CellMapping, x: number, buckets = BUCKETS): number {
  if (m.kind === 'linear') return Math.min(Math.trunc(Math.max((x - m.lo) * m.scale, 0)), buckets - 1);
  if (m.kind === 'key') {
    const k = orderKey(x);
    return k < m.keyMin ? 0 : Math.min(Number((k - m.keyMin) / m.width), buckets - 1);
  }
  throw new Error('no buckets for a search mapping');
}

function thin(grid: readonly number[], m: CellMapping, buckets: number): { grid: number[]; table: number[] } {
  const kept: number[] = [grid[0] as number];
  const keptBuckets: number[] = [bucketOf(m, grid[0] as number, buckets)];
  let lastBucket = -1;
  for (let i = 1; i < grid.length; i++) {
    const b = bucketOf(m, grid[i] as number, buckets);
    if (b === lastBucket) {
      // The maximum must stay a grid point (no value lies beyond the last cell): it replaces its bucket's point.
      if (i === grid.length - 1 && kept.length > 1) kept[kept.length - 1] = grid[i] as number;
      continue;
    }
    lastBucket = b;
    kept.push(grid[i] as number);
    keptBuckets.push(b);
  }
  const table = new Array<number>(buckets);
  let j = 0;
  for (let b = 0; b < buckets; b++) {
    while (j + 1 < kept.length && (keptBuckets[j + 1] as number) < b) j++;
    table[b] = j;
  }
  return { grid: kept, table };
}

/** Build the lookup for an ascending grid of distinct finite values whose first point is the minimum of the data. */
export function buildCellIndex(sortedGrid: readonly number[], buckets = BUCKETS): CellIndex {
  if (sortedGrid.length === 0) throw new RangeError('empty grid');
  const lo = sortedGrid[0] as number;
  const hi = sortedGrid[sortedGrid.length - 1] as number;
  const candidates: CellMapping[] = [];
  const span = hi - lo;
  if (Number.isFinite(span) && span > 0 && Number.isFinite(buckets / span)) candidates.push({ kind: 'linear', lo, scale: buckets / span });
  const keyMin = orderKey(lo);
  candidates.push({ kind: 'key', keyMin, width: (orderKey(hi) - keyMin) / BigInt(buckets) + 1n });
  let best: CellIndex | null = null;
  for (const m of candidates) {
    const t = thin(sortedGrid, m, buckets);
    if (!best || t.grid.length > best.grid.length) best = { grid: t.grid, mapping: m, table: t.table };
  }
  if (best && best.grid.length >= MIN_KEPT * sortedGrid.length) return best;
  return { grid: [...sortedGrid], mapping: { kind: 'search' }, table: [] };
}

/** The cell (index of the last grid point <= x) by the same arithmetic the SQL does. */
export function cellOf(ix: CellIndex, x: number): number {
  if (ix.mapping.kind === 'search') {
    let lo = 0;
    let hi = ix.grid.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((ix.grid[mid] as number) <= x) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
  const j0 = ix.table[bucketOf(ix.mapping, x, ix.table.length)] as number;
  const next = ix.grid[j0 + 1];
  return next !== undefined && x >= next ? j0 + 1 : j0;
}

/**
 * SQL for the cell of Float64 expression `f`, given the constant arrays
 * `table` (Array(UInt16), 1-based) and `grid` (Array(Float64) with a trailing
 * +inf sentinel). Non-finite rows get some valid cell; callers filter them out.
 */
export function cellSql(f: string, ix: CellIndex, table: string, grid: string): string {
  const m = ix.mapping;
  if (m.kind === 'search') return `transform(roundDown(${f}, ${grid}), ${grid}, range(${ix.grid.length + 1}), 0)`;
  let bucket: string;
  if (m.kind === 'linear') {
    const scaled = `greatest((${f} - ${floatLiteral(m.lo)}) * ${floatLiteral(m.scale)}, 0)`;
    bucket = `if(isFinite(${f}), least(toUInt32(${scaled}), ${ix.table.length - 1}), 0)`;
  } else {
    const bits = `reinterpretAsUInt64(${f} + 0.)`;
    const key = `if(${bits} >= ${TWO63}, bitNot(${bits}), ${bits} + ${TWO63})`;
    bucket = `if(${key} < ${m.keyMin}, 0, least(intDiv(${key} - ${m.keyMin}, ${m.width}), ${ix.table.length - 1}))`;
  }
  const j0 = `${table}[${bucket} + 1]`;
  return `(${j0} + (${f} >= ${grid}[${j0} + 2]))`;
}

/** The lookup table as a parameter value (empty for 'search'; the engine wants a non-empty array). */
export function tableParam(ix: CellIndex): number[] {
  return ix.table.length > 0 ? ix.table : [0];
}
