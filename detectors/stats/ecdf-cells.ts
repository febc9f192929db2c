// KS's D and Wasserstein for samples too large to walk every distinct value,
// in up to three levels, each reading only what the one above left open.
// Notation: S(x) = a(x) n_cur - b(x) n_ref, with a, b the counts at or below x;
// D = max |S| / (n_ref n_cur) and Wasserstein = ∫|S| dx / (n_ref n_cur).
//
// Level 1, cells: the database cuts the line at grid points g_0 < ... < g_K-1
// and returns, per point and side, how many values equal g_j, how many lie
// strictly inside (g_j, g_j+1), and the sum of (v - g_j) over those. From
// these alone S is exact at every g_j and just before every g_j+1; inside a
// cell S stays within [S_j - inner_cur n_ref, S_j + inner_ref n_cur]; and ∫S
// over the cell is exact, so the cell's share of Wasserstein is exact wherever
// S keeps one sign there.
// Level 2, sub-cells: for the cells still open (one could hold a larger D;
// S may change sign inside), the engine splits each into SUB_CELLS sub-cells
// and does the same bookkeeping per sub-cell, returning per cell only the
// extremes, the exact part of the area, and the sub-cells still open
// (compare/refine-sql.ts subSummarySql).
// Level 3, exact walk: the sub-cells that could still hold a larger D, and as
// many sign-changing ones as it takes to bring Wasserstein's uncertainty under
// W_TARGET relative, are walked value by value (refineSummarySql).
// D comes out exact. Wasserstein is exact where walked; elsewhere each open
// piece's share is certain to lie in [lower, upper]; the estimate is the middle
// and the reported error bound the sum of the half-widths (minimax: a bound
// that holds, about as large as the error it bounds).

