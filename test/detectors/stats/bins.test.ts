import { describe, expect, it } from 'vitest';
import { binCounts, binEdgesFromOrderStats, binEdgesSorted, binIndex, DECILE_LEVELS, edgeRanks, proportions, uniqueEdges } from '../../../detectors/stats/bins.ts';

describe('bins', () => {
  const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

  it('edges are the reference deciles', () => {
    expect(DECILE_LEVELS).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    const edges = binEdgesSorted(oneToTen);
    const want = [1.9, 2.8, 3.7, 4.6, 5.5, 6.4, 7.3, 8.2, 9.1];
    edges.forEach((e, i) => expect(e).toBeCloseTo(want[i] as number, 12));
  });

  it('removes duplicate edges', () => {
    // nine 1s and a 2: every decile is 1 except the 0.9 one, 1.1.
    const edges = binEdgesSorted([1, 1, 1, 1, 1, 1, 1, 1, 1, 2]);
    expect(edges).toHaveLength(2);
    expect(edges[0]).toBe(1);
    expect(edges[1]).toBeCloseTo(1.1, 12);
    expect(uniqueEdges([3, 1, 1, 2])).toEqual([1, 2, 3]);
    expect(binEdgesSorted([])).toEqual([]);
  });

  it('assigns edges[i-1] < v <= edges[i], open tails', () => {
    const edges = [1, 2, 3];
    expect(binIndex(edges, 0)).toBe(0);
    expect(binIndex(edges, 1)).toBe(0); // on an edge: the bin below
    expect(binIndex(edges, 1.5)).toBe(1);
    expect(binIndex(edges, 3)).toBe(2);
    expect(binIndex(edges, 3.0001)).toBe(3);
    expect(binIndex(edges, 1e300)).toBe(3);
    expect(binIndex([], 5)).toBe(0);
    expect(binCounts([0, 1, 1.5, 2, 3, 4], edges)).toEqual([2, 2, 1, 1]);
  });

  it('computes the same edges from order statistics fetched by rank', () => {
    const sorted = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];
    const ranks = edgeRanks(sorted.length);
    expect(ranks.every((r) => r >= 0 && r < sorted.length)).toBe(true);
    expect(binEdgesFromOrderStats(sorted.length, (r) => sorted[r] as number)).toEqual(binEdgesSorted(sorted));
  });

  it('proportions divide by the total', () => {
    expect(proportions([1, 3])).toEqual([0.25, 0.75]);
    expect(proportions([0, 0])).toEqual([0, 0]);
  });
});
