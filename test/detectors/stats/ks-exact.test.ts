import { describe, expect, it } from 'vitest';
import { gcd, ksExactTwoSided, outerProbInsideMethod, probOutsideSquare } from '../../../detectors/stats/ks-exact.ts';

/** Every way to split n1 + n2 distinct ranks: the exact null distribution of h = D * lcm. */
function bruteForce(n1: number, n2: number): Map<number, number> {
  const total = n1 + n2;
  const lcm = (n1 / gcd(n1, n2)) * n2;
  const counts = new Map<number, number>();
  let splits = 0;
  for (let mask = 0; mask < 1 << total; mask++) {
    let bits = 0;
    for (let m = mask; m; m &= m - 1) bits++;
    if (bits !== n1) continue;
    splits++;
    let a = 0;
    let b = 0;
    let h = 0;
    for (let i = 0; i < total; i++) {
      if (mask & (1 << i)) a++;
      else b++;
      h = Math.max(h, Math.abs(a * (lcm / n1) - b * (lcm / n2)));
    }
    counts.set(h, (counts.get(h) ?? 0) + 1);
  }
  // P(H >= h)
  const out = new Map<number, number>();
  for (const h of counts.keys()) {
    let ge = 0;
    for (const [k, c] of counts) if (k >= h) ge += c;
    out.set(h, ge / splits);
  }
  return out;
}

describe('exact two-sample KS p-values', () => {
  it('agree with brute-force enumeration for small samples', () => {
    for (const [n1, n2] of [
      [3, 3],
      [2, 3],
      [4, 6],
      [5, 7],
      [6, 6],
      [3, 9],
      [8, 5],
      [1, 4],
    ] as const) {
      for (const [h, p] of bruteForce(n1, n2)) {
        const got = ksExactTwoSided(n1, n2, h);
        expect(got.ok).toBe(true);
        expect(Math.abs(got.p - p), `n1=${n1} n2=${n2} h=${h}: ${got.p} vs ${p}`).toBeLessThan(1e-12);
      }
    }
  });

  it('has the textbook values', () => {
    // Completely separated samples: 2 / C(n1+n2, n1)
    expect(probOutsideSquare(3, 3)).toBeCloseTo(0.1, 15);
    expect(outerProbInsideMethod(2, 3, 1, 6)).toBeCloseTo(0.2, 15);
    expect(ksExactTwoSided(10, 10, 0)).toEqual({ ok: true, p: 1 });
  });

  it('stays finite and in [0, 1] at the sizes auto mode sends it', () => {
    for (const [n1, n2] of [
      [10000, 9999],
      [10000, 37],
      [4999, 10000],
    ] as const) {
      const lcm = (n1 / gcd(n1, n2)) * n2;
      for (const d of [0.001, 0.01, 0.05, 0.3, 0.9]) {
        const h = Math.round(d * lcm);
        const r = ksExactTwoSided(n1, n2, h);
        expect(r.ok, `${n1} ${n2} ${d}`).toBe(true);
        expect(r.p).toBeGreaterThanOrEqual(0);
        expect(r.p).toBeLessThanOrEqual(1);
      }
    }
  });
});
