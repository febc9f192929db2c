// `driftwatch compare` as a library call: load both files into the engine,
// profile and type every common column, push bins, quantiles, category counts
// and the ECDF statistics down, and assemble the report from aggregates only.
import type { Logger } from '../../src/log/logger.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { Store } from '../../src/store/store.ts';
import { sortCategories } from '../stats/categories.ts';
import { chooseRefinement, ecdfFromCells, scanCells, type CellInput } from '../stats/ecdf-cells.ts';
import { DEFAULT_THRESHOLDS, type SeverityThresholds } from '../stats/severity.ts';
import { assembleReport, diffSchema } from '../report/assemble.ts';
import { categoricalFeature, numericFeature, type EcdfAggregate } from '../report/feature.ts';
import type { CompareReport, FeatureReport } from '../report/types.ts';
import { exactEcdf, refineCells, type EcdfPair } from './ecdf.ts';
import { inputError } from './errors.ts';
import { buildCellIndex } from './cell-index.ts';
import { formatFromPath, type InputFormat } from './formats.ts';
import { categoryCounts, numericHistograms } from './histograms.ts';
import { gridSamples, profileColumns, type ColumnProfile } from './profile.ts';
import { referenceEdges } from './quantiles.ts';
import { fileSize, loadSource, type LoadedSource, type SourceColumn } from './source.ts';
import { tablePrefix } from './sql.ts';

export interface CompareFilesOptions {
  reference: string;
  current: string;
  /** Format of both files; by default each file's extension decides. */
  inputFormat?: InputFormat;
  /** Columns to treat as categorical whatever their values look like. */
  categorical?: readonly string[];
  thresholds?: SeverityThresholds;
  /**
   * Columns with at most this many values (reference + current) get KS and
   * Wasserstein from an exact walk over every distinct value; larger ones use
   * grid cells (D exact or within d_error_bound <= 0.005; Wasserstein within
   * wasserstein_error_bound).
   */
  exactLimit?: number;
  /**
   * Large columns whose D could be off by more than this (cells are about
   * 1/1000 of the data, so typically it is ~0.001) get an exact walk inside
   * the cells that could hold a larger D. 0 refines every large column.
   */
  dErrorTarget?: number;
  /** Rows of cell interiors read back for refinement, over all refined columns. */
  refineBudget?: number;
  /** Accept a file with no data rows (its shares and statistics are null) instead of failing. */
  allowEmpty?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
}

export const DEFAULT_EXACT_LIMIT = 200_000;
export const DEFAULT_REFINE_BUDGET = 300_000;
export const DEFAULT_D_ERROR_TARGET = 0.002;

interface Pair {
  name: string;
  sampleRef: number[];
  sampleCur: number[];
  ref: SourceColumn;
  cur: SourceColumn;
  pRef: ColumnProfile;
  pCur: ColumnProfile;
  numeric: boolean;
  nRef: number;
  nCur: number;
}

function resolveFormat(path: string, forced: InputFormat | undefined, label: string): InputFormat {
  if (forced) return forced;
  const f = formatFromPath(path);
  if (!f) throw inputError(`cannot tell the format of the ${label} file ${path} from its name; pass --input-format csv|jsonl|parquet|arrow`);
  return f;
}

function gridFor(p: Pair, sRef: readonly number[], sCur: readonly number[]): number[] {
  const pts = [...sRef, ...sCur];
  if (p.pRef.finite > 0) pts.push(p.pRef.min, p.pRef.max);
  if (p.pCur.finite > 0) pts.push(p.pCur.min, p.pCur.max);
  return [...new Set(pts.filter((x) => Number.isFinite(x)))].sort((a, b) => a - b);
}

