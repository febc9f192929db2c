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
import { DEFAULT_THRESHOLDS, type SeverityThresholds } from '../stats/severity.ts';
import { assembleReport, diffSchema } from '../report/assemble.ts';
import { categoricalFeature, numericFeature, type EcdfAggregate } from '../report/feature.ts';
import type { CompareReport, FeatureReport } from '../report/types.ts';
import { exactEcdf, type EcdfPair } from './ecdf.ts';
import { largeEcdf } from './large.ts';
import { inputError } from './errors.ts';
import { formatFromPath, type InputFormat } from './formats.ts';
import { categoryCounts, numericHistograms } from './histograms.ts';
import { columnProfile, gridSamples, numberStats, tokenCounts, type ColumnProfile, type NumberStats } from './profile.ts';
import { referenceEdges } from './quantiles.ts';
import { fileSize, loadSource, type LoadedSource, type SourceColumn } from './source.ts';
import { holdsNumbers, tablePrefix } from './sql.ts';

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
   * Refine large columns (default true): the engine walks every cell that
   * could still change D or Wasserstein, so both are exact. Off, they come
   * from the cells alone, with error bounds (tests of the bounds use this).
   */
  refine?: boolean;
  /** Accept a file with no data rows (its shares and statistics are null) instead of failing. */
  allowEmpty?: boolean;
  signal?: AbortSignal;
  logger?: Logger;
}

export const DEFAULT_EXACT_LIMIT = 200_000;

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

/** Runs the comparison's queries, logging each step, and settles every one before the tables go. */
class Steps {
  private readonly inflight: Array<Promise<unknown>> = [];
  private readonly t0 = Date.now();
  constructor(private readonly log: Logger) {}
  track<T>(p: Promise<T>): Promise<T> {
    // The handler also marks p as handled: a step that fails while an earlier await throws is not an unhandled rejection.
    this.inflight.push(p.catch(() => undefined));
    return p;
  }
  lap = <T>(what: string, p: Promise<T>): Promise<T> =>
    this.track(
      p.then((v) => {
        this.log.debug('compare step done', { step: what, ms: Date.now() - this.t0 });
        return v;
      }),
    );
  settle(): Promise<unknown> {
    return Promise.allSettled(this.inflight);
  }
}

function checkInputs(ref: LoadedSource, cur: LoadedSource, opts: CompareFilesOptions, common: readonly string[]): void {
  if (!opts.allowEmpty) {
    for (const [src, label] of [
      [ref, 'reference'],
      [cur, 'current'],
    ] as const) {
      if (src.rows === 0) throw inputError(`${label} file ${src.path} is empty: it has a header but no data rows`);
    }
  }
  if (common.length === 0) {
    const list = (s: LoadedSource): string => s.columns.map((c) => JSON.stringify(c.name)).join(', ');
    throw inputError(`no common column: the reference file has ${list(ref)}; the current file has ${list(cur)}`);
  }
  const unknown = (opts.categorical ?? []).filter((c) => !common.includes(c));
  if (unknown.length > 0) throw inputError(`--categorical names ${unknown.map((c) => JSON.stringify(c)).join(', ')}, not a column of both files`);
}

type Bins = Map<string, { edges: number[]; ref: number[]; cur: number[] }>;

/** Reference decile edges, then both sides' bin counts. */
async function binsOf(store: Store, ref: LoadedSource, cur: LoadedSource, candidates: readonly Candidate[], steps: Steps, signal?: AbortSignal): Promise<Bins> {
  const edges = await steps.lap(
    'edges',
    referenceEdges(
      store,
      ref,
      candidates.map((c) => ({ col: c.ref, n: c.nRef })),
      signal,
    ),
  );
  const req = (side: 'ref' | 'cur') => candidates.map((c, k) => ({ col: c[side], edges: edges[k] as number[] }));
  const [hRef, hCur] = await steps.lap('bins', Promise.all([numericHistograms(store, ref, req('ref'), [], signal), numericHistograms(store, cur, req('cur'), [], signal)]));
  return new Map(candidates.map((c, k) => [c.name, { edges: edges[k] as number[], ref: hRef.bins[k] as number[], cur: hCur.bins[k] as number[] }]));
}

interface Profiled {
  name: string;
  k: number;
  pRef: ColumnProfile;
  pCur: ColumnProfile;
  numeric: boolean;
}

function featureOf(p: Profiled, ref: LoadedSource, cur: LoadedSource, bins: Bins, ecdfOf: Map<string, EcdfAggregate>, catOf: Map<string, { ref: Map<string, number>; cur: Map<string, number> }>, thresholds: SeverityThresholds): FeatureReport {
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
}

