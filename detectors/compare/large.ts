// KS's D and the Wasserstein distance of large columns (more values than
// exactLimit): a grid of cells from sample quantiles (histograms.ts), then
// sub-cells of the cells still open, then the engine's exact walk inside the
// sub-cells that could still change D or hold Wasserstein's uncertainty
// (stats/ecdf-cells.ts, refine-sql.ts). D comes out exact; Wasserstein within
// its reported bound (at most W_TARGET relative). With `refine` off, both come
// from the cells alone, with error bounds.
import type { Store } from '../../src/core/store/store.ts';
import { arithmeticScale, MAX_DEPTH, Refinement, scanCells, type CellInput, type CellSide } from '../stats/ecdf-cells.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import { buildCellIndex, type CellIndex } from './cell-index.ts';
import { refinePieces, type CellsRequest, type EcdfPair } from './ecdf.ts';
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

/**
 * Columns per round of queries. Each column adds its grid (thousands of
 * constants) and its pieces to every query of a round, so a wide file in one
 * round exceeds the engine's query size and AST limits (100 columns did);
 * rounds of this many columns stay well inside them.
 */
export const COLUMNS_PER_GROUP = 16;

/** `cols` cut into rounds of at most COLUMNS_PER_GROUP (compare and the drift detector). */
export function columnGroups<T>(cols: readonly T[]): T[][] {
  const groups: T[][] = [];
  for (let g = 0; g < cols.length; g += COLUMNS_PER_GROUP) groups.push(cols.slice(g, g + COLUMNS_PER_GROUP));
  return groups;
}

interface LargeOptions {
  refine: boolean;
  signal?: AbortSignal;
  lap: <T>(what: string, p: Promise<T>) => Promise<T>;
}

export async function largeEcdf(
  store: Store,
  ref: LoadedSource,
  cur: LoadedSource,
  cols: readonly LargeColumn[],
  o: LargeOptions,
): Promise<Map<string, EcdfAggregate>> {
  const out = new Map<string, EcdfAggregate>();
  for (const group of columnGroups(cols)) {
    for (const [name, agg] of await groupEcdf(store, ref, cur, group, o)) out.set(name, agg);
  }
  return out;
}

async function groupEcdf(
  store: Store,
  ref: LoadedSource,
  cur: LoadedSource,
  cols: readonly LargeColumn[],
  o: LargeOptions,
): Promise<Map<string, EcdfAggregate>> {
  const indexes: CellIndex[] = cols.map((c) => buildCellIndex(gridOf(c.samples.ref, c.samples.cur, c.stats.ref, c.stats.cur)));
  const scales = cols.map((c) => arithmeticScale(Math.min(c.stats.ref.min, c.stats.cur.min), Math.max(c.stats.ref.max, c.stats.cur.max)));
  const cellReqs = (side: 'ref' | 'cur') => cols.map((c, k) => ({ col: c.pair[side], index: indexes[k] as CellIndex, scale: scales[k] as number }));
  const [hRef, hCur] = await o.lap('cells', Promise.all([numericHistograms(store, ref, [], cellReqs('ref'), o.signal), numericHistograms(store, cur, [], cellReqs('cur'), o.signal)]));
  const reqs: CellsRequest[] = cols.map((c, k) => {
    const input: CellInput = { grid: (indexes[k] as CellIndex).grid, ref: hRef.cells[k] as CellSide, cur: hCur.cells[k] as CellSide, scale: scales[k] as number };
    const scan = scanCells(input);
    return { pair: c.pair, index: indexes[k] as CellIndex, state: new Refinement(input, scan), n1: scan.n1, n2: scan.n2, scale: scales[k] as number };
  });
  // Rounds of refinement: each cuts the open pieces of one depth (sub-cells, or values for the small ones).
  for (let depth = 0; o.refine && depth <= MAX_DEPTH; depth++) {
    const chosen = reqs.map((r, k) => ({ r, k, ...r.state.plan(depth, depth === MAX_DEPTH) })).filter((c) => c.split.length + c.walk.length > 0);
    if (chosen.length === 0) break;
    await o.lap(`refine ${depth}`, refinePieces(store, ref, cur, chosen, depth, o.signal));
  }
  return new Map(
    cols.map((c, k) => {
      const r = reqs[k]!.state.result();
      const agg: EcdfAggregate = { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator };
      return [c.name, agg];
    }),
  );
}
