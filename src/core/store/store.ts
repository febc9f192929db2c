// The store interface every module uses to reach ClickHouse. Two
// implementations sit behind it: the embedded engine (chDB, in process) and a
// ClickHouse server over HTTP. SQL is the same on both; user data (model,
// version, feature names) is always bound as {name:Type} query parameters.
import type { ClickHouseClient } from '@clickhouse/client';

export type QueryParams = Record<string, unknown>;

export interface QueryOptions {
  /** Bound parameters for {name:Type} placeholders. */
  params?: QueryParams;
  /** ClickHouse settings for this query only (e.g. readonly, max_execution_time). */
  settings?: Record<string, string | number | boolean>;
  /** Abort the request (the engine is asked to cancel where it can). */
  signal?: AbortSignal;
}

export interface InsertOptions {
  /** Same token twice within the dedup window => the second insert is a no-op. */
  dedupToken?: string;
  settings?: Record<string, string | number | boolean>;
}

export type StoreKind = 'embedded' | 'server';

export interface Store {
  readonly kind: StoreKind;
  readonly database: string;
  /** Where the data lives: the data directory for embedded, the redacted URL for a server. */
  readonly location: string;
  /** Rows of a SELECT as objects (JSONEachRow). */
  query<T = Record<string, unknown>>(sql: string, opts?: QueryOptions): Promise<T[]>;
  /**
   * A statement sent exactly as written (nothing appended), its answer read
   * as CSV: the first column of each row. For statements whose own syntax
   * would swallow a FORMAT clause, such as EXPLAIN.
   */
  queryLines(sql: string, opts?: QueryOptions): Promise<string[]>;
  /** DDL and statements without a result. */
  command(sql: string, opts?: QueryOptions): Promise<void>;
  /** Insert objects as JSONEachRow. */
  insert(table: string, rows: ReadonlyArray<Record<string, unknown>>, opts?: InsertOptions): Promise<void>;
  /** Insert bytes already in a ClickHouse input format (JSONEachRow, CSV, ...). */
  insertRaw(table: string, format: 'JSONEachRow' | 'CSVWithNames' | 'TSVWithNames', body: Buffer | string, opts?: InsertOptions): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
  /** The underlying client, for the rare caller that needs a streaming API. */
  readonly client: ClickHouseClient;
}
