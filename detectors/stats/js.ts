// Jensen-Shannon distance, base 2, as scipy.spatial.distance.jensenshannon:
// both inputs normalised, no smoothing, sqrt of the divergence; in [0, 1].

function relEntr(x: number, y: number): number {
  if (x > 0 && y > 0) return x * Math.log(x / y);
  if (x === 0 && y >= 0) return 0;
  return Infinity;
}

/** JS distance between two non-negative weight vectors over the same bins. */
export function jensenShannon(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError(`jensenShannon: ${p.length} vs ${q.length} bins`);
  let sp = 0;
  let sq = 0;
  for (let i = 0; i < p.length; i++) {
    sp += p[i] as number;
    sq += q[i] as number;
  }
  let left = 0;
  let right = 0;
  for (let i = 0; i < p.length; i++) {
    const pi = (p[i] as number) / sp;
    const qi = (q[i] as number) / sq;
    const m = (pi + qi) / 2;
    left += relEntr(pi, m);
    right += relEntr(qi, m);
  }
  const js = (left + right) / Math.LN2;
  // Rounding can leave -1e-17 for identical inputs; the distance is 0 there.
  return Math.sqrt(Math.max(0, js / 2));
}