export async function compareFiles(store: Store, opts: CompareFilesOptions): Promise<CompareReport> {
  const log = opts.logger ?? silentLogger;
  const prefix = tablePrefix();
  const tables = [`${prefix}_ref`, `${prefix}_cur`] as const;
  const steps = new Steps(log);
  try {
    const [ref, cur] = await steps.lap('load', loadBoth(store, opts, tables));
    return await compareLoaded(store, ref, cur, opts, steps);
  } finally {
    await steps.settle();
    for (const t of tables) await store.command(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  }
}

/** The comparison of two loaded tables; the queries run as early as their inputs are known (see the top of this file). */
async function compareLoaded(store: Store, ref: LoadedSource, cur: LoadedSource, opts: CompareFilesOptions, steps: Steps): Promise<CompareReport> {
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const exactLimit = opts.exactLimit ?? DEFAULT_EXACT_LIMIT;
  const signal = opts.signal;
  const schema = diffSchema(
    ref.columns.map((c) => c.name),
    cur.columns.map((c) => c.name),
  );
  checkInputs(ref, cur, opts, schema.common);
  const forced = new Set(opts.categorical ?? []);
  const refCols = schema.common.map((n) => ref.columns.find((c) => c.name === n) as SourceColumn);
  const curCols = schema.common.map((n) => cur.columns.find((c) => c.name === n) as SourceColumn);

  // Types need the token counts; the numeric work needs only the float stats, so it starts first.
  const tokensP = steps.lap('tokens', Promise.all([tokenCounts(store, ref, refCols, signal), tokenCounts(store, cur, curCols, signal)]));
  const grid = ref.rows + cur.rows > exactLimit;
  const noSamples = (cols: SourceColumn[]): number[][] => cols.map(() => []);
  const samplesP = steps.lap('samples', Promise.all([grid ? gridSamples(store, ref, refCols, signal) : noSamples(refCols), grid ? gridSamples(store, cur, curCols, signal) : noSamples(curCols)]));
  const [statsRef, statsCur] = await steps.lap('float stats', Promise.all([numberStats(store, ref, refCols, signal), numberStats(store, cur, curCols, signal)]));

  // Candidates for numeric work: not forced categorical, able to hold numbers, and numbers on the reference side.
  const candidates: Candidate[] = schema.common
    .map((name, k) => ({ name, ref: refCols[k] as SourceColumn, cur: curCols[k] as SourceColumn, nRef: statsRef[k]!.finite, nCur: statsCur[k]!.finite, k }))
    .filter((c) => !forced.has(c.name) && holdsNumbers(c.ref.kind) && holdsNumbers(c.cur.kind) && c.nRef > 0);
  const both = candidates.filter((c) => c.nCur > 0);
  const small = both.filter((c) => c.nRef + c.nCur <= exactLimit);
  const large = both.filter((c) => c.nRef + c.nCur > exactLimit);
  const ecdfPair = (c: Candidate): EcdfPair => ({ ref: c.ref, cur: c.cur, nRef: c.nRef, nCur: c.nCur });

  const binsP = steps.track(binsOf(store, ref, cur, candidates, steps, signal));
  const exactP = steps.lap('exact ecdf', exactEcdf(store, ref, cur, small.map(ecdfPair), signal));
  const kOf = new Map(schema.common.map((n, k) => [n, k]));
  const largeP = steps.track(
    samplesP.then(([sRef, sCur]) => {
      const cols = large.map((c) => {
        const k = kOf.get(c.name) as number;
        return { name: c.name, pair: ecdfPair(c), stats: { ref: statsRef[k] as NumberStats, cur: statsCur[k] as NumberStats }, samples: { ref: sRef[k] ?? [], cur: sCur[k] ?? [] } };
      });
      return largeEcdf(store, ref, cur, cols, { refine: opts.refine ?? true, lap: steps.lap, ...(signal ? { signal } : {}) });
    }),
  );

  // Types: numeric when every present value on both sides is a number (and not forced categorical).
  const [tokRef, tokCur] = await tokensP;
  const profiles: Profiled[] = schema.common.map((name, k) => {
    const pRef = columnProfile(refCols[k] as SourceColumn, ref.rows, statsRef[k] as NumberStats, tokRef[k] as number);
    const pCur = columnProfile(curCols[k] as SourceColumn, cur.rows, statsCur[k] as NumberStats, tokCur[k] as number);
    const numeric = !forced.has(name) && holdsNumbers(refCols[k]!.kind) && holdsNumbers(curCols[k]!.kind) && pRef.nonNumeric === 0 && pCur.nonNumeric === 0;
    return { name, k, pRef, pCur, numeric };
  });
  const categorical = profiles.filter((p) => !p.numeric);
  const catCols = (cols: SourceColumn[]) => categorical.map((p) => cols[p.k] as SourceColumn);
  const [catRef, catCur] = await steps.lap('categories', Promise.all([categoryCounts(store, ref, catCols(refCols), signal), categoryCounts(store, cur, catCols(curCols), signal)]));
  const [bins, exact, largeEcdfs] = await Promise.all([binsP, exactP, largeP]);
  const ecdfOf = new Map<string, EcdfAggregate>(largeEcdfs);
  small.forEach((c, k) => ecdfOf.set(c.name, { ...(exact[k] as { dNumerator: number; wasserstein: number }), method: 'exact' }));
  const catOf = new Map(categorical.map((p, i) => [p.name, { ref: catRef[i] as Map<string, number>, cur: catCur[i] as Map<string, number> }]));
  const features = profiles.map((p) => featureOf(p, ref, cur, bins, ecdfOf, catOf, thresholds));
  return assembleReport({ refRows: ref.rows, curRows: cur.rows, schema, features, thresholds, refPath: opts.reference, curPath: opts.current });
}
