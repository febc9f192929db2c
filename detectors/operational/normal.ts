// The standard normal distribution's tails, accurate far out (p-values like
// 1e-30 keep their digits): Q(z) = erfc(z / sqrt 2) / 2 and
// erfc(x) = Γ(1/2, x²) / Γ(1/2), the regularized upper incomplete gamma.
import { gammaincc } from '../stats/gamma.ts';

/** P(Z > z) for a standard normal Z. */
export function normalSf(z: number): number {
  if (Number.isNaN(z)) return Number.NaN;
  if (z === Infinity) return 0;
  if (z === -Infinity) return 1;
  const tail = 0.5 * gammaincc(0.5, (z * z) / 2);
  return z >= 0 ? tail : 1 - tail;
}

/** P(Z <= z). */
export function normalCdf(z: number): number {
  return normalSf(-z);
}
