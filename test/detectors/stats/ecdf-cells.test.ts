// The large-column ECDF statistics (stats/ecdf-cells.ts) with the engine's
// part done in memory the way compare's SQL does it (pieces cut into equal
// widths, summarised per sub-cell; small pieces walked value by value), held
// to the exact walk over every value.
import { describe, expect, it } from 'vitest';
import { ecdfDistances, mergeCounts } from '../../../detectors/stats/ecdf.ts';
import {
  areaBounds,
  cellsFromSamples,
  ecdfFromCells,
  MAX_DEPTH,
  Refinement,
  scanCells,
  SPLIT,
  W_TARGET,
  type CellInput,
  type OpenSub,
  type Piece,
  type SubSummary,
} from '../../../detectors/stats/ecdf-cells.ts';

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const normal = (r: () => number): number => Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());

function sample(n: number, seed: number, shift: number, round: boolean): Float64Array {
  const r = rng(seed);
  return Float64Array.from({ length: n }, () => {
    const v = 10 + 3 * (normal(r) + shift);
    return round ? Math.round(v * 4) / 4 : v;
  });
}

/** A grid like the engine builds: a thinned set of both samples' quantiles, plus min and max. */
function gridOf(a: Float64Array, b: Float64Array, points: number): number[] {
  const pick = (x: Float64Array): number[] => {
    const s = Float64Array.from(x).sort();
    return Array.from({ length: points }, (_, i) => s[Math.floor(((i + 0.5) / points) * s.length)] as number).concat([s[0] as number, s[s.length - 1] as number]);
  };
  return [...new Set([...pick(a), ...pick(b)])].sort((x, y) => x - y);
}

/** The engine's part, in memory: compare's pieces (ecdf.ts pieceExprs) and refine-sql.ts's summaries. */
class MemoryEngine {
  constructor(
    private readonly c: CellInput,
    private readonly ref: Float64Array,
    private readonly cur: Float64Array,
  ) {}

  /** Values strictly inside cell j, with their offset above the cell's start and their piece index at depth d. */
  private rows(p: Piece): Array<{ v: number; isRef: boolean; o: number; w: number }> {
    const g0 = this.c.grid[p.cell] as number;
    const g1 = this.c.grid[p.cell + 1] as number;
    const w = g1 - g0;
    const out: Array<{ v: number; isRef: boolean; o: number; w: number }> = [];
    for (const [xs, isRef] of [
      [this.ref, true],
      [this.cur, false],
    ] as const) {
      for (const v of xs) {
        if (!(v > g0 && v < g1)) continue;
        const o = v - g0;
        if (idxAt(o, w, p.depth) === p.idx) out.push({ v, isRef, o, w });
      }
    }
    return out;
  }

  split(p: Piece, n1: number, n2: number, dKnown: number): SubSummary {
    const rows = this.rows(p);
    const sw = (rows[0]?.w ?? 0) / SPLIT ** (p.depth + 1);
    const subs = new Map<number, { r: number; c: number; or: number; oc: number; mn: number; mx: number }>();
    for (const x of rows) {
      const child = idxAt(x.o, x.w, p.depth + 1);
      const sub = child - p.idx * SPLIT;
      const off = x.o - child * sw;
      const e = subs.get(sub) ?? { r: 0, c: 0, or: 0, oc: 0, mn: Infinity, mx: -Infinity };
      if (x.isRef) {
        e.r++;
        e.or += off;
      } else {
        e.c++;
        e.oc += off;
      }
      e.mn = Math.min(e.mn, off);
      e.mx = Math.max(e.mx, off);
      subs.set(sub, e);
    }
    const ks = [...subs.keys()].sort((a, b) => a - b);
    let s = p.start;
    let area = Math.abs(p.start) * (ks[0] ?? SPLIT) * sw;
    let kh = p.start;
    let kl = p.start;
    const items: Array<{ sub: number; sb: number; hb: number; lb: number; st: boolean; edge: number; mid: number; mw: number; n: number }> = [];
    ks.forEach((k, i) => {
      const e = subs.get(k)!;
      const sb = s;
      const sa = sb + e.r * n2 - e.c * n1;
      const single = e.mn === e.mx;
      const hb = single ? Math.max(sb, sa) : sb + e.r * n2;
      const lb = single ? Math.min(sb, sa) : sb - e.c * n1;
      const st = lb < 0 && hb > 0 && e.mn < e.mx;
      const integ = sb * sw + n2 * (e.r * sw - e.or) - n1 * (e.c * sw - e.oc);
      const edge = Math.abs(sb) * e.mn + Math.abs(sa) * (sw - e.mx);
      const mid = integ - sb * e.mn - sa * (sw - e.mx);
      if (!st) area += edge + Math.abs(mid);
      area += Math.abs(sa) * ((ks[i + 1] ?? SPLIT) - k - 1) * sw;
      kh = Math.max(kh, sa, sb);
      kl = Math.min(kl, sa, sb);
      items.push({ sub: k, sb, hb, lb, st, edge, mid, mw: e.mx - e.mn, n: e.r + e.c });
      s = sa;
    });
    const open: OpenSub[] = items
      .filter((x) => x.st || Math.max(x.hb, -x.lb) > Math.max(dKnown, kh, -kl))
      .map((x) => {
        const b = areaBounds(x.mid, x.mw, x.hb, x.lb);
        return { sub: x.sub, start: x.sb, hi: x.hb, lo: x.lb, lower: x.edge + b.lower, upper: x.edge + b.upper, n: x.n };
      });
    return { knownHi: kh, knownLo: kl, area, open };
  }