export async function compareFiles(store: Store, opts: CompareFilesOptions): Promise<CompareReport> {
  const log = opts.logger ?? silentLogger;
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const exactLimit = opts.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const signal = opts.signal;
  const prefix = tablePrefix();
  const tables = [`${prefix}_ref`, `${prefix}_cur`] as const;
  const t0 = Date.now();
  const lap = (what: string): void => log.debug('compare phase done', { phase: what, ms: Date.now() - t0 });
  try {
    const refFormat = resolveFormat(opts.reference, opts.inputFormat, 'reference');
    const curFormat = resolveFormat(opts.current, opts.inputFormat, 'current');
    // Two big files load side by side with one parsing thread each; a big and a small one let the big one use all.
    const [refSize, curSize] = await Promise.all([fileSize(opts.reference), fileSize(opts.current)]);
    const singleThreaded = Math.min(refSize, curSize) > 0.25 * Math.max(refSize, curSize);
    // Both settle before anything is thrown, so the cleanup below never races a load still creating its table.
    const loads = await Promise.allSettled([
      loadSource(store, { path: opts.reference, format: refFormat, table: tables[0], label: 'reference', singleThreaded, signal }),
      loadSource(store, { path: opts.current, format: curFormat, table: tables[1], label: 'current', singleThreaded, signal }),
    ]);
    for (const l of loads) if (l.status === 'rejected') throw l.reason;
    const [ref, cur] = loads.map((l) => (l as PromiseFulfilledResult<LoadedSource>).value) as [LoadedSource, LoadedSource];
    lap('load');
    if (!opts.allowEmpty) {
      for (const [src, label] of [
        [ref, 'reference'],
        [cur, 'current'],
      ] as const) {
        if (src.rows === 0) throw inputError(`${label} file ${src.path} is empty: it has a header but no data rows`);
      }
    }
    const schema = diffSchema(
      ref.columns.map((c) => c.name),
      cur.columns.map((c) => c.name),
    );
    if (schema.common.length === 0) {
      const list = (s: LoadedSource): string => s.columns.map((c) => JSON.stringify(c.name)).join(', ');
      throw inputError(`no common column: the reference file has ${list(ref)}; the current file has ${list(cur)}`);
    }
    const forced = new Set(opts.categorical ?? []);
    const unknown = [...forced].filter((c) => !schema.common.includes(c));
    if (unknown.length > 0) throw inputError(`--categorical names ${unknown.map((c) => JSON.stringify(c)).join(', ')}, not a column of both files`);

    const refCols = schema.common.map((n) => ref.columns.find((c) => c.name === n) as SourceColumn);
    const curCols = schema.common.map((n) => cur.columns.find((c) => c.name === n) as SourceColumn);
    // Grid samples are drawn alongside, when any column may be large.
    const grid = ref.rows + cur.rows > exactLimit;
    const [profRef, profCur, gridRef, gridCur] = await Promise.all([
      profileColumns(store, ref, refCols, signal),
      profileColumns(store, cur, curCols, signal),
      grid ? gridSamples(store, ref, refCols, signal) : refCols.map(() => []),
      grid ? gridSamples(store, cur, curCols, signal) : curCols.map(() => []),
    ]);
    lap('profile');
    const pairs: Pair[] = schema.common.map((name, k) => {
      const rc = refCols[k] as SourceColumn;
      const cc = curCols[k] as SourceColumn;
      const pRef = profRef[k] as ColumnProfile;
      const pCur = profCur[k] as ColumnProfile;
      const numeric = !forced.has(name) && rc.kind !== 'other' && cc.kind !== 'other' && pRef.nonNumeric === 0 && pCur.nonNumeric === 0;
      return {
        name,
        sampleRef: gridRef[k] ?? [],
        sampleCur: gridCur[k] ?? [],
        ref: rc,
        cur: cc,
        pRef,
        pCur,
        numeric,
        nRef: numeric ? pRef.finite : ref.rows - pRef.textMissing,
        nCur: numeric ? pCur.finite : cur.rows - pCur.textMissing,
      };
    });
    const numeric = pairs.filter((p) => p.numeric);
    const categorical = pairs.filter((p) => !p.numeric);
    const withRef = numeric.filter((p) => p.nRef > 0);
    const both = numeric.filter((p) => p.nRef > 0 && p.nCur > 0);
    const small = both.filter((p) => p.nRef + p.nCur <= exactLimit);
    const large = both.filter((p) => p.nRef + p.nCur > exactLimit);
    const ecdfPair = (p: Pair): EcdfPair => ({ ref: p.ref, cur: p.cur, nRef: p.nRef, nCur: p.nCur });

    // Independent of each other: edges then bins; the cells of large columns (their grid is known);
    // the exact walks of the other columns; the category counts.
    const indexes = large.map((p) => buildCellIndex(gridFor(p, p.sampleRef, p.sampleCur)));
    const binsP = referenceEdges(
      store,
      ref,
      withRef.map((p) => ({ col: p.ref, n: p.nRef })),
      signal,
    ).then(async (edges) => {
      lap('edges');
      const [hRef, hCur] = await Promise.all([
        numericHistograms(
          store,
          ref,
          withRef.map((p, k) => ({ col: p.ref, edges: edges[k] as number[] })),
          [],
          signal,
        ),
        numericHistograms(
          store,
          cur,
          withRef.map((p, k) => ({ col: p.cur, edges: edges[k] as number[] })),
          [],
          signal,
        ),
      ]);
      lap('bins');
      return { edges, ref: hRef.bins, cur: hCur.bins };
    });
    const cellsP = Promise.all([
      numericHistograms(
        store,
        ref,
        [],
        large.map((p, k) => ({ col: p.ref, index: indexes[k]! })),
        signal,
      ),
      numericHistograms(
        store,
        cur,
        [],
        large.map((p, k) => ({ col: p.cur, index: indexes[k]! })),
        signal,
      ),
    ]).then((h) => {
      lap('cells');
      return h;
    });
    const exactP = exactEcdf(store, ref, cur, small.map(ecdfPair), signal);
    const catsP = Promise.all([
      categoryCounts(
        store,
        ref,
        categorical.map((p) => p.ref),
        signal,
      ),
      categoryCounts(
        store,
        cur,
        categorical.map((p) => p.cur),
        signal,
      ),
    ]);
    const [hRef, hCur] = await cellsP;

    // Large columns: D is exact at the grid points and within one cell's mass elsewhere. Only a column
    // whose bound exceeds the target is refined (an exact walk inside the cells that could hold a larger D).
    const cellInputs: CellInput[] = large.map((_, k) => ({ grid: indexes[k]!.grid, ref: hRef.cells[k]!, cur: hCur.cells[k]! }));
    const scans = cellInputs.map(scanCells);
    const unrefined = cellInputs.map((c, k) => ecdfFromCells(c, scans[k]!, new Map()));
    const target = opts.dErrorTarget ?? DEFAULT_D_ERROR_TARGET;
    const needy = large.map((p, k) => unrefined[k]!.dErrorNumerator / p.nRef / p.nCur > target);
    const perColumnBudget = Math.floor((opts.refineBudget ?? DEFAULT_REFINE_BUDGET) / Math.max(1, needy.filter(Boolean).length));
    const refined = await refineCells(
      store,
      ref,
      cur,
      large.map((p, k) => ({ pair: ecdfPair(p), index: indexes[k]!, cells: needy[k] ? chooseRefinement(cellInputs[k]!, scans[k]!, perColumnBudget) : [] })),
      signal,
    );
    const [bins, exact, [catRef, catCur]] = await Promise.all([binsP, exactP, catsP]);
    lap('ecdf');
    const edgesOf = new Map(withRef.map((p, k) => [p.name, bins.edges[k] as number[]]));

    const ecdfOf = new Map<string, EcdfAggregate>();
    small.forEach((p, k) => ecdfOf.set(p.name, { ...exact[k]!, method: 'exact' }));
    large.forEach((p, k) => {
      const r = needy[k] ? ecdfFromCells(cellInputs[k]!, scans[k]!, refined[k]!) : unrefined[k]!;
      ecdfOf.set(p.name, { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator });
    });
    const binsOf = new Map(withRef.map((p, k) => [p.name, { ref: bins.ref[k] as number[], cur: bins.cur[k] as number[] }]));
    const catOf = new Map(categorical.map((p, k) => [p.name, { ref: catRef[k] as Map<string, number>, cur: catCur[k] as Map<string, number> }]));

    const features: FeatureReport[] = pairs.map((p) => {
      if (p.numeric) {
        const b = binsOf.get(p.name);
        return numericFeature(
          {
            name: p.name,
            ref: { rows: ref.rows, missing: ref.rows - p.nRef },
            cur: { rows: cur.rows, missing: cur.rows - p.nCur },
            edges: edgesOf.get(p.name) ?? null,
            binsRef: b?.ref ?? [],
            binsCur: b?.cur ?? [],
            ecdf: ecdfOf.get(p.name) ?? null,
          },
          thresholds,
        );
      }
      const c = catOf.get(p.name) as { ref: Map<string, number>; cur: Map<string, number> };
      const categories = sortCategories([...c.ref.keys(), ...c.cur.keys()]);
      return categoricalFeature(
        {
          name: p.name,
          ref: { rows: ref.rows, missing: p.pRef.textMissing },
          cur: { rows: cur.rows, missing: p.pCur.textMissing },
          categories,
          countsRef: categories.map((k) => c.ref.get(k) ?? 0),
          countsCur: categories.map((k) => c.cur.get(k) ?? 0),
        },
        thresholds,
      );
    });
    lap('assemble');
    return assembleReport({ refRows: ref.rows, curRows: cur.rows, schema, features, thresholds, refPath: opts.reference, curPath: opts.current });
  } finally {
    for (const t of tables) await store.command(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}
