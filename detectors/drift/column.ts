// What the numeric half of the drift detector works on: a column (a feature,
// confidence or prediction_num) as a pair of per-side queries and its cells,
// and the one way its queries run.
import type { QueryParams, Store } from '../../src/core/store/store.ts';
import type { Side } from '../operational/sides.ts';
import type { EcdfAggregate } from '../report/feature.ts';
import type { ColumnCells } from './cells.ts';

/** Engine settings of every drift query: correctly rounded float parsing. */
export const DRIFT_SETTINGS = { precise_float_parsing: 1 } as const;

export interface NumericColumn {
  /** Index used in generated SQL (col) and parameter names. */
  id: number;
  /** SQL selecting the column's finite values as `v` (Float64) on a side. */
  branch(side: Side): string;
  nRef: number;
  nCur: number;
  cells: ColumnCells;
}

export interface NumericAggregates {
  edges: number[] | null;
  binsRef: number[];
  binsCur: number[];
  ecdf: EcdfAggregate | null;
}

export interface NumericOptions {
  exactLimit: number;
  /** Walk the cells that matter exactly (default); off, large columns get D and Wasserstein from the cells with error bounds. */
  refine?: boolean;
  params: QueryParams;
  signal?: AbortSignal;
}

// One query covers every large column: its text grows with the columns, past the engine's default AST limit.
export const run = <T>(store: Store, sql: string, o: NumericOptions, extra: QueryParams = {}): Promise<T[]> =>
  store.query<T>(sql, { params: { ...o.params, ...extra }, settings: { ...DRIFT_SETTINGS, max_ast_elements: 2_000_000, max_expanded_ast_elements: 2_000_000 }, ...(o.signal ? { signal: o.signal } : {}) });


/** A drift query with the detector's settings. */
export const query = <T>(store: Store, sql: string, params: QueryParams, signal?: AbortSignal): Promise<T[]> =>
  store.query<T>(sql, { params, settings: DRIFT_SETTINGS, ...(signal ? { signal } : {}) });
