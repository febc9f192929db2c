// The two empirical CDFs side by side over the merged distinct values. KS's D
// and Wasserstein both come from this one walk; the database returns exactly
// this shape (distinct value, count in reference, count in current), so the
// in-memory and the pushed-down paths share the arithmetic.

export interface MergedCounts {
  /** Distinct values, ascending. */
  values: ArrayLike<number>;
  /** How often each value occurs in the reference. */
  ref: ArrayLike<number>;
  /** How often each value occurs in the current sample. */
  cur: ArrayLike<number>;
}

export interface EcdfDistances {
  n1: number;
  n2: number;
  /**
   * max over values of |a*n2 - b*n1| where a, b are the counts at or below the
   * value: an integer, so D = dNumerator / (n1*n2) is exact and the exact KS
   * test gets its lattice step h = dNumerator / gcd(n1, n2) without rounding.
   */
  dNumerator: number;
  /** KS statistic D = sup |F_ref - F_cur|. */
  d: number;
  /** First Wasserstein distance between the two samples. */
  wasserstein: number;
}

/** Merge two samples (any order, no missing values) into distinct values with counts. */
export function mergeCounts(ref: ArrayLike<number>, cur: ArrayLike<number>): MergedCounts {
  const a = Float64Array.from(ref).sort();
  const b = Float64Array.from(cur).sort();
  const values: number[] = [];
  const rc: number[] = [];
  const cc: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const v = j >= b.length || (i < a.length && (a[i] as number) <= (b[j] as number)) ? (a[i] as number) : (b[j] as number);
    let ci = 0;
    let cj = 0;
    while (i < a.length && a[i] === v) {
      i++;
      ci++;
    }
    while (j < b.length && b[j] === v) {
      j++;
      cj++;
    }
    values.push(v);
    rc.push(ci);
    cc.push(cj);
  }
  return { values, ref: rc, cur: cc };
}

/** KS numerator, D and Wasserstein from merged counts. Both sides must be non-empty. */
export function ecdfDistances(m: MergedCounts): EcdfDistances {
  let n1 = 0;
  let n2 = 0;
  for (let k = 0; k < m.values.length; k++) {
    n1 += m.ref[k] as number;
    n2 += m.cur[k] as number;
  }
  if (n1 === 0 || n2 === 0) throw new RangeError('ecdfDistances needs values on both sides');
  let a = 0;
  let b = 0;
  let dNumerator = 0;
  let area = 0;
  for (let k = 0; k < m.values.length; k++) {
    a += m.ref[k] as number;
    b += m.cur[k] as number;
    const diff = Math.abs(a * n2 - b * n1);
    if (diff > dNumerator) dNumerator = diff;
    if (k + 1 < m.values.length) area += Math.abs(a / n1 - b / n2) * ((m.values[k + 1] as number) - (m.values[k] as number));
  }
  return { n1, n2, dNumerator, d: dNumerator / n1 / n2, wasserstein: area };
}
