// Exact two-sided p-value of the two-sample KS test, ported from scipy
// (scipy.stats._stats_py._attempt_exact_2kssamp, two-sided branch):
//  - n1 == n2: _compute_prob_outside_square (Horner form of the alternating
//    reflection sum);
//  - otherwise: _compute_outer_prob_inside_method (Hodges' lattice-path count
//    with Viehmann's recursion for 1 - p, so tiny p-values keep their digits).
// Both work in units of the lattice step 1/lcm(n1, n2); h is D * lcm.

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) [x, y] = [y, x % y];
  return x;
}

/** Pr(D_{n,n} >= h/n). */
export function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  let k = Math.floor(n / h);
  while (k >= 0) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
    k -= 1;
  }
  return 2 * p;
}

/** Share of lattice paths from (0,0) to (m,n) that leave |x/m - y/n| < h/lcm(m,n). */
export function outerProbInsideMethod(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(lenA).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    const width = maxj - minj;
    const shift = minj - lastminj;
    for (let jj = 0; jj < width; jj++) {
      const j = jj + minj;
      val = ((A[jj + shift] as number) * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = width;
    if (lastlen > curlen) A.fill(1, curlen, lastlen);
  }
  return A[maxj - minj - 1] as number;
}

export interface ExactAttempt {
  ok: boolean;
  p: number;
}

/**
 * Exact two-sided p-value for sample sizes n1, n2 and lattice step h
 * (D = h / lcm(n1, n2)). `ok` is false when the arithmetic left [0, 1], in
 * which case scipy falls back to the asymptotic distribution.
 */
export function ksExactTwoSided(n1: number, n2: number, h: number): ExactAttempt {
  if (h === 0) return { ok: true, p: 1 };
  const g = gcd(n1, n2);
  const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInsideMethod(n1, n2, g, h);
  if (!Number.isFinite(p) || p < 0 || p > 1) return { ok: false, p: Number.NaN };
  return { ok: true, p };
}
