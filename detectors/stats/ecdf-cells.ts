// KS's D and Wasserstein for samples too large to walk every distinct value.
// The database cuts the line at a grid of points g_0 < ... < g_K-1 (sample
// quantiles of both sides plus both minima and maxima) and returns, per grid
// point j and side: how many values equal g_j, how many lie strictly inside
// (g_j, g_j+1), and the sum of (v - g_j) over those. From these alone:
//  - both ECDFs are exact at every g_j and just before every g_j+1, so D over
//    those points is exact, and the cell's mass bounds how much higher the
//    difference can get inside it;
//  - the integral of F_ref - F_cur over a cell is exact, so the cell's share
//    of Wasserstein is exact wherever the difference keeps one sign there.
// Cells that could still matter (a possibly larger D inside; a sign change for
// Wasserstein) are refined: the database returns their distinct values with
// counts, and the walk inside them is exact. What is left unrefined within the
// row budget is reported as an error bound (D's is at most the largest cell
// mass, typically ~0.001; the contract allows 0.005).

export interface CellSide {
  /** Values equal to g_j. */
  eq: ArrayLike<number>;
  /** Values strictly between g_j and g_j+1. */
  inner: ArrayLike<number>;
  /** Sum of (v - g_j) over the inner values. */
  innerOffsetSum: ArrayLike<number>;
}

export interface CellInput {
  grid: ArrayLike<number>;
  ref: CellSide;
  cur: CellSide;
  /**
   * A power of two the arithmetic runs at (innerOffsetSum is already
   * multiplied by it): 1, or 2^-64 for columns with values near the largest
   * double, so no difference, sum or product of values can overflow.
   */
  scale?: number;
}

/** The scale cell arithmetic runs at for values within [min, max]: 2^-64 when either is near the largest double. */
export function arithmeticScale(min: number, max: number): number {
  return Math.max(Math.abs(min), Math.abs(max)) >= 2 ** 960 ? 2 ** -64 : 1;
}

/** Every cell that could still change D (its bound above the known D) or Wasserstein (the difference may change sign inside). */
export function cellsToRefine(c: CellInput, s: CellScan): number[] {
  const out: number[] = [];
  for (let j = 0; j + 1 < c.grid.length; j++) {
    if ((c.ref.inner[j] as number) + (c.cur.inner[j] as number) === 0) continue;
    if ((s.dBoundNumerator[j] as number) > s.dKnownNumerator || s.straddles[j]) out.push(j);
  }
  return out;
}

export interface CellScan {
  n1: number;
  n2: number;
  /** Reference / current counts at or below g_j. */
  atOrBelowRef: Float64Array;
  atOrBelowCur: Float64Array;
  /** max |a n2 - b n1| over the points where both ECDFs are known exactly. */
  dKnownNumerator: number;
  /** Per cell: the largest |a n2 - b n1| its interior could reach. */
  dBoundNumerator: Float64Array;
  /** Per cell: the difference may change sign inside (Wasserstein inexact there). */
  straddles: Uint8Array;
}

export function scanCells(c: CellInput): CellScan {
  const k = c.grid.length;
  let n1 = 0;
  let n2 = 0;
  for (let j = 0; j < k; j++) {
    n1 += (c.ref.eq[j] as number) + (c.ref.inner[j] as number);
    n2 += (c.cur.eq[j] as number) + (c.cur.inner[j] as number);
  }
  const A = new Float64Array(k);
  const B = new Float64Array(k);
  const bound = new Float64Array(k);
  const straddles = new Uint8Array(k);
  let a = 0;
  let b = 0;
  let known = 0;
  for (let j = 0; j < k; j++) {
    a += c.ref.eq[j] as number;
    b += c.cur.eq[j] as number;
    A[j] = a;
    B[j] = b;
    const at = a * n2 - b * n1;
    const ir = c.ref.inner[j] as number;
    const ic = c.cur.inner[j] as number;
    // Just before g_j+1, after every inner value: also exact.
    const end = (a + ir) * n2 - (b + ic) * n1;
    known = Math.max(known, Math.abs(at), Math.abs(end));
    const lo = at - ic * n1;
    const hi = at + ir * n2;
    bound[j] = Math.max(Math.abs(lo), Math.abs(hi));
    straddles[j] = lo < 0 && hi > 0 ? 1 : 0;
    a += ir;
    b += ic;
  }
  return { n1, n2, atOrBelowRef: A, atOrBelowCur: B, dKnownNumerator: known, dBoundNumerator: bound, straddles };
}

/**
 * A refined cell: either its distinct values (strictly between g_j and
 * g_j+1, ascending, with per-side counts), or the engine's summary of the
 * exact walk through them (RefinedSummary).
 */
export type RefinedCell = { values: ArrayLike<number>; ref: ArrayLike<number>; cur: ArrayLike<number> } | RefinedSummary;

/** The exact walk through a cell's inner values, done by the engine (compare/refine-sql.ts). */
export interface RefinedSummary {
  /** Highest and lowest running sum of (+n_cur per reference value, -n_ref per current value) inside the cell, from 0 at its start. */
  hi: number;
  lo: number;
  /** Σ |S| Δv * scale over the cell (S the running numerator a n_cur - b n_ref), from g_j to g_j+1. */
  area: number;
}

/**
 * Which cells to refine within a budget of inner values (rows) to read:
 * first those that could hold a larger D, by how much larger, then those where
 * Wasserstein is uncertain, by how uncertain.
 */
