// The O(1) cell lookup must put every value in the same cell as a binary
// search would, in Node and in the engine alike, for either bucket mapping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCellIndex, cellOf, cellSql, orderKey, type CellIndex } from '../../../detectors/compare/cell-index.ts';
import { cellIndexBindings, splitSlots } from '../../../detectors/compare/histograms.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';

function search(grid: readonly number[], x: number): number {
  let j = 0;
  for (let i = 0; i < grid.length; i++) if ((grid[i] as number) <= x) j = i;
  return j;
}

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const r = rng(7);
const DATASETS: Record<string, number[]> = {
  'integers around zero': Array.from({ length: 3000 }, () => Math.round((r() - 0.4) * 200)),
  'heavy tail': Array.from({ length: 3000 }, () => Math.exp(r() * 40 - 20)),
  'narrow range': Array.from({ length: 3000 }, () => 1000 + r() * 1e-9),
  'outlier far away': [...Array.from({ length: 3000 }, () => r()), 1e300, -1e300],
  'signed zeros and subnormals': [-0, 0, 5e-324, -5e-324, 1e-310, -1e-310, 1, -1, ...Array.from({ length: 500 }, () => (r() - 0.5) * 1e-300)],
};

function gridOf(values: number[], points: number): number[] {
  const s = [...values].sort((a, b) => a - b);
  const picks = Array.from({ length: points }, (_, i) => s[Math.floor((i / points) * s.length)] as number);
  return [...new Set([s[0] as number, ...picks, s[s.length - 1] as number].map((x) => (x === 0 ? 0 : x)))].sort((a, b) => a - b);
}

describe('order keys', () => {
  it('sort like the numbers they encode, with -0 and +0 equal', () => {
    const xs = [-Infinity, -1e300, -1, -5e-324, 0, 5e-324, 1, 1e300, Infinity];
    for (let i = 1; i < xs.length; i++) expect(orderKey(xs[i] as number) > orderKey(xs[i - 1] as number)).toBe(true);
    expect(orderKey(-0)).toBe(orderKey(0));
  });
});

describe('cell lookup in memory', () => {
  for (const [name, values] of Object.entries(DATASETS)) {
    it(`agrees with a linear search (${name})`, () => {
      const ix = buildCellIndex(gridOf(values, 400));
      for (const x of values) expect(cellOf(ix, x), `${x}`).toBe(search(ix.grid, x));
      for (const g of ix.grid) expect(cellOf(ix, g)).toBe(search(ix.grid, g));
    });
  }

  it('picks the linear mapping around zero, the key mapping for heavy tails, a search when neither fits', () => {
    expect(buildCellIndex(gridOf(DATASETS['integers around zero'] as number[], 400)).mapping.kind).toBe('linear');
    expect(buildCellIndex(gridOf(DATASETS['heavy tail'] as number[], 400)).mapping.kind).toBe('key');
    // dense in the middle and spread over every binade: no 16384 buckets keep 90% of 5000 points
    const hard = [...Array.from({ length: 2500 }, (_, i) => 1 + i * 1e-12), ...Array.from({ length: 2500 }, (_, i) => Math.exp(i / 3 - 400))];
    expect(buildCellIndex([...new Set(hard)].sort((a, b) => a - b)).mapping.kind).toBe('search');
  });
});

describe('cell lookup in the engine', () => {
  let store: Store;
  let cleanup: () => Promise<void>;
  beforeAll(async () => {
    ({ store, cleanup } = await openTestStore({ migrate: false }));
  });
  afterAll(async () => cleanup());

  async function engineCells(ix: CellIndex, values: number[]): Promise<number[]> {
    const params: Record<string, unknown> = { xs: values.map((x) => x.toString()) };
    const withs: string[] = [];
    cellIndexBindings(0, ix, params, withs);
    const rows = await store.query<{ c: number }>(
      `WITH ${withs.join(', ')} SELECT toUInt32(${cellSql('x', ix, 'T0', 'G0')}) AS c FROM (SELECT toFloat64(arrayJoin({xs:Array(String)})) AS x, rowNumberInAllBlocks() AS i) ORDER BY i`,
      { params, settings: { precise_float_parsing: 1 } },
    );
    return rows.map((row) => Number(row.c));
  }

  for (const [name, values] of Object.entries(DATASETS)) {
    it(`matches Node bit for bit (${name})`, async () => {
      const ix = buildCellIndex(gridOf(values, 400));
      const probe = [...values, ...ix.grid];
      expect(await engineCells(ix, probe)).toEqual(probe.map((x) => cellOf(ix, x)));
    });
  }

  it('matches with the search mapping too', async () => {
    const values = DATASETS['heavy tail'] as number[];
    const grid = gridOf(values, 400);
    const ix: CellIndex = { grid, mapping: { kind: 'search' }, table: [] };
    expect(await engineCells(ix, values)).toEqual(values.map((x) => search(grid, x)));
  });
});

describe('cell slots', () => {
  it('split into values equal to the grid point and values inside the cell', () => {
    const c = splitSlots(2, [4, 2, 0, 3], [0, 0.5, 0, 0.25], [0, 0.125, 0, 0.05], [0, 0.375, 0, 0.1]);
    expect(Array.from(c.eq)).toEqual([4, 0]);
    expect(Array.from(c.inner)).toEqual([2, 3]);
    expect(Array.from(c.innerOffsetSum)).toEqual([0.5, 0.25]);
    expect(Array.from(c.innerMin ?? [])).toEqual([0.125, 0.05]);
    expect(Array.from(c.innerMax ?? [])).toEqual([0.375, 0.1]);
  });
});
