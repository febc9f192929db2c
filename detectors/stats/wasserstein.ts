// First Wasserstein distance, as scipy.stats.wasserstein_distance(u, v): the
// area between the two empirical CDFs.
import { ecdfDistances, mergeCounts, type MergedCounts } from './ecdf.ts';

/** Wasserstein distance between two raw samples (no missing values). */
export function wasserstein(u: ArrayLike<number>, v: ArrayLike<number>): number {
  return ecdfDistances(mergeCounts(u, v)).wasserstein;
}

/** Wasserstein distance from merged distinct values with per-side counts (the database's shape). */
export function wassersteinFromMerged(m: MergedCounts): number {
  return ecdfDistances(m).wasserstein;
}
