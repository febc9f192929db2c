// `driftwatch compare` as a library call: load both files into the engine,
// type every common column, push bins, quantiles, category counts and the
// ECDF statistics down, and assemble the report from aggregates only.
//
// The queries form a small dependency graph, started as early as each input
// is known, so both cores stay busy:
//   load -> float stats (finite counts, range) -> reference edges -> bins
//        -> grid samples ---------+-> cells (large columns) -> refinement (rare)
//        -> float stats ----------+-> exact ECDF walks (other columns)
//        -> missing-token counts -> types -> category counts
// Numeric work starts before the token counts settle the types; columns that
// turn out categorical just drop it (their floats are NaN, so it was cheap).
import type { Logger } from '../../src/core/log/logger.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { sortCategories } from '../stats/categories.ts';
import { chooseRefinement, ecdfFromCells, scanCells, type CellInput, type CellSide } from '../stats/ecdf-cells.ts';
import { DEFAULT_THRESHOLDS, type SeverityThresholds } from '../stats/severity.ts';
import { assembleReport, diffSchema } from '../report/assemble.ts';
import { categoricalFeature, numericFeature, type EcdfAggregate } from '../report/feature.ts';
import type { CompareReport, FeatureReport } from '../report/types.ts';
import { buildCellIndex, type CellIndex } from './cell-index.ts';
import { exactEcdf, refineCells, type EcdfPair } from './ecdf.ts';
import { inputError } from './errors.ts';
import { formatFromPath, type InputFormat } from './formats.ts';
import { categoryCounts, numericHistograms } from './histograms.ts';
import { columnProfile, gridSamples, numberStats, tokenCounts, type NumberStats } from './profile.ts';
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
   * grid cells (D within ks.d_error_bound; Wasserstein within
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

/** A column of both files, with what the float scan found on each side. */
interface Candidate {
  name: string;
  ref: SourceColumn;
  cur: SourceColumn;
  nRef: number;
  nCur: number;
}

function resolveFormat(path: string, forced: InputFormat | undefined, label: string): InputFormat {
  if (forced) return forced;
  const f = formatFromPath(path);
  if (!f) throw inputError(`cannot tell the format of the ${label} file ${path} from its name; pass --input-format csv|jsonl|parquet|arrow`);
  return f;
}

function gridOf(sRef: readonly number[], sCur: readonly number[], statsRef: NumberStats, statsCur: NumberStats): number[] {
  const pts = [...sRef, ...sCur];
  if (statsRef.finite > 0) pts.push(statsRef.min, statsRef.max);
  if (statsCur.finite > 0) pts.push(statsCur.min, statsCur.max);
  return [...new Set(pts.filter((x) => Number.isFinite(x)).map((x) => (x === 0 ? 0 : x)))].sort((a, b) => a - b);
}

async function loadBoth(store: Store, opts: CompareFilesOptions, tables: readonly [string, string]): Promise<[LoadedSource, LoadedSource]> {
  const refFormat = resolveFormat(opts.reference, opts.inputFormat, 'reference');
  const curFormat = resolveFormat(opts.current, opts.inputFormat, 'current');
  // Two big files load side by side with one parsing thread each; a big and a small one let the big one use all.
  const [refSize, curSize] = await Promise.all([fileSize(opts.reference), fileSize(opts.current)]);
  const singleThreaded = Math.min(refSize, curSize) > 0.25 * Math.max(refSize, curSize);
  // Both settle before anything is thrown, so the caller's cleanup never races a load still creating its table.
  const loads = await Promise.allSettled([
    loadSource(store, { path: opts.reference, format: refFormat, table: tables[0], label: 'reference', singleThreaded, signal: opts.signal }),
    loadSource(store, { path: opts.current, format: curFormat, table: tables[1], label: 'current', singleThreaded, signal: opts.signal }),
  ]);
  for (const l of loads) if (l.status === 'rejected') throw l.reason;
  return loads.map((l) => (l as PromiseFulfilledResult<LoadedSource>).value) as [LoadedSource, LoadedSource];
}

export async function compareFiles(store: Store, opts: CompareFilesOptions): Promise<CompareReport> {
  const log = opts.logger ?? silentLogger;
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const exactLimit = opts.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const signal = opts.signal;
  const prefix = tablePrefix();
  const tables = [`${prefix}_ref`, `${prefix}_cur`] as const;
  const t0 = Date.now();
  // Every query started is settled before the tables go, whatever fails first.
  const inflight: Array<Promise<unknown>> = [];
  const lap = <T>(what: string, p: Promise<T>): Promise<T> => {
    const q = p.then((v) => {
      log.debug('compare step done', { step: what, ms: Date.now() - t0 });
      return v;
    });
    return track(q);
  };
  function track<T>(p: Promise<T>): Promise<T> {
    // The handler also marks p as handled: a step that fails while an earlier await throws is not an unhandled rejection.
    inflight.push(p.catch(() => undefined));
    return p;
  }
  try {
    const [ref, cur] = await lap('load', loadBoth(store, opts, tables));
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

    // Types need the token counts; the numeric work needs only the float stats, so it starts first.
    const tokensP = lap('tokens', Promise.all([tokenCounts(store, ref, refCols, signal), tokenCounts(store, cur, curCols, signal)]));
    const grid = ref.rows + cur.rows > exactLimit;
    const samplesP = lap(
      'samples',
      Promise.all([grid ? gridSamples(store, ref, refCols, signal) : refCols.map(() => []), grid ? gridSamples(store, cur, curCols, signal) : curCols.map(() => [])]),
    );
    const [statsRef, statsCur] = await lap('float stats', Promise.all([numberStats(store, ref, refCols, signal), numberStats(store, cur, curCols, signal)]));

    // Candidates for numeric work: not forced categorical, not of an unusable type, and numbers on the reference side.
    const candidates: Candidate[] = schema.common
      .map((name, k) => ({ name, ref: refCols[k] as SourceColumn, cur: curCols[k] as SourceColumn, nRef: statsRef[k]!.finite, nCur: statsCur[k]!.finite, k }))
      .filter((c) => !forced.has(c.name) && c.ref.kind !== 'other' && c.cur.kind !== 'other' && c.nRef > 0);
    const statsOf = new Map(schema.common.map((name, k) => [name, { ref: statsRef[k] as NumberStats, cur: statsCur[k] as NumberStats }]));
    const both = candidates.filter((c) => c.nCur > 0);
    const small = both.filter((c) => c.nRef + c.nCur <= exactLimit);
    const large = both.filter((c) => c.nRef + c.nCur > exactLimit);
    const ecdfPair = (c: Candidate): EcdfPair => ({ ref: c.ref, cur: c.cur, nRef: c.nRef, nCur: c.nCur });

    const binsP: Promise<Map<string, { edges: number[]; ref: number[]; cur: number[] }>> = track(lap(
      'edges',
      referenceEdges(
        store,
        ref,
        candidates.map((c) => ({ col: c.ref, n: c.nRef })),
        signal,
      ),
    ).then(async (edges) => {
      const [hRef, hCur] = await lap(
        'bins',
        Promise.all([
          numericHistograms(
            store,
            ref,
            candidates.map((c, k) => ({ col: c.ref, edges: edges[k] as number[] })),
            [],
            signal,
          ),
          numericHistograms(
            store,
            cur,
            candidates.map((c, k) => ({ col: c.cur, edges: edges[k] as number[] })),
            [],
            signal,
          ),
        ]),
      );
      return new Map(candidates.map((c, k) => [c.name, { edges: edges[k] as number[], ref: hRef.bins[k] as number[], cur: hCur.bins[k] as number[] }]));
    }));
    const exactP = lap('exact ecdf', exactEcdf(store, ref, cur, small.map(ecdfPair), signal));
    const largeP = track(samplesP.then(async ([sRef, sCur]) => {
      const kOf = new Map(schema.common.map((n, k) => [n, k]));
      const indexes: CellIndex[] = large.map((c) => {
        const k = kOf.get(c.name) as number;
        const s = statsOf.get(c.name) as { ref: NumberStats; cur: NumberStats };
        return buildCellIndex(gridOf(sRef[k] ?? [], sCur[k] ?? [], s.ref, s.cur));
      });
      const [hRef, hCur] = await lap(
        'cells',
        Promise.all([
          numericHistograms(
            store,
            ref,
            [],
            large.map((c, k) => ({ col: c.ref, index: indexes[k] as CellIndex })),
            signal,
          ),
          numericHistograms(
            store,
            cur,
            [],
            large.map((c, k) => ({ col: c.cur, index: indexes[k] as CellIndex })),
            signal,
          ),
        ]),
      );
      // D is exact at the grid points and within one cell's mass elsewhere; only a column whose bound
      // exceeds the target is refined (an exact walk inside the cells that could hold a larger D).
      const inputs: CellInput[] = large.map((_, k) => ({ grid: (indexes[k] as CellIndex).grid, ref: hRef.cells[k] as CellSide, cur: hCur.cells[k] as CellSide }));
      const scans = inputs.map(scanCells);
      const plain = inputs.map((c, k) => ecdfFromCells(c, scans[k]!, new Map()));
      const target = opts.dErrorTarget ?? DEFAULT_D_ERROR_TARGET;
      const needy = large.map((c, k) => plain[k]!.dErrorNumerator / c.nRef / c.nCur > target);
      const budget = Math.floor((opts.refineBudget ?? DEFAULT_REFINE_BUDGET) / Math.max(1, needy.filter(Boolean).length));
      const refined = needy.some(Boolean)
        ? await lap(
            'refine',
            refineCells(
              store,
              ref,
              cur,
              large.map((c, k) => ({ pair: ecdfPair(c), index: indexes[k] as CellIndex, cells: needy[k] ? chooseRefinement(inputs[k]!, scans[k]!, budget) : [] })),
              signal,
            ),
          )
        : null;
      return new Map(
        large.map((c, k) => {
          const r = refined ? ecdfFromCells(inputs[k]!, scans[k]!, refined[k]!) : plain[k]!;
          const agg: EcdfAggregate = { dNumerator: r.dNumerator, wasserstein: r.wasserstein, method: 'binned', wassersteinErrorBound: r.wassersteinErrorBound, dErrorNumerator: r.dErrorNumerator };
          return [c.name, agg];
        }),
      );
    }));

    // Types: numeric when every present value on both sides is a number (and not forced categorical).
    const [tokRef, tokCur] = await tokensP;
    const profiles = schema.common.map((name, k) => {
      const pRef = columnProfile(refCols[k] as SourceColumn, ref.rows, statsRef[k] as NumberStats, tokRef[k] as number);
      const pCur = columnProfile(curCols[k] as SourceColumn, cur.rows, statsCur[k] as NumberStats, tokCur[k] as number);
      const numeric = !forced.has(name) && refCols[k]?.kind !== 'other' && curCols[k]?.kind !== 'other' && pRef.nonNumeric === 0 && pCur.nonNumeric === 0;
      return { name, k, pRef, pCur, numeric };
    });
    const categorical = profiles.filter((p) => !p.numeric);
    const [catRef, catCur] = await lap(
      'categories',
      Promise.all([
        categoryCounts(
          store,
          ref,
          categorical.map((p) => refCols[p.k] as SourceColumn),
          signal,
        ),
        categoryCounts(
          store,
          cur,
          categorical.map((p) => curCols[p.k] as SourceColumn),
          signal,
        ),
      ]),
    );
    const [bins, exact, largeEcdf] = await Promise.all([binsP, exactP, largeP]);
    const ecdfOf = new Map<string, EcdfAggregate>(largeEcdf);
    small.forEach((c, k) => ecdfOf.set(c.name, { ...(exact[k] as { dNumerator: number; wasserstein: number }), method: 'exact' }));
    const catOf = new Map(categorical.map((p, i) => [p.name, { ref: catRef[i] as Map<string, number>, cur: catCur[i] as Map<string, number> }]));

    const features: FeatureReport[] = profiles.map((p) => {
      if (p.numeric) {
        const b = bins.get(p.name);
        return numericFeature(
          {
            name: p.name,
            ref: { rows: ref.rows, missing: ref.rows - p.pRef.finite },
            cur: { rows: cur.rows, missing: cur.rows - p.pCur.finite },
            edges: b?.edges ?? null,
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
    log.debug('compare done', { ms: Date.now() - t0, features: features.length });
    return assembleReport({ refRows: ref.rows, curRows: cur.rows, schema, features, thresholds, refPath: opts.reference, curPath: opts.current });
  } finally {
    await Promise.allSettled(inflight);
    for (const t of tables) await store.command(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}
