// From the sufficient statistics the engine returns per side (counts, sums,
// means and variances, a few quantiles) to an estimate of the effect and its
// sampling variance: the input of the confidence sequence. Baseline is side
// a, candidate side b; every effect is "b minus a" on its own scale.

export interface Estimate {
  estimate: number;
  variance: number;
  /** The observation count the sequence advances with (the candidate's). */
  n: number;
}

export interface MeanSide {
  n: number;
  mean: number;
  /** Sample variance of one observation. */
  variance: number;
}

export interface CountSide {
  n: number;
  /** How many of the n have the property (errors, correct predictions, a bin). */
  x: number;
}

/**
 * The share with one success and one failure added (x + 1) / (n + 2): a side
 * that saw no errors yet still has a variance, so a handful of requests can
 * never look like certainty.
 */
export function smoothedShare(s: CountSide): number {
  return (s.x + 1) / (s.n + 2);
}

/** rate(b) − rate(a), variance p(1−p)/n per side (unpooled, smoothed shares). */
export function differenceOfProportions(a: CountSide, b: CountSide): Estimate {
  const pa = smoothedShare(a);
  const pb = smoothedShare(b);
  return {
    estimate: (b.n > 0 ? b.x / b.n : 0) - (a.n > 0 ? a.x / a.n : 0),
    variance: (pa * (1 - pa)) / Math.max(a.n, 1) + (pb * (1 - pb)) / Math.max(b.n, 1),
    n: b.n,
  };
}

/** mean(b) − mean(a), Welch's variance. */
export function differenceOfMeans(a: MeanSide, b: MeanSide): Estimate {
  return { estimate: b.mean - a.mean, variance: a.variance / Math.max(a.n, 1) + b.variance / Math.max(b.n, 1), n: b.n };
}

/** One share against nothing: x / n with variance p(1−p)/n (shadow disagreement). */
export function proportion(s: CountSide): Estimate {
  const p = smoothedShare(s);
  return { estimate: s.n > 0 ? s.x / s.n : 0, variance: (p * (1 - p)) / Math.max(s.n, 1), n: s.n };
}

/** log(mean(b) / mean(a)) by the delta method (MAE ratio of regressors). */
export function logRatioOfMeans(a: MeanSide, b: MeanSide): Estimate | null {
  if (!(a.mean > 0 && b.mean > 0)) return null;
  return {
    estimate: Math.log(b.mean / a.mean),
    variance: a.variance / (Math.max(a.n, 1) * a.mean ** 2) + b.variance / (Math.max(b.n, 1) * b.mean ** 2),
    n: b.n,
  };
}

// ------------------------------------------------------------ quantiles

/** Φ⁻¹(0.95) and Φ⁻¹(0.975): the p95 and the 95% band of the bandwidth rule. */
const Z95 = 1.6448536269514722;
const Z975 = 1.959963984540054;
export const P95 = 0.95;

/**
 * Hall and Sheather's bandwidth for the sparsity 1/f(q_p) at p = 0.95 with n
 * values: h = n^(−1/3) · z_0.975^(2/3) · (1.5 φ(z_p)² / (2 z_p² + 1))^(1/3),
 * kept inside [0.002, 0.045] so p ± h stays a tail level.
 */
export function p95Bandwidth(n: number): number {
  const phi = Math.exp(-(Z95 * Z95) / 2) / Math.sqrt(2 * Math.PI);
  const h = Math.pow(Math.max(n, 1), -1 / 3) * Math.pow(Z975, 2 / 3) * Math.pow((1.5 * phi * phi) / (2 * Z95 * Z95 + 1), 1 / 3);
  return Math.min(0.045, Math.max(0.002, h));
}

/** A side's p95 with the quantiles at 0.95 ± h that estimate its sparsity. */
export interface QuantileSide {
  n: number;
  h: number;
  lower: number;
  q: number;
  upper: number;
}

/**
 * Variance of a sample p95: p(1−p) / (n f(q)²), with the sparsity 1/f(q)
 * estimated as (q_{p+h} − q_{p−h}) / 2h (Siddiqui; Bloch and Gastwirth). The
 * band is floored at a millionth of q so tied values (latencies rounded to
 * whole milliseconds) cannot claim zero variance.
 */
export function quantileVariance(s: QuantileSide): number {
  const spread = Math.max(s.upper - s.lower, Math.abs(s.q) * 1e-6);
  const sparsity = spread / (2 * s.h);
  return (P95 * (1 - P95) * sparsity * sparsity) / Math.max(s.n, 1);
}

/**
 * log(p95(b) / p95(a)). A sample quantile is asymptotically normal and, by
 * Bahadur's representation, a sum of independent terms, so its path over
 * the looks behaves like the means the mixture boundary was built for.
 */
export function logQuantileRatio(a: QuantileSide, b: QuantileSide): Estimate | null {
  if (!(a.q > 0 && b.q > 0)) return null;
  return { estimate: Math.log(b.q / a.q), variance: quantileVariance(a) / a.q ** 2 + quantileVariance(b) / b.q ** 2, n: b.n };
}
