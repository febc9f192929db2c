// Read-only SQL for retro analysis, on the embedded store as on a server.
// Layers, each holding on its own:
//   1. the guard (sql-guard.ts): the engine's parser must read the query as one
//      SELECT over driftwatch's tables calling allowed functions; the
//      canonical text it printed is what runs;
//   2. readonly=1, so the engine itself refuses writes, DDL and changing any
//      setting (it is set last: nothing after it may change);
//   3. limits as settings the query cannot lift: an outer row limit, result
//      bytes (over them the query fails rather than fill memory), memory per
//      query (large GROUP BY and ORDER BY spill to disk first) and time;
//   4. on a ClickHouse server, a user with SELECT on these tables only
//      (deploy/clickhouse/readonly-user.sql, http.sql.username).
// The engine's file-access root (user_files_path) is no layer here: the
// embedded engine runs as clickhouse-local, whose file() ignores it.
import { DriftwatchError, isDriftwatchError } from '../core/errors.ts';
import type { Store } from '../core/store/store.ts';
import { guardQuery } from './sql-guard.ts';

export interface SqlOptions {
  /** Rows returned at most (default 10,000). */
  limit?: number;
  /** Seconds the engine may spend (default 30). */
  timeoutSeconds?: number;
  /** Largest time limit a caller may ask for (default 300); above it the query is refused. */
  maxTimeoutSeconds?: number;
  /** Result size in bytes above which the query fails (default 32 MiB). */
  maxResultBytes?: number;
  /** Memory the engine may use for the query, the serialized result included (default 512 MiB). */
  maxMemoryBytes?: number;
}

export interface SqlResult {
  columns: string[];
  rows: Record<string, unknown>[];
  /** True when more rows existed than the limit. */
  truncated: boolean;
}

export const SQL_DEFAULT_LIMIT = 10_000;
export const SQL_MAX_LIMIT = 1_000_000;
export const SQL_DEFAULTS = { timeoutSeconds: 30, maxTimeoutSeconds: 300, maxResultBytes: 32 * 1024 * 1024, maxMemoryBytes: 512 * 1024 * 1024 } as const;

/**
 * The engine-side layers: readonly and the limits, as settings of the query.
 * `limit` is the engine's outer LIMIT (one more row than asked, to tell a
 * truncated answer); a result over max_result_bytes fails rather than
 * arriving; readonly comes last, since once it is set no setting may change.
 */
export function readOnlySettings(limit: number, o: { timeoutSeconds: number; maxResultBytes: number; maxMemoryBytes: number }): Record<string, string | number> {
  return {
    limit: limit + 1,
    max_result_bytes: o.maxResultBytes,
    result_overflow_mode: 'throw',
    max_memory_usage: o.maxMemoryBytes,
    max_bytes_before_external_group_by: Math.floor(o.maxMemoryBytes / 2),
    max_bytes_before_external_sort: Math.floor(o.maxMemoryBytes / 2),
    max_execution_time: o.timeoutSeconds,
    timeout_overflow_mode: 'throw',
    readonly: 1,
  };
}

function limitError(e: unknown, o: Required<Omit<SqlOptions, 'limit'>>): DriftwatchError | null {
  const msg = (e as Error).message ?? '';
  if (/memory limit exceeded|MEMORY_LIMIT_EXCEEDED/i.test(msg)) {
    return new DriftwatchError('DW_SQL_LIMIT', `the query needs more than ${o.maxMemoryBytes} bytes of memory (http.sql.max_memory_bytes); aggregate more or select fewer rows`, { cause: e });
  }
  if (/Limit for result exceeded|TOO_MANY_ROWS_OR_BYTES/i.test(msg)) {
    return new DriftwatchError('DW_SQL_LIMIT', `the result is larger than ${o.maxResultBytes} bytes (http.sql.max_result_bytes); select fewer rows or columns`, { cause: e });
  }
  if (/Timeout exceeded|TIMEOUT_EXCEEDED|time limit/i.test(msg)) {
    return new DriftwatchError('DW_SQL_LIMIT', `the query ran longer than ${o.timeoutSeconds} s and was stopped`, { cause: e });
  }
  return null;
}

export async function runReadOnlySql(store: Store, sql: string, opts: SqlOptions = {}): Promise<SqlResult> {
  const limit = Math.min(Math.max(1, Math.trunc(opts.limit ?? SQL_DEFAULT_LIMIT)), SQL_MAX_LIMIT);
  const o = {
    timeoutSeconds: Math.max(1, Math.trunc(opts.timeoutSeconds ?? SQL_DEFAULTS.timeoutSeconds)),
    maxTimeoutSeconds: opts.maxTimeoutSeconds ?? SQL_DEFAULTS.maxTimeoutSeconds,
    maxResultBytes: opts.maxResultBytes ?? SQL_DEFAULTS.maxResultBytes,
    maxMemoryBytes: opts.maxMemoryBytes ?? SQL_DEFAULTS.maxMemoryBytes,
  };
  if (o.timeoutSeconds > o.maxTimeoutSeconds) {
    throw new DriftwatchError('DW_SQL_LIMIT', `a timeout of ${o.timeoutSeconds} s is above the cap of ${o.maxTimeoutSeconds} s (http.sql.max_timeout)`);
  }
  const query = await guardQuery(store, sql);
  let rows: Record<string, unknown>[];
  try {
    rows = await store.query<Record<string, unknown>>(query, { settings: readOnlySettings(limit, o) });
  } catch (e) {
    throw limitError(e, o) ?? e;
  }
  const truncated = rows.length > limit;
  const kept = truncated ? rows.slice(0, limit) : rows;
  return { columns: kept[0] ? Object.keys(kept[0]) : [], rows: kept, truncated };
}

/** True for errors that are the query's fault (a 400), not the server's. */
export function isQueryFault(e: unknown): boolean {
  return isDriftwatchError(e, 'DW_SQL_REFUSED') || isDriftwatchError(e, 'DW_SQL_LIMIT') || isDriftwatchError(e, 'DW_STORE_QUERY');
}