export interface CellSide {
  /** Values equal to g_j. */
  eq: ArrayLike<number>;
  /** Values strictly between g_j and g_j+1. */
  inner: ArrayLike<number>;
  /** Sum of (v - g_j) over the inner values (times the scale). */
  innerOffsetSum: ArrayLike<number>;
  /** Lowest and highest (v - g_j) over the inner values (times the scale); optional, they tighten the bounds. */
  innerMin?: ArrayLike<number>;
  innerMax?: ArrayLike<number>;
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

/** Sub-cells a piece splits into per round. */
export const SPLIT = 64;
/** Deepest split (SPLIT^MAX_DEPTH sub-cells per cell); what is still open there is walked. */
export const MAX_DEPTH = 2;
/** Pieces with at most this many values are walked value by value rather than split. */
export const WALK_MAX = 64;
/** A column's round walks every chosen piece when they hold at most this many values in all. */
export const WALK_ROWS = 200_000;
/** Wasserstein's error bound, relative to the distance, above which open pieces are refined (the contract allows 1e-3). */
export const W_TARGET = 9e-4;

/** The scale cell arithmetic runs at for values within [min, max]: 2^-64 when either is near the largest double. */
export function arithmeticScale(min: number, max: number): number {
  return Math.max(Math.abs(min), Math.abs(max)) >= 2 ** 960 ? 2 ** -64 : 1;
}

export interface CellScan {
  n1: number;
  n2: number;
  /** Reference / current counts at or below g_j. */
  atOrBelowRef: Float64Array;
  atOrBelowCur: Float64Array;
  /** max |S| over the points where both ECDFs are known exactly. */
  dKnownNumerator: number;
  /** Per cell: the largest |S| its interior could reach, and S's range there. */
  dBoundNumerator: Float64Array;
  hi: Float64Array;
  lo: Float64Array;
  /** Per cell: S may change sign inside (its share of Wasserstein is uncertain). */
  straddles: Uint8Array;
  /** Per cell: the bounds of its share of ∫|S| dx (numerator times scaled value units); equal when exact. */
  areaLower: Float64Array;
  areaUpper: Float64Array;
}

/**
 * Bounds of ∫|S| over a piece of width w where ∫S = integral and S stays in
 * [lo, hi]. When S keeps one sign the area is |integral|; otherwise
 * ∫|S| = |∫S| + 2 ∫(the part of the other sign), and that part is at most
 * w times its extreme.
 */
export function areaBounds(integral: number, w: number, hi: number, lo: number): { lower: number; upper: number } {
  const lower = Math.abs(integral);
  if (!(lo < 0 && hi > 0)) return { lower, upper: lower };
  const other = integral >= 0 ? -lo : hi;
  return { lower, upper: Math.max(lower, Math.min(w * Math.max(hi, -lo), lower + 2 * w * other)) };
}

/** Lowest and highest inner offset of cell j over both sides: [0, w] when the input does not say. */
function innerRange(c: CellInput, j: number, ir: number, ic: number, w: number): { mn: number; mx: number } {
  if (!c.ref.innerMin || !c.cur.innerMin || !c.ref.innerMax || !c.cur.innerMax || ir + ic === 0) return { mn: 0, mx: w };
  const mn = Math.min(ir > 0 ? (c.ref.innerMin[j] as number) : Infinity, ic > 0 ? (c.cur.innerMin[j] as number) : Infinity);
  const mx = Math.max(ir > 0 ? (c.ref.innerMax[j] as number) : -Infinity, ic > 0 ? (c.cur.innerMax[j] as number) : -Infinity);
  return { mn, mx };
}

/** The running numerator at S's start of cell j (after the values equal to g_j). */
export function cellStart(s: CellScan, j: number): number {
  return (s.atOrBelowRef[j] as number) * s.n2 - (s.atOrBelowCur[j] as number) * s.n1;
}

export function scanCells(c: CellInput): CellScan {
  const k = c.grid.length;
  const sc = c.scale ?? 1;
  let n1 = 0;
  let n2 = 0;
  for (let j = 0; j < k; j++) {
    n1 += (c.ref.eq[j] as number) + (c.ref.inner[j] as number);
    n2 += (c.cur.eq[j] as number) + (c.cur.inner[j] as number);
  }
  const A = new Float64Array(k);
  const B = new Float64Array(k);
  const bound = new Float64Array(k);
  const sHi = new Float64Array(k);
  const sLo = new Float64Array(k);
  const straddles = new Uint8Array(k);
  const lower = new Float64Array(k);
  const upper = new Float64Array(k);
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
    // Where the inner values lie: [mn, mx] above g_j (the whole cell when unknown). S is at before mn, end after mx.
    const w = j + 1 < k ? (c.grid[j + 1] as number) * sc - (c.grid[j] as number) * sc : 0;
    const { mn, mx } = innerRange(c, j, ir, ic, w);
    const single = ir + ic > 0 && mn === mx;
    const lo = single ? Math.min(at, end) : at - ic * n1;
    const hi = single ? Math.max(at, end) : at + ir * n2;
    bound[j] = Math.max(Math.abs(lo), Math.abs(hi));
    sHi[j] = hi;
    sLo[j] = lo;
    straddles[j] = lo < 0 && hi > 0 && mn < mx ? 1 : 0;
    if (j + 1 < k) {
      // ∫S over the cell: S_j over its width, plus n_cur (resp. -n_ref) from each inner value to the cell's end.
      const integral = at * w + n2 * (ir * w - (c.ref.innerOffsetSum[j] as number)) - n1 * (ic * w - (c.cur.innerOffsetSum[j] as number));
      const edge = Math.abs(at) * mn + Math.abs(end) * (w - mx);
      const ab = areaBounds(integral - at * mn - end * (w - mx), mx - mn, hi, lo);
      lower[j] = edge + ab.lower;
      upper[j] = edge + ab.upper;
    }
    a += ir;
    b += ic;
  }
  return { n1, n2, atOrBelowRef: A, atOrBelowCur: B, dKnownNumerator: known, dBoundNumerator: bound, hi: sHi, lo: sLo, straddles, areaLower: lower, areaUpper: upper };
}

/** An open sub-cell in the engine's answer for a piece: S at its start, S's range inside, its share of ∫|S| (bounds), its values. */
export interface OpenSub {
  sub: number;
  start: number;
  hi: number;
  lo: number;
  lower: number;
  upper: number;
  n: number;
}

/** The engine's cut of one piece (compare/refine-sql.ts pieceSummarySql; areas in numerator times scaled value units). */
export interface SubSummary {
  /** Extremes of S at the points where it is known exactly. */
  knownHi: number;
  knownLo: number;
  /** ∫|S| over the piece outside its open sub-cells where S changes sign (exact). */
  area: number;
  /** Sub-cells that change sign or could hold a larger D than known. */
  open: OpenSub[];
}

/**
 * A piece of the line still open: sub-cell `idx` (at depth `depth`, SPLIT^depth
 * of them per cell) of cell `cell`, with S at its start, S's range inside and
 * the bounds of its share of ∫|S|.
 */
export interface Piece {
  cell: number;
  depth: number;
  idx: number;
  start: number;
  hi: number;
  lo: number;
  lower: number;
  upper: number;
  /** Values inside. */
  n: number;
  /** S may change sign inside. */
  signChanges: boolean;
  /** Its share of ∫|S| (exact: S keeps one sign) is already in the total; it is open for D only. */
  counted: boolean;
}

const bound = (p: Piece): number => Math.max(p.hi, -p.lo);

/**
 * The refinement of one column, round by round: each round the engine splits
 * the chosen pieces of one depth into SPLIT sub-cells (or walks the small ones
 * value by value), and the pieces it leaves open make the next round.
 */
export class Refinement {
  private known: number;
  private area = 0;
  private open: Piece[] = [];

