// Calibration of one class's score on the labelled reference, from the bin
// aggregates the engine returns (never the rows). The score's range is cut
// at the reference's quantiles into fine bins; per bin and cross-validation
// fold the engine counts rows, positives and the sums a Brier score needs.
//
// Candidates:
//  - none: the model's own probability (it is already calibrated);
//  - isotonic: isotonic regression (pool-adjacent-violators) of the label on
//    the score, one value per fine bin, non-decreasing;
//  - histogram: histogram binning (Zadrozny & Elkan 2001): the fine bins
//    merged into `histogramBins` groups of about equal mass, each calibrated
//    to its share of positives.
// `auto` picks the candidate with the lowest Brier score on held-out folds
// (each fold scored by a calibrator fitted on the other folds), the simpler
// one on a tie; the chosen one is then refitted on every fold.

export type CalibrationMethod = 'none' | 'isotonic' | 'histogram';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['none', 'histogram', 'isotonic'];

/** What the engine sums per (fold, fine bin) of one class. */
export interface BinAggregate {
  n: number;
  /** Rows whose label is this class. */
  pos: number;
  /** Σ score, Σ score², Σ label·score: Brier of the uncalibrated score. */
  sumS: number;
  sumS2: number;
  sumYS: number;
}

export interface Calibrator {
  method: CalibrationMethod;
  /** Fine-bin edges of the raw score (empty for none). */
  edges: number[];
  /** Calibrated probability per bin, edges.length + 1 of them (empty for none). */
  values: number[];
}

const emptyBin = (): BinAggregate => ({ n: 0, pos: 0, sumS: 0, sumS2: 0, sumYS: 0 });

function addBins(into: BinAggregate[], bins: readonly BinAggregate[]): void {
  bins.forEach((b, i) => {
    const t = (into[i] ??= emptyBin());
    t.n += b.n;
    t.pos += b.pos;
    t.sumS += b.sumS;
    t.sumS2 += b.sumS2;
    t.sumYS += b.sumYS;
  });
}

/**
 * Isotonic (non-decreasing) least-squares fit of pos/n over the bins in
 * order, weighted by n: pool adjacent violators. Empty bins take the value
 * of the nearest non-empty bin before them (after them at the start), which
 * keeps the step function non-decreasing.
 */
export function isotonicValues(bins: readonly Pick<BinAggregate, 'n' | 'pos'>[]): number[] {
  const blocks: Array<{ w: number; sum: number; first: number; last: number }> = [];
  bins.forEach((b, i) => {
    if (b.n <= 0) return;
    blocks.push({ w: b.n, sum: b.pos, first: i, last: i });
    while (blocks.length > 1) {
      const a = blocks[blocks.length - 2]!;
      const c = blocks[blocks.length - 1]!;
      if (a.sum / a.w <= c.sum / c.w) break;
      blocks.splice(blocks.length - 2, 2, { w: a.w + c.w, sum: a.sum + c.sum, first: a.first, last: c.last });
    }
  });
  const out = new Array<number>(bins.length).fill(Number.NaN);
  for (const b of blocks) for (let i = b.first; i <= b.last; i++) out[i] = b.sum / b.w;
  return fillGaps(out);
}

/** Histogram binning: consecutive bins merged into about `groups` groups of equal mass. */
export function histogramValues(bins: readonly Pick<BinAggregate, 'n' | 'pos'>[], groups: number): number[] {
  const total = bins.reduce((s, b) => s + b.n, 0);
  const out = new Array<number>(bins.length).fill(Number.NaN);
  if (total === 0) return out.fill(0);
  const target = total / Math.max(1, groups);
  let start = 0;
  let n = 0;
  let pos = 0;
  const close = (end: number) => {
    for (let i = start; i <= end; i++) if (n > 0) out[i] = pos / n;
    start = end + 1;
    n = 0;
    pos = 0;
  };
  bins.forEach((b, i) => {
    n += b.n;
    pos += b.pos;
    if (n >= target || i === bins.length - 1) close(i);
  });
  return fillGaps(out);
}

function fillGaps(values: number[]): number[] {
  let last = Number.NaN;
  for (let i = 0; i < values.length; i++) {
    if (Number.isNaN(values[i]!)) values[i] = last;
    else last = values[i]!;
  }
  const first = values.find((v) => !Number.isNaN(v)) ?? 0;
  return values.map((v) => (Number.isNaN(v) ? first : v));
}

/** Brier score sum of a step calibrator (one value per bin) over held-out bins. */
export function stepBrier(values: readonly number[], bins: readonly BinAggregate[]): number {
  let s = 0;
  bins.forEach((b, i) => {
    const c = values[i] ?? 0;
    s += b.pos * (1 - c) ** 2 + (b.n - b.pos) * c ** 2;
  });
  return s;
}

/** Brier score sum of the raw score over held-out bins: Σ (y - s)² = Σy - 2Σys + Σs². */
export function identityBrier(bins: readonly BinAggregate[]): number {
  return bins.reduce((s, b) => s + b.pos - 2 * b.sumYS + b.sumS2, 0);
}

function fitValues(method: CalibrationMethod, bins: readonly BinAggregate[], histogramBins: number): number[] {
  if (method === 'isotonic') return isotonicValues(bins);
  if (method === 'histogram') return histogramValues(bins, histogramBins);
  return [];
}

export interface CalibrationChoice {
  calibrator: Calibrator;
  /** Held-out Brier score (mean per row) of each candidate tried; null when there was one candidate. */
  cvBrier: Partial<Record<CalibrationMethod, number>> | null;
}

/**
 * Fit one class's calibrator. `folds[f][b]` are the aggregates of fold f,
 * fine bin b; `edges` the fine-bin edges (folds[f].length = edges.length + 1).
 */
export function chooseCalibrator(edges: readonly number[], folds: readonly (readonly BinAggregate[])[], want: CalibrationMethod | 'auto', histogramBins: number): CalibrationChoice {
  const all: BinAggregate[] = [];
  for (const f of folds) addBins(all, f);
  const build = (method: CalibrationMethod): Calibrator => (method === 'none' ? { method, edges: [], values: [] } : { method, edges: [...edges], values: fitValues(method, all, histogramBins) });
  if (want !== 'auto') return { calibrator: build(want), cvBrier: null };
  const n = all.reduce((s, b) => s + b.n, 0);
  const cv: Partial<Record<CalibrationMethod, number>> = {};
  for (const method of CALIBRATION_METHODS) {
    let sum = 0;
    folds.forEach((heldOut, k) => {
      if (method === 'none') {
        sum += identityBrier(heldOut);
        return;
      }
      const train: BinAggregate[] = [];
      folds.forEach((f, j) => j !== k && addBins(train, f));
      sum += stepBrier(fitValues(method, train, histogramBins), heldOut);
    });
    cv[method] = n > 0 ? sum / n : 0;
  }
  // The first of CALIBRATION_METHODS (simplest first) wins a tie.
  let best: CalibrationMethod = 'none';
  for (const m of CALIBRATION_METHODS) if ((cv[m] ?? Infinity) < (cv[best] ?? Infinity) - 1e-12) best = m;
  return { calibrator: build(best), cvBrier: cv };
}

/** The calibrated probability of one raw score (what the SQL does, for tests and docs). */
export function applyCalibrator(c: Pick<Calibrator, 'edges' | 'values'>, score: number): number {
  if (c.values.length === 0) return Math.min(1, Math.max(0, score));
  let bin = 0;
  for (const e of c.edges) if (score > e) bin++;
  return Math.min(1, Math.max(0, c.values[bin] ?? 0));
}
