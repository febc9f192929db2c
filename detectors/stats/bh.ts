// Benjamini-Hochberg false discovery rate control across the features of one
// run: adjusted p-values (step-up, monotone, capped at 1) and which tests are
// rejected at level q. Null p-values (no test) take no part and stay null.

export const DEFAULT_FDR_Q = 0.05;

export interface BhResult {
  adjusted: Array<number | null>;
  rejected: boolean[];
}

export function benjaminiHochberg(pValues: ReadonlyArray<number | null>, q: number = DEFAULT_FDR_Q): BhResult {
  if (!(q > 0 && q <= 1)) throw new RangeError(`FDR level ${q} outside (0, 1]`);
  const idx: number[] = [];
  pValues.forEach((p, i) => {
    if (p !== null && !Number.isNaN(p)) idx.push(i);
  });
  idx.sort((a, b) => (pValues[a] as number) - (pValues[b] as number));
  const m = idx.length;
  const adjusted: Array<number | null> = pValues.map(() => null);
  const rejected: boolean[] = pValues.map(() => false);
  let running = 1;
  for (let r = m - 1; r >= 0; r--) {
    const i = idx[r] as number;
    running = Math.min(running, ((pValues[i] as number) * m) / (r + 1));
    adjusted[i] = running;
    rejected[i] = running <= q;
  }
  return { adjusted, rejected };
}