  constructor(
    private readonly c: CellInput,
    private readonly s: CellScan,
    /** Walk every chosen piece when they hold at most this many values in all (WALK_ROWS; tests pass 0 to see the splitting alone). */
    private readonly walkRows = WALK_ROWS,
  ) {
    this.known = s.dKnownNumerator;
    for (let j = 0; j + 1 < c.grid.length; j++) {
      const n = (c.ref.inner[j] as number) + (c.cur.inner[j] as number);
      const start = cellStart(s, j);
      const hi = s.hi[j] as number;
      const lo = s.lo[j] as number;
      const signChanges = s.straddles[j] === 1;
      const piece: Piece = { cell: j, depth: 0, idx: 0, start, hi, lo, lower: s.areaLower[j] as number, upper: s.areaUpper[j] as number, n, signChanges, counted: false };
      if (n > 0 && (signChanges || bound(piece) > this.known)) this.open.push(piece);
      else this.area += s.areaLower[j] as number;
    }
  }

  /** The largest |S| known so far. */
  get dKnown(): number {
    return this.known;
  }

  /** The pieces of `depth` to refine next: every one that could hold a larger D, and the widest until Wasserstein's bound is under W_TARGET. */
  plan(depth: number, walkAll: boolean): { split: Piece[]; walk: Piece[] } {
    const here = this.open.filter((p) => p.depth === depth);
    const d = here.filter((p) => bound(p) > this.known);
    const half = (p: Piece): number => (p.upper - p.lower) / 2;
    const uncounted = this.open.filter((p) => !p.counted);
    const lowerW = this.area + uncounted.reduce((t, p) => t + p.lower, 0);
    const total = uncounted.reduce((t, p) => t + half(p), 0);
    // Ask for a quarter of the target, so the next rounds have little left to do.
    const allowed = (W_TARGET * lowerW) / 4;
    const w: Piece[] = [];
    if (total > W_TARGET * lowerW) {
      let left = total;
      for (const p of here.filter((x) => !x.counted && bound(x) <= this.known && x.upper > x.lower).sort((x, y) => half(y) - half(x))) {
        if (left <= allowed) break;
        w.push(p);
        left -= half(p);
      }
    }
    const chosen = [...d, ...w];
    // Few values left in all: walk them and be done (a round costs a read of the column whatever it groups).
    const rows = chosen.reduce((t, p) => t + p.n, 0);
    const walk = chosen.filter((p) => walkAll || rows <= this.walkRows || p.n <= WALK_MAX);
    return { split: chosen.filter((p) => !walk.includes(p)), walk };
  }

  /** A piece cut by the engine (into sub-cells, or walked value by value): its exact part counted, its open sub-cells the next depth's pieces. */
  apply(p: Piece, m: SubSummary): void {
    this.drop(p);
    this.known = Math.max(this.known, Math.abs(m.knownHi), Math.abs(m.knownLo));
    // The engine's area covers the whole piece but its open sign-changing sub-cells.
    this.area += m.area - (p.counted ? p.lower : 0);
    for (const o of m.open) {
      const signChanges = o.lo < 0 && o.hi > 0;
      this.open.push({ cell: p.cell, depth: p.depth + 1, idx: p.idx * SPLIT + o.sub, start: o.start, hi: o.hi, lo: o.lo, lower: o.lower, upper: o.upper, n: o.n, signChanges, counted: !signChanges });
    }
  }

  private drop(p: Piece): void {
    const i = this.open.indexOf(p);
    if (i >= 0) this.open.splice(i, 1);
  }

  /** D and Wasserstein with what is left open as error bounds. */
  result(): CellEcdf {
    const { n1, n2 } = this.s;
    const sc = this.c.scale ?? 1;
    let area = this.area;
    let halfWidths = 0;
    let dError = 0;
    for (const p of this.open) {
      dError = Math.max(dError, bound(p) - this.known);
      if (p.counted) continue;
      area += (p.lower + p.upper) / 2;
      halfWidths += (p.upper - p.lower) / 2;
    }
    const unscale = (x: number): number => {
      const v = x / n1 / n2 / sc;
      return Number.isFinite(v) ? v : Number.MAX_VALUE;
    };
    return { dNumerator: this.known, dErrorNumerator: dError, wasserstein: unscale(area), wassersteinErrorBound: unscale(halfWidths) };
  }
}

export interface CellEcdf {
  dNumerator: number;
  /** How much larger D (in numerator units) could be, from pieces left open. */
  dErrorNumerator: number;
  wasserstein: number;
  wassersteinErrorBound: number;
}

/** D and Wasserstein from the cells alone (no refinement), with error bounds. */
export function ecdfFromCells(c: CellInput, s: CellScan): CellEcdf {
  return new Refinement(c, s).result();
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
