import { describe, expect, it } from 'vitest';
import { ecdfDistances, mergeCounts } from '../../../detectors/stats/ecdf.ts';
import { cellsFromSamples, chooseRefinement, ecdfFromCells, scanCells, type CellInput, type RefinedCell } from '../../../detectors/stats/ecdf-cells.ts';

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

/** What the database's refinement query returns for the chosen cells. */
function refine(c: CellInput, cells: number[], ref: Float64Array, cur: Float64Array): Map<number, RefinedCell> {
  const out = new Map<number, RefinedCell>();
  for (const j of cells) {
    const lo = c.grid[j] as number;
    const hi = c.grid[j + 1] as number;
    const m = mergeCounts(
      ref.filter((v) => v > lo && v < hi),
      cur.filter((v) => v > lo && v < hi),
    );
    out.set(j, m);
  }
  return out;
}

describe('ECDF statistics from grid cells', () => {
  for (const [label, shift, round] of [
    ['continuous, drifted', 0.2, false],
    ['continuous, same distribution', 0, false],
    ['heavy ties', 0.05, true],
  ] as const) {
    it(`are exact with every cell refined (${label})`, () => {
      const ref = sample(20000, 1, 0, round);
      const cur = sample(15000, 2, shift, round);
      const exact = ecdfDistances(mergeCounts(ref, cur));
      const cells = cellsFromSamples(ref, cur, gridOf(ref, cur, 200));
      const scan = scanCells(cells);
      expect(scan.n1).toBe(20000);
      expect(scan.n2).toBe(15000);
      const all = chooseRefinement(cells, scan, Infinity);
      const got = ecdfFromCells(cells, scan, refine(cells, all, ref, cur));
      expect(got.dNumerator).toBe(exact.dNumerator);
      expect(got.dErrorNumerator).toBe(0);
      expect(Math.abs(got.wasserstein - exact.wasserstein)).toBeLessThan(1e-9 * Math.max(1, exact.wasserstein));
      expect(got.wassersteinErrorBound).toBe(0);
    });

    it(`stay within their error bounds without refinement (${label})`, () => {
      const ref = sample(50000, 3, 0, round);
      const cur = sample(40000, 4, shift, round);
      const exact = ecdfDistances(mergeCounts(ref, cur));
      const cells = cellsFromSamples(ref, cur, gridOf(ref, cur, 1000));
      const scan = scanCells(cells);
      const got = ecdfFromCells(cells, scan, new Map());
      const nn = 50000 * 40000;
      expect(got.dNumerator).toBeLessThanOrEqual(exact.dNumerator);
      expect(exact.dNumerator).toBeLessThanOrEqual(got.dNumerator + got.dErrorNumerator);
      // the bound the contract asks for
      expect(got.dErrorNumerator / nn).toBeLessThanOrEqual(0.005);
      expect(Math.abs(got.wasserstein - exact.wasserstein)).toBeLessThanOrEqual(got.wassersteinErrorBound + 1e-12);
    });
  }

  it('refines the cells that can move D first, within the budget', () => {
    const ref = sample(20000, 5, 0, false);
    const cur = sample(20000, 6, 0.3, false);
    const cells = cellsFromSamples(ref, cur, gridOf(ref, cur, 100));
    const scan = scanCells(cells);
    const chosen = chooseRefinement(cells, scan, 2000);
    const rows = chosen.reduce((s, j) => s + (cells.ref.inner[j] as number) + (cells.cur.inner[j] as number), 0);
    expect(rows).toBeLessThanOrEqual(2000);
    const got = ecdfFromCells(cells, scan, refine(cells, chosen, ref, cur));
    const exact = ecdfDistances(mergeCounts(ref, cur));
    expect(got.dNumerator).toBeLessThanOrEqual(exact.dNumerator);
    expect(exact.dNumerator).toBeLessThanOrEqual(got.dNumerator + got.dErrorNumerator);
  });
});
