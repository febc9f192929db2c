// Read-only SQL for retro analysis, on the embedded store as on a server.
// The engine enforces it (readonly=1 forbids writes, DDL, table functions
// that touch files or the network, and changing settings); the row limit and
// the timeout are settings too, so a query cannot lift them.
import type { Store } from '../core/store/store.ts';

export interface SqlOptions {
  /** Rows returned at most (default 10,000). */
  limit?: number;
  /** Seconds the engine may spend (default 30). */
  timeoutSeconds?: number;
}

export interface SqlResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** True when more rows existed than the limit. */
  truncated: boolean;
}

export const SQL_DEFAULT_LIMIT = 10_000;
export const SQL_MAX_LIMIT = 1_000_000;

export async function runReadOnlySql(store: Store, sql: string, opts: SqlOptions = {}): Promise<SqlResult> {
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? SQL_DEFAULT_LIMIT)), SQL_MAX_LIMIT);
  const query = sql.trim().replace(/;\s*$/, '');
  const rows = await store.query<Record<string, unknown>>(query, {
    // readonly must come last: once it is set, no later setting may change.
    settings: {
      max_result_rows: limit + 1,
      result_overflow_mode: 'break',
      max_execution_time: Math.max(1, Math.trunc(opts.timeoutSeconds ?? 30)),
      readonly: 1,
    },
  });
  const truncated = rows.length > limit;
  const kept = truncated ? rows.slice(0, limit) : rows;
  return { columns: kept[0] ? Object.keys(kept[0]) : [], rows: kept, truncated };
}
