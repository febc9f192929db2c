// First pass over a loaded side: per column, how many values are missing
// before typing, how many are present but not numbers, how many are finite
// numbers, and their range.
import type { Store } from '../../src/core/store/store.ts';
import type { LoadedSource, SourceColumn } from './source.ts';
import { asBits, finiteExpr, floatCol, floatFromBits, holdsNumbers, missingExpr, num, QUERY_SETTINGS } from './sql.ts';

export interface ColumnProfile {
  /** Null, missing tokens, NaN. */
  textMissing: number;
  /** Present values that are not numbers. */
  nonNumeric: number;
  /** Finite numbers. */
  finite: number;
  min: number;
  max: number;
}

/** Points per side in the grid of cells for large columns. */
export const GRID_POINTS = 1024;
/** Rows sampled per side for the grid (the sample's quantiles become grid points). */
export const GRID_SAMPLE_ROWS = 32_768;

export interface NumberStats {
  /** Values whose float is NaN (null, missing tokens, text that is not a number). */
  nan: number;
  finite: number;
  min: number;
  max: number;
}

/** Cheap float aggregates per column in one scan (no string work). */
export async function numberStats(store: Store, src: LoadedSource, cols: readonly SourceColumn[], signal?: AbortSignal): Promise<NumberStats[]> {
  if (cols.length === 0) return [];
  const list = (f: (c: SourceColumn) => string): string => `[${cols.map(f).join(', ')}]`;
  const sql = `SELECT
    ${list((c) => `toFloat64(countIf(isNaN(${floatCol(c.index)})))`)} AS nan,
    ${list((c) => `toFloat64(countIf(${finiteExpr(c.kind, c.index)}))`)} AS finite,
    ${list((c) => `minIf(${floatCol(c.index)}, ${finiteExpr(c.kind, c.index)})`)} AS mins,
    ${list((c) => `maxIf(${floatCol(c.index)}, ${finiteExpr(c.kind, c.index)})`)} AS maxs
  FROM ${src.table}`;
  const [row] = await store.query<{ nan: number[]; finite: number[]; mins: number[]; maxs: number[] }>(sql, { settings: QUERY_SETTINGS, signal });
  if (!row) throw new Error('profile query returned no row');
  return cols.map((_, k) => ({ nan: num(row.nan[k]), finite: num(row.finite[k]), min: num(row.mins[k]), max: num(row.maxs[k]) }));
}

/**
 * Missing values per column that are not a number's NaN: nulls, and for CSV
 * the missing tokens, tested only on the rows whose float is NaN (one
 * filtered scan per column), so the string work skips every number. Typed
 * number columns get 0 (their missing values are the NaN count).
 */
export async function tokenCounts(store: Store, src: LoadedSource, cols: readonly SourceColumn[], signal?: AbortSignal): Promise<number[]> {
  const rest = cols.map((c, k) => ({ c, k })).filter(({ c }) => c.kind !== 'number');
  if (rest.length === 0) return cols.map(() => 0);
  const sql = rest.map(({ c, k }) => `SELECT toUInt32(${k}) AS col, toFloat64(countIf(${missingExpr(c.kind, c.index)})) AS n FROM ${src.table} WHERE isNaN(${floatCol(c.index)})`).join(' UNION ALL ');
  const rows = await store.query<{ col: number; n: number }>(sql, { settings: QUERY_SETTINGS, signal });
  const byCol = new Map(rows.map((r) => [num(r.col), num(r.n)]));
  return cols.map((_, k) => byCol.get(k) ?? 0);
}

/** Missing and non-numeric counts from the two parts of the profile. */
export function columnProfile(c: SourceColumn, rows: number, n: NumberStats, tokens: number): ColumnProfile {
  // number: NaN = null or NaN (missing); any other kind: NaN = missing (tokens) or not a number.
  const textMissing = c.kind === 'number' ? n.nan : tokens;
  const nonNumeric = c.kind === 'number' ? 0 : n.nan - tokens;
  void rows;
  return { textMissing, nonNumeric, finite: n.finite, min: n.min, max: n.max };
}

export async function profileColumns(store: Store, src: LoadedSource, cols: readonly SourceColumn[], signal?: AbortSignal): Promise<ColumnProfile[]> {
  const [stats, tokens] = await Promise.all([numberStats(store, src, cols, signal), tokenCounts(store, src, cols, signal)]);
  return cols.map((c, k) => columnProfile(c, src.rows, stats[k] as NumberStats, tokens[k] as number));
}

/**
 * Quantiles of a deterministic row sample, for the grid of cells: the rows
 * whose hash (of all the row's floats) falls in 1/rate (ties stay as frequent
 * as in the data, which a hash of the value alone would not keep), about
 * GRID_POINTS evenly spaced order statistics per column.
 */
export async function gridSamples(store: Store, src: LoadedSource, cols: readonly SourceColumn[], signal?: AbortSignal): Promise<number[][]> {
  const usable = cols.filter((c) => holdsNumbers(c.kind));
  if (usable.length === 0) return cols.map(() => []);
  const rate = Math.max(1, Math.floor(src.rows / GRID_SAMPLE_ROWS));
  // Every stride-th element of the sorted sample. (A lambda indexing the sample would capture it,
  // and the engine copies captured arrays once per element.)
  const stride = Math.max(1, Math.round(src.rows / rate / GRID_POINTS));
  const exprs = usable.map((c, k) => {
    const sorted = `arraySort(groupArrayIf(${floatCol(c.index)}, ${finiteExpr(c.kind, c.index)}))`;
    return `${asBits(`arrayDistinct(arrayFilter((x, i) -> i % ${stride} = 0, ${sorted} AS sample${k}, arrayEnumerate(sample${k})))`)} AS g${k}`;
  });
  // Filtering the sampled rows in WHERE is far cheaper than a per-row condition inside each aggregate.
  // The row's floats (cheaper to hash than its strings) decide whether it is sampled.
  const sql = `SELECT ${exprs.join(', ')} FROM ${src.table} WHERE cityHash64(${usable.map((c) => floatCol(c.index)).join(', ')}) % ${rate} = 0`;
  const [row] = await store.query<Record<string, string[]>>(sql, { settings: QUERY_SETTINGS, signal });
  const out = new Map(usable.map((c, k) => [c.index, ((row?.[`g${k}`] ?? []) as string[]).map(floatFromBits).filter((x) => Number.isFinite(x))]));
  return cols.map((c) => out.get(c.index) ?? []);
}