export function chooseRefinement(c: CellInput, s: CellScan, budgetRows: number): number[] {
  const k = c.grid.length;
  const rows = (j: number): number => (c.ref.inner[j] as number) + (c.cur.inner[j] as number);
  const dCells: number[] = [];
  const wCells: number[] = [];
  for (let j = 0; j + 1 < k; j++) {
    if (rows(j) === 0) continue;
    if ((s.dBoundNumerator[j] as number) > s.dKnownNumerator) dCells.push(j);
    else if (s.straddles[j]) wCells.push(j);
  }
  dCells.sort((x, y) => (s.dBoundNumerator[y] as number) - (s.dBoundNumerator[x] as number));
  const width = (j: number): number => (c.grid[j + 1] as number) - (c.grid[j] as number);
  wCells.sort((x, y) => width(y) * (s.dBoundNumerator[y] as number) - width(x) * (s.dBoundNumerator[x] as number));
  const chosen: number[] = [];
  let left = budgetRows;
  for (const j of [...dCells, ...wCells]) {
    if (rows(j) > left) continue;
    chosen.push(j);
    left -= rows(j);
  }
  return chosen.sort((x, y) => x - y);
}

export interface CellEcdf {
  dNumerator: number;
  /** How much larger D (in numerator units) could be, from cells left unrefined. */
  dErrorNumerator: number;
  wasserstein: number;
  wassersteinErrorBound: number;
}

/** D and Wasserstein from the cells, exact inside the refined ones. */
export function ecdfFromCells(c: CellInput, s: CellScan, refined: ReadonlyMap<number, RefinedCell>): CellEcdf {
  const { n1, n2 } = s;
  const k = c.grid.length;
  const sc = c.scale ?? 1;
  let d = s.dKnownNumerator;
  // Areas in scaled units (fractions of F times scaled value gaps): nothing here can overflow.
  let area = 0;
  let areaError = 0;
  const unrefinedBounds: number[] = [];
  for (let j = 0; j + 1 < k; j++) {
    const g0 = (c.grid[j] as number) * sc;
    const g1 = (c.grid[j + 1] as number) * sc;
    const w = g1 - g0;
    const a0 = s.atOrBelowRef[j] as number;
    const b0 = s.atOrBelowCur[j] as number;
    const r = refined.get(j);
    if (r && 'area' in r) {
      const s0 = a0 * n2 - b0 * n1;
      d = Math.max(d, Math.abs(s0 + r.hi), Math.abs(s0 + r.lo));
      area += r.area / n1 / n2;
      continue;
    }
    if (r) {
      // Exact walk through the cell's distinct values.
      let a = a0;
      let b = b0;
      let x = g0;
      for (let i = 0; i < r.values.length; i++) {
        const v = (r.values[i] as number) * sc;
        area += Math.abs(a / n1 - b / n2) * (v - x);
        a += r.ref[i] as number;
        b += r.cur[i] as number;
        d = Math.max(d, Math.abs(a * n2 - b * n1));
        x = v;
      }
      area += Math.abs(a / n1 - b / n2) * (g1 - x);
      continue;
    }
    if ((s.dBoundNumerator[j] as number) > s.dKnownNumerator) unrefinedBounds.push(s.dBoundNumerator[j] as number);
    const ir = c.ref.inner[j] as number;
    const ic = c.cur.inner[j] as number;
    // Integral over the cell of each ECDF: (a0 w + inner w - sum(v - g0)) / n.
    const integral = (a0 * w + ir * w - (c.ref.innerOffsetSum[j] as number)) / n1 - (b0 * w + ic * w - (c.cur.innerOffsetSum[j] as number)) / n2;
    if (!s.straddles[j]) {
      area += Math.abs(integral);
      continue;
    }
    // Sign may change inside: the truth lies between |integral| and w * max|diff|.
    const lower = Math.abs(integral);
    const upper = (w * (s.dBoundNumerator[j] as number)) / n1 / n2;
    const start = a0 / n1 - b0 / n2;
    const end = (a0 + ir) / n1 - (b0 + ic) / n2;
    // Estimate with both ECDFs linear across the cell.
    const linear = start * end >= 0 ? (w * Math.abs(start + end)) / 2 : (w * (start * start + end * end)) / (2 * Math.abs(end - start));
    const est = Math.min(upper, Math.max(lower, linear));
    area += est;
    areaError += Math.max(est - lower, upper - est);
  }
  let dError = 0;
  for (const bnd of unrefinedBounds) dError = Math.max(dError, bnd - d);
  const unscale = (x: number): number => {
    const v = x / sc;
    return Number.isFinite(v) ? v : Number.MAX_VALUE;
  };
  return { dNumerator: d, dErrorNumerator: dError, wasserstein: unscale(area), wassersteinErrorBound: unscale(areaError) };
}

/** Cell aggregates computed in memory (tests, and the reference the SQL is held to). */
export function cellsFromSamples(ref: ArrayLike<number>, cur: ArrayLike<number>, grid: ArrayLike<number>): CellInput {
  const k = grid.length;
  const side = (xs: ArrayLike<number>): CellSide => {
    const eq = new Float64Array(k);
    const inner = new Float64Array(k);
    const off = new Float64Array(k);
    for (let i = 0; i < xs.length; i++) {
      const v = xs[i] as number;
      // largest j with grid[j] <= v (values below the grid would be a caller error)
      let lo = 0;
      let hi = k - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if ((grid[mid] as number) <= v) lo = mid;
        else hi = mid - 1;
      }
      if (v === grid[lo]) eq[lo] = (eq[lo] as number) + 1;
      else {
        inner[lo] = (inner[lo] as number) + 1;
        off[lo] = (off[lo] as number) + (v - (grid[lo] as number));
      }
    }
    return { eq, inner, innerOffsetSum: off };
  };
  return { grid, ref: side(ref), cur: side(cur) };
}
