// KS's D and the Wasserstein distance of large columns (more values than
// exactLimit): a grid of cells from sample quantiles (histograms.ts), then
// the engine's exact walk inside every cell that could still change either
// statistic (refine-sql.ts). D and Wasserstein come out exact (up to double
// rounding); the error bounds are what a refinement left unrefined, which is
// nothing unless `refine` is off.
import type { Store } from '../../src/core/store/store.ts';
import { arithmeticScale, cellsToRefine, ecdfFromCells, scanCells, type CellInput, type CellSide } from '../stats/ecdf-cells.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { buildCellIndex, type CellIndex } from './cell-index.ts';
import { refineCells, type EcdfPair } from './ecdf.ts';
import { numericHistograms } from './histograms.ts';
import type { NumberStats } from './profile.ts';
import type { LoadedSource } from './source.ts';

export interface LargeColumn {
  name: string;
  pair: EcdfPair;
  stats: { ref: NumberStats; cur: NumberStats };
  /** Grid samples (sorted finite values) of each side. */
  samples: { ref: readonly number[]; cur: readonly number[] };
}

/** Grid points: both sides' sample quantiles and both minima and maxima (-0 as 0). */
export function gridOf(sRef: readonly number[], sCur: readonly number[], statsRef: NumberStats, statsCur: NumberStats): number[] {
  const pts = [...sRef, ...sCur];
  if (statsRef.finite > 0) pts.push(statsRef.min, statsRef.max);
  if (statsCur.finite > 0) pts.push(statsCur.min, statsCur.max);
  return [...new Set(pts.filter((x) => Number.isFinite(x)).map((x) => (x === 0 ? 0 : x)))].sort((a, b) => a - b);
}

export async function largeEcdf(
  store: Store,
  ref: LoadedSource,
  cur: LoadedSource,
  cols: readonly LargeColumn[],
  o: { refine: boolean; signal?: AbortSignal; lap: <T>(what: string, p: Promise<T>) => Promise<T> },
): Promise<Map<string, EcdfAggregate>> {
  const indexes: CellIndex[] = cols.map((c) => buildCellIndex(gridOf(c.samples.ref, c.samples.cur, c.stats.ref, c.stats.cur)));
  const scales = cols.map((c) => arithmeticScale(Math.min(c.stats.ref.min, c.stats.cur.min), Math.max(c.stats.ref.max, c.stats.cur.max)));
  const cellReqs = (side: 'ref' | 'cur') => cols.map((c, k) => ({ col: c.pair[side], index: indexes[k] as CellIndex, scale: scales[k] as number }));
  const [hRef, hCur] = await o.lap('cells', Promise.all([numericHistograms(store, ref, [], cellReqs('ref'), o.signal), numericHistograms(store, cur, [], cellReqs('cur'), o.signal)]));
  const inputs: CellInput[] = cols.map((_, k) => ({ grid: (indexes[k] as CellIndex).grid, ref: hRef.cells[k] as CellSide, cur: hCur.cells[k] as CellSide, scale: scales[k] as number }));
  const scans = inputs.map(scanCells);
  const reqs = cols.map((c, k) => {
    const s = scans[k]!;
    const cells = o.refine ? cellsToRefine(inputs[k]!, s) : [];
    const starts = cells.map((j) => (s.atOrBelowRef[j] as number) * s.n2 - (s.atOrBelowCur[j] as number) * s.n1);
    return { pair: c.pair, index: indexes[k] as CellIndex, cells, starts, scale: scales[k] as number };
  });
  const refined = reqs.some((r) => r.cells.length > 0) ? await o.lap('refine', refineCells(store, ref, cur, reqs, o.signal)) : reqs.map(() => new Map());
  return new Map(
    cols.map((c, k) => {
      const r = ecdfFromCells(inputs[k]!, scans[k]!, refined[k]!);
      const agg: EcdfAggregate = { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator };
      return [c.name, agg];
    }),
  );
}
