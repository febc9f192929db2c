// Bins shared by PSI and JS (docs/statistics.md "Bins"): numeric edges are the
// reference deciles with duplicates removed; a value v lands in bin i when
// edges[i-1] < v <= edges[i], with open tails, so there are edges+1 bins.
import { lerp, quantilePlan, quantileSorted } from './quantile.ts';

/** 0.1, 0.2, ..., 0.9 (as i/10, the nearest doubles). */
export const DECILE_LEVELS: readonly number[] = Object.freeze([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => i / 10));

/** Sorted, distinct edges from candidate quantiles (numpy.unique). */
export function uniqueEdges(candidates: readonly number[]): number[] {
  const sorted = [...candidates].sort((a, b) => a - b);
  const out: number[] = [];
  for (const e of sorted) if (out.length === 0 || out[out.length - 1] !== e) out.push(e);
  return out;
}

/** Bin edges from an ascending array of the reference's non-missing values. */
export function binEdgesSorted(sortedRef: ArrayLike<number>): number[] {
  if (sortedRef.length === 0) return [];
  return uniqueEdges(DECILE_LEVELS.map((q) => quantileSorted(sortedRef, q)));
}

/**
 * The order statistics (0-based ranks) the edges need for n reference values,
 * for callers that read them from the database instead of sorting in memory.
 */
export function edgeRanks(n: number): number[] {
  const ranks = new Set<number>();
  for (const q of DECILE_LEVELS) {
    const p = quantilePlan(n, q);
    ranks.add(p.lo);
    ranks.add(p.hi);
  }
  return [...ranks].sort((a, b) => a - b);
}

/** Edges from order statistics fetched by rank (see edgeRanks). */
export function binEdgesFromOrderStats(n: number, valueAtRank: (rank: number) => number): number[] {
  if (n === 0) return [];
  return uniqueEdges(
    DECILE_LEVELS.map((q) => {
      const p = quantilePlan(n, q);
      return lerp(valueAtRank(p.lo), valueAtRank(p.hi), p.t);
    }),
  );
}

/** Bin of v: the count of edges strictly below v (binary search). */
export function binIndex(edges: readonly number[], v: number): number {
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Counts per bin (length edges.length + 1). */
export function binCounts(values: Iterable<number>, edges: readonly number[]): number[] {
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const v of values) {
    const i = binIndex(edges, v);
    counts[i] = (counts[i] as number) + 1;
  }
  return counts;
}

/** Proportions (count / total); all zeros when the total is zero. */
export function proportions(counts: readonly number[]): number[] {
  let total = 0;
  for (const c of counts) total += c;
  return counts.map((c) => (total === 0 ? 0 : c / total));
}
