// Confidence sequences that stay valid however often they are looked at.
//
// Every gate check reduces to an estimate θ̂ of an effect θ (a difference of
// rates or means, a log ratio of quantiles, a share) whose sampling variance
// V shrinks like 1/n. A fixed-sample interval θ̂ ± z·√V covers θ with
// probability 1-α at ONE look; checked every minute, the chance that some
// look misses grows without bound. The normal-mixture boundary below covers
// θ at ALL looks at once with probability ≥ 1-α:
//
//   θ̂ ± √(V·n) · √( 2(nρ² + 1) / (n²ρ²) · log(√(nρ² + 1) / α) )
//
// This is the mixture sequential probability ratio test (mSPRT) of Johari,
// Koomen, Pekelis and Walsh ("Always valid inference", Operations Research
// 2022) inverted into a confidence sequence: the likelihood ratio of
// N(θ, V) against N(θ0, V), mixed over θ ~ N(θ0, τ²), is a nonnegative
// martingale under θ = θ0, so by Ville's inequality it exceeds 1/α with
// probability at most α, ever. With the variance estimated from the data it
// is the asymptotic confidence sequence of Waudby-Smith, Arbour, Sinha,
// Kennedy and Ramdas ("Time-uniform central limit theory and asymptotic
// confidence sequences", Annals of Statistics 2024).
//
// Mixing parameter: τ² = ρ²·(V·n), i.e. ρ is the mixing standard deviation
// in units of one observation's standard deviation. ρ is chosen so that the
// boundary is tightest when the candidate has `tightAt` samples:
// ρ² = (−2 log α + log(1 − 2 log α)) / tightAt (as Waudby-Smith et al. suggest).
// Any ρ keeps the guarantee; it only moves where the test is most powerful.
//
// Assumptions (documented in the README): observations independent within
// and across looks; enough of them per side that θ̂ is close to normal (the
// gate waits for `min_samples` a side); a traffic split between the versions
// that does not swing wildly during a rollout (the variance of a
// difference then grows like 1/n); data that only accumulates between looks
// (the gate reads everything since the rollout started).

export interface ConfidenceSequence {
  estimate: number;
  lower: number;
  upper: number;
  /** Half-width of the sequence at this look. */
  radius: number;
  alpha: number;
}

/** ρ² that makes the two-sided boundary at level alpha tightest at n = tightAt. */
export function mixingRho2(alpha: number, tightAt: number): number {
  if (!(alpha > 0 && alpha < 1)) throw new RangeError(`alpha must be in (0, 1), got ${alpha}`);
  if (!(tightAt > 0)) throw new RangeError(`tightAt must be positive, got ${tightAt}`);
  const l = -2 * Math.log(alpha);
  return (l + Math.log(1 + l)) / tightAt;
}

/**
 * Half-width of the normal-mixture confidence sequence for an estimate with
 * variance `variance` after `n` observations (the candidate's count; for a
 * difference the variance carries both sides).
 */
export function mixtureRadius(variance: number, n: number, alpha: number, rho2: number): number {
  if (!(n > 0) || !(variance >= 0)) return Infinity;
  const nr = n * rho2;
  const scale = (2 * (nr + 1)) / (n * n * rho2);
  return Math.sqrt(variance * n) * Math.sqrt(scale * Math.log(Math.sqrt(nr + 1) / alpha));
}

export function confidenceSequence(estimate: number, variance: number, n: number, alpha: number, tightAt: number): ConfidenceSequence {
  const radius = mixtureRadius(variance, n, alpha, mixingRho2(alpha, tightAt));
  return { estimate, lower: estimate - radius, upper: estimate + radius, radius, alpha };
}

/**
 * The always-valid p-value of H0: θ = θ0 at this look: 1 / Λ, with Λ the
 * mixture likelihood ratio (capped at 1). Rejecting when it is below α is
 * the same decision as θ0 falling outside the sequence.
 */
export function alwaysValidPValue(estimate: number, variance: number, n: number, theta0: number, alpha: number, tightAt: number): number {
  if (!(n > 0)) return 1;
  const rho2 = mixingRho2(alpha, tightAt);
  if (!(variance > 0)) return estimate === theta0 ? 1 : 0;
  const nr = n * rho2;
  const z2 = (estimate - theta0) ** 2 / variance;
  const logLambda = (z2 * nr) / (2 * (nr + 1)) - 0.5 * Math.log(nr + 1);
  return Math.min(1, Math.exp(-logLambda));
}
