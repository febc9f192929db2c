// Two-proportion z-test with the pooled variance, as
// statsmodels.stats.proportion.proportions_ztest([x1, x2], [n1, n2]) with
// prop_var=False: z = (p1 - p2) / sqrt(p (1 - p) (1/n1 + 1/n2)), p pooled.
import { normalSf } from './normal.ts';

/** 'larger': H1 p1 > p2; 'smaller': H1 p1 < p2; 'two-sided': p1 != p2. */
export type Alternative = 'larger' | 'smaller' | 'two-sided';

export interface ZTestResult {
  z: number;
  p_value: number;
}

/**
 * x1 of n1 against x2 of n2. When both shares are 0 or both are 1 the
 * variance is zero and there is no evidence of a difference: z = 0, p = 1
 * (statsmodels returns NaN there).
 */
export function twoProportionZTest(x1: number, n1: number, x2: number, n2: number, alternative: Alternative): ZTestResult {
  if (!(n1 > 0 && n2 > 0)) throw new RangeError('two-proportion test needs observations on both sides');
  const p1 = x1 / n1;
  const p2 = x2 / n2;
  const pooled = (x1 + x2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (!(se > 0)) return { z: 0, p_value: 1 };
  const z = (p1 - p2) / se;
  const p_value = alternative === 'larger' ? normalSf(z) : alternative === 'smaller' ? normalSf(-z) : Math.min(1, 2 * normalSf(Math.abs(z)));
  return { z, p_value };
}
