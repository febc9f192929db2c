// Two-sided two-sample Kolmogorov-Smirnov test as scipy.stats.ks_2samp with
// method='auto': exact p-value when max(n1, n2) <= 10000, else asymptotic
// (kstwo.sf(D, round(n1*n2/(n1+n2)))); an exact attempt that fails
// numerically falls back to asymptotic, as scipy does.
import { ecdfDistances, mergeCounts, type EcdfDistances, type MergedCounts } from './ecdf.ts';
import { gcd, ksExactTwoSided } from './ks-exact.ts';
import { kstwoSf } from './kolmogorov.ts';

export const KS_EXACT_MAX_N = 10_000;

export type KsMethod = 'exact' | 'asymp';

export interface KsResult {
  d: number;
  p_value: number;
  method: KsMethod;
}

/** numpy.round: halves go to the even neighbour. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Asymptotic two-sided p-value for statistic d and sample sizes n1, n2. */
export function ksAsymptoticP(d: number, n1: number, n2: number): number {
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  return kstwoSf(d, roundHalfEven((m * n) / (m + n)));
}

/**
 * The test from the integer numerator of D (see EcdfDistances.dNumerator):
 * D = dNumerator / (n1 n2), and the exact method's lattice step is
 * h = dNumerator / gcd(n1, n2).
 */
export function ksTestFromNumerator(dNumerator: number, n1: number, n2: number): KsResult {
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('ks test needs values on both sides');
  const d = dNumerator / n1 / n2;
  if (Math.max(n1, n2) <= KS_EXACT_MAX_N) {
    const g = gcd(n1, n2);
    const h = Math.round(dNumerator / g);
    // Far in the tail the exact recursion (O(n1 n2 D) for unequal sizes, ~1 s at 10000 x 9999) can only
    // return 0 or subnormal noise: the two-sample DKW bound 2 exp(-2 D^2 en), even with half its exponent
    // (a margin of e^700 over any known finite-sample constant), is below 1e-300 there.
    if (d * d * ((n1 * n2) / (n1 + n2)) > 700) return { d: h / ((n1 / g) * n2), p_value: 0, method: 'exact' };
    const exact = ksExactTwoSided(n1, n2, h);
    if (exact.ok) return { d: h / ((n1 / g) * n2), p_value: exact.p, method: 'exact' };
  }
  return { d, p_value: ksAsymptoticP(d, n1, n2), method: 'asymp' };
}

export function ksTestFromDistances(e: Pick<EcdfDistances, 'dNumerator' | 'n1' | 'n2'>): KsResult {
  return ksTestFromNumerator(e.dNumerator, e.n1, e.n2);
}

/** KS test from merged distinct values with per-side counts (the database's shape). */
export function ksTestFromMerged(m: MergedCounts): KsResult {
  return ksTestFromDistances(ecdfDistances(m));
}

/** KS test on two raw samples (no missing values). */
export function ksTest(ref: ArrayLike<number>, cur: ArrayLike<number>): KsResult {
  return ksTestFromMerged(mergeCounts(ref, cur));
}
