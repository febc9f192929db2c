// Population stability index over shared bins. A zero proportion on either
// side is replaced by 1e-4 first (no renormalisation), so empty bins stay finite.
import { proportions } from './bins.ts';

export const PSI_EPSILON = 1e-4;

/** PSI from per-bin counts of the reference and the current side (same bins, same order). */
export function psi(refCounts: readonly number[], curCounts: readonly number[]): number {
  if (refCounts.length !== curCounts.length) throw new RangeError(`psi: ${refCounts.length} reference bins vs ${curCounts.length} current bins`);
  const pr = proportions(refCounts);
  const pc = proportions(curCounts);
  let sum = 0;
  for (let i = 0; i < pr.length; i++) {
    const r = pr[i] === 0 ? PSI_EPSILON : (pr[i] as number);
    const c = pc[i] === 0 ? PSI_EPSILON : (pc[i] as number);
    sum += (c - r) * Math.log(c / r);
  }
  return sum;
}
