// Quantiles with numpy's default method ('linear', Hyndman & Fan type 7):
// virtual index (n-1)*q, then numpy's two-sided lerp. The database path
// fetches only the two order statistics around each virtual index, so the
// plan (which ranks, which weight) is separate from the interpolation.

export interface QuantilePlan {
  /** 0-based rank of the lower order statistic. */
  lo: number;
  /** 0-based rank of the upper order statistic (equal to lo at the ends). */
  hi: number;
  /** Interpolation weight toward `hi`. */
  t: number;
}

/** Which order statistics numpy.quantile(method='linear') reads for q on n values. */
export function quantilePlan(n: number, q: number): QuantilePlan {
  if (!(n >= 1)) throw new RangeError(`quantile of ${n} values`);
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level ${q} outside [0, 1]`);
  const virtual = (n - 1) * q;
  const lo = Math.floor(virtual);
  if (virtual >= n - 1) return { lo: n - 1, hi: n - 1, t: 0 };
  return { lo, hi: lo + 1, t: virtual - lo };
}

/**
 * numpy's _lerp: computed from b when t >= 0.5, which keeps the result
 * monotone and exact at t = 1. When b - a overflows (values of both signs
 * near the largest double) the same formula runs at half scale and is
 * doubled, where numpy would return inf (docs/statistics.md "Bins").
 */
export function lerp(a: number, b: number, t: number): number {
  const diff = b - a;
  if (!Number.isFinite(diff)) return 2 * lerp(a / 2, b / 2, t);
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

/** numpy.quantile(sorted, q) for an ascending array. */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const plan = quantilePlan(sorted.length, q);
  return lerp(sorted[plan.lo] as number, sorted[plan.hi] as number, plan.t);
}

/** numpy.quantile(values, qs) for any order of values (copies and sorts). */
export function quantiles(values: ArrayLike<number>, qs: readonly number[]): number[] {
  const sorted = Float64Array.from(values).sort();
  return qs.map((q) => quantileSorted(sorted, q));
}
