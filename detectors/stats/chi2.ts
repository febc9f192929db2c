// Chi-square test of homogeneity on the 2 x k table of category counts, as
// scipy.stats.chi2_contingency(correction=False). With fewer than two
// categories there is nothing to compare: statistic 0, p-value 1, dof 0.
import { chi2Sf } from './gamma.ts';

export interface Chi2Result {
  statistic: number;
  p_value: number;
  dof: number;
}

/** refCounts[i], curCounts[i]: how often category i occurs on each side. */
export function chi2Homogeneity(refCounts: readonly number[], curCounts: readonly number[]): Chi2Result {
  if (refCounts.length !== curCounts.length) throw new RangeError(`chi2: ${refCounts.length} vs ${curCounts.length} categories`);
  const cols: Array<[number, number]> = [];
  for (let i = 0; i < refCounts.length; i++) {
    const r = refCounts[i] as number;
    const c = curCounts[i] as number;
    // A category seen on neither side is no column at all.
    if (r + c > 0) cols.push([r, c]);
  }
  if (cols.length < 2) return { statistic: 0, p_value: 1, dof: 0 };
  let nRef = 0;
  let nCur = 0;
  for (const [r, c] of cols) {
    nRef += r;
    nCur += c;
  }
  if (nRef === 0 || nCur === 0) throw new RangeError('chi2 needs values on both sides');
  const total = nRef + nCur;
  // Row-major like scipy: the reference row, then the current row.
  let statistic = 0;
  for (const [rowTotal, pick] of [
    [nRef, 0],
    [nCur, 1],
  ] as const) {
    for (const col of cols) {
      const expected = (rowTotal * (col[0] + col[1])) / total;
      const diff = col[pick] - expected;
      statistic += (diff * diff) / expected;
    }
  }
  const dof = cols.length - 1;
  return { statistic, p_value: chi2Sf(statistic, dof), dof };
}