  /** The walk: one part per distinct value, so everything comes out exact and nothing stays open. */
  walk(p: Piece, n1: number, n2: number): SubSummary {
    const rows = this.rows(p);
    const g0 = this.c.grid[p.cell] as number;
    const w = (this.c.grid[p.cell + 1] as number) - g0;
    const lo = g0 + (p.idx * w) / SPLIT ** p.depth;
    const hi = p.idx === SPLIT ** p.depth - 1 ? g0 + w : g0 + ((p.idx + 1) * w) / SPLIT ** p.depth;
    const m = mergeCounts(
      rows.filter((x) => x.isRef).map((x) => x.v),
      rows.filter((x) => !x.isRef).map((x) => x.v),
    );
    let cs = 0;
    let hiS = 0;
    let loS = 0;
    let area = Math.abs(p.start) * ((m.values[0] as number) - lo);
    for (let i = 0; i < m.values.length; i++) {
      cs += (m.ref[i] as number) * n2 - (m.cur[i] as number) * n1;
      hiS = Math.max(hiS, cs);
      loS = Math.min(loS, cs);
      area += Math.abs(p.start + cs) * ((i + 1 < m.values.length ? (m.values[i + 1] as number) : hi) - (m.values[i] as number));
    }
    return { knownHi: p.start + hiS, knownLo: p.start + loS, area, open: [] };
  }
}

function idxAt(o: number, w: number, depth: number): number {
  if (depth === 0) return 0;
  const per = SPLIT ** depth;
  return w > 0 ? Math.min(Math.trunc(o / (w / per)), per - 1) : 0;
}

/** Every round of refinement, the engine's part done by MemoryEngine. */
function refineInMemory(c: CellInput, ref: Float64Array, cur: Float64Array, walkRows?: number): { state: Refinement; rounds: number; walked: number } {
  const scan = scanCells(c);
  const state = new Refinement(c, scan, walkRows);
  const engine = new MemoryEngine(c, ref, cur);
  let rounds = 0;
  let walked = 0;
  for (let depth = 0; depth <= MAX_DEPTH; depth++) {
    const plan = state.plan(depth, depth === MAX_DEPTH);
    if (plan.split.length + plan.walk.length === 0) break;
    rounds++;
    const known = state.dKnown;
    for (const p of plan.split) state.apply(p, engine.split(p, scan.n1, scan.n2, known));
    for (const p of plan.walk) {
      walked += p.n;
      state.apply(p, engine.walk(p, scan.n1, scan.n2));
    }
  }
  return { state, rounds, walked };
}

describe('ECDF statistics from grid cells', () => {
  for (const [label, shift, round] of [
    ['continuous, drifted', 0.2, false],
    ['continuous, same distribution', 0, false],
    ['heavy ties', 0.05, true],
  ] as const) {
    it(`refined: D exact, Wasserstein within a bound under the target, few values walked (${label})`, () => {
      const ref = sample(40000, 1, 0, round);
      const cur = sample(30000, 2, shift, round);
      const exact = ecdfDistances(mergeCounts(ref, cur));
      const cells = cellsFromSamples(ref, cur, gridOf(ref, cur, 200));
      const { state } = refineInMemory(cells, ref, cur);
      const got = state.result();
      expect(got.dNumerator).toBe(exact.dNumerator);
      expect(got.dErrorNumerator).toBe(0);
      const err = Math.abs(got.wasserstein - exact.wasserstein);
      expect(err).toBeLessThanOrEqual(got.wassersteinErrorBound + 1e-12 * exact.wasserstein);
      expect(got.wassersteinErrorBound).toBeLessThanOrEqual(W_TARGET * exact.wasserstein);
      // The bound is about the size of the error it bounds (the estimate is the middle of what is certain).
      if (got.wassersteinErrorBound > 1e-12 * exact.wasserstein) expect(got.wassersteinErrorBound).toBeLessThanOrEqual(10 * err);
      // Without the few-rows-left shortcut (WALK_ROWS, which walks this whole small column at once), the
      // splitting alone must leave few values to walk and still be exact for D.
      const split = refineInMemory(cells, ref, cur, 0);
      expect(split.state.result().dNumerator).toBe(exact.dNumerator);
      expect(split.state.result().wassersteinErrorBound).toBeLessThanOrEqual(W_TARGET * exact.wasserstein);
      expect(split.walked).toBeLessThan(0.2 * (ref.length + cur.length));
    });

    it(`stay within their error bounds without refinement (${label})`, () => {
      const ref = sample(50000, 3, 0, round);
      const cur = sample(40000, 4, shift, round);
      const exact = ecdfDistances(mergeCounts(ref, cur));
      const cells = cellsFromSamples(ref, cur, gridOf(ref, cur, 1000));
      const got = ecdfFromCells(cells, scanCells(cells));
      expect(got.dNumerator).toBeLessThanOrEqual(exact.dNumerator);
      expect(exact.dNumerator).toBeLessThanOrEqual(got.dNumerator + got.dErrorNumerator);
      expect(Math.abs(got.wasserstein - exact.wasserstein)).toBeLessThanOrEqual(got.wassersteinErrorBound + 1e-12);
    });
  }

  it('bounds the area of a piece where S changes sign, and is exact where it keeps one', () => {
    // S from +2 down to -2 across a width of 1: between |∫S| = 0 and w * max|S| = 2.
    expect(areaBounds(0, 1, 2, -2)).toEqual({ lower: 0, upper: 2 });
    // One sign: exact.
    expect(areaBounds(-3, 1, -1, -4)).toEqual({ lower: 3, upper: 3 });
    // ∫S = 1.5 with S >= -0.25: the negative part adds at most 2 * 1 * 0.25.
    expect(areaBounds(1.5, 1, 2, -0.25)).toEqual({ lower: 1.5, upper: 2 });
  });
});
