// The Store operations, written once over @clickhouse/client and shared by
// the embedded and the server implementation.
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { DriftwatchError } from '../errors.ts';
import type { InsertOptions, QueryOptions, Store, StoreKind } from './store.ts';

function queryError(e: unknown, sql: string): DriftwatchError {
  if (e instanceof DriftwatchError) return e;
  const msg = e instanceof Error ? e.message : String(e);
  const retriable = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|socket hang up|Timeout|TOO_MANY_SIMULTANEOUS_QUERIES|MEMORY_LIMIT/i.test(msg);
  return new DriftwatchError('DW_STORE_QUERY', `ClickHouse: ${msg.trim()}`, {
    cause: e,
    retriable,
    details: { sql: sql.length > 500 ? sql.slice(0, 500) + '...' : sql },
  });
}

function settingsOf(opts: { settings?: Record<string, string | number | boolean> } | undefined): Record<string, string> | undefined {
  if (!opts?.settings) return undefined;
  return Object.fromEntries(Object.entries(opts.settings).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
}

/** The first column of each CSV line (quoted fields unquoted; quotes doubled inside). */
export function csvFirstColumn(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    let field = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        const q = text.indexOf('"', i);
        if (q < 0) throw new Error('unterminated quoted CSV field');
        field += text.slice(i, q);
        if (text[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
    } else {
      const end = text.slice(i).search(/[,\n]/);
      field = end < 0 ? text.slice(i) : text.slice(i, i + end);
      i = end < 0 ? text.length : i + end;
    }
    out.push(field);
    const nl = text.indexOf('\n', i);
    i = nl < 0 ? text.length : nl + 1;
  }
  return out;
}

export interface StoreParts {
  kind: StoreKind;
  database: string;
  location: string;
  client: ClickHouseClient;
  onClose?: () => Promise<void>;
  insertRaw: Store['insertRaw'];
  /**
   * A client on which per-query settings cannot leak into other queries.
   * Needed for chDB, whose connection turns settings into session-wide SET
   * statements; a server applies them per request, so it needs none.
   */
  scopedClient?: () => Promise<{ client: ClickHouseClient; release: () => Promise<void> }>;
}

export function storeOverClient(parts: StoreParts): Store {
  const { client } = parts;
  let closed = false;
  /** Run fn on a client where opts.settings apply to this call only. */
  const withSettings = async <T>(opts: { settings?: Record<string, unknown> } | undefined, fn: (c: ClickHouseClient) => Promise<T>): Promise<T> => {
    if (!opts?.settings || !parts.scopedClient) return fn(client);
    const scoped = await parts.scopedClient();
    try {
      return await fn(scoped.client);
    } finally {
      await scoped.release();
    }
  };
  return {
    kind: parts.kind,
    database: parts.database,
    location: parts.location,
    client,
    async query<T>(sql: string, opts?: QueryOptions): Promise<T[]> {
      try {
        return await withSettings(opts, async (c) => {
          const rs = await c.query({
            query: sql,
            format: 'JSONEachRow',
            query_params: opts?.params,
            clickhouse_settings: settingsOf(opts),
            abort_signal: opts?.signal,
          });
          return rs.json<T>();
        });
      } catch (e) {
        throw queryError(e, sql);
      }
    },
    async queryLines(sql: string, opts?: QueryOptions): Promise<string[]> {
      // The statement is sent as written, with no FORMAT appended (a FORMAT
      // after EXPLAIN binds to the explained query), so the answer comes in
      // the default output format: CSV for chDB, and CSV asked of a server
      // through its default_format parameter (not a setting: chDB's
      // connection would turn it into an unknown SET).
      const settings: ClickHouseSettings = { ...settingsOf(opts), ...(parts.kind === 'server' ? { default_format: 'CSV' as const } : {}) };
      try {
        const text = await withSettings(opts, async (c) => {
          const r = await c.exec({ query: sql, query_params: opts?.params, clickhouse_settings: settings, abort_signal: opts?.signal });
          const chunks: Buffer[] = [];
          for await (const chunk of r.stream) chunks.push(Buffer.from(chunk as Uint8Array));
          return Buffer.concat(chunks).toString('utf8');
        });
        return csvFirstColumn(text);
      } catch (e) {
        throw queryError(e, sql);
      }
    },
    async command(sql: string, opts?: QueryOptions): Promise<void> {
      try {
        await withSettings(opts, (c) => c.command({ query: sql, query_params: opts?.params, clickhouse_settings: settingsOf(opts), abort_signal: opts?.signal }));
      } catch (e) {
        throw queryError(e, sql);
      }
    },
    async insert(table: string, rows: ReadonlyArray<Record<string, unknown>>, opts?: InsertOptions): Promise<void> {
      if (rows.length === 0) return;
      if (parts.scopedClient) {
        // chDB: JSONEachRow through the raw insert, whose settings are a
        // query-level SETTINGS clause (a client insert would SET them on the
        // session, and a stale dedup token would swallow later inserts).
        const body = Buffer.from(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
        try {
          await parts.insertRaw(table, 'JSONEachRow', body, opts);
        } catch (e) {
          throw queryError(e, `INSERT INTO ${table}`);
        }
        return;
      }
      try {
        await client.insert({
          table,
          values: rows as Record<string, unknown>[],
          format: 'JSONEachRow',
          clickhouse_settings: { ...settingsOf(opts), ...(opts?.dedupToken ? { insert_deduplication_token: opts.dedupToken } : {}) },
        });
      } catch (e) {
        throw queryError(e, `INSERT INTO ${table}`);
      }
    },
    async insertRaw(table, format, body, opts) {
      try {
        await parts.insertRaw(table, format, body, opts);
      } catch (e) {
        throw queryError(e, `INSERT INTO ${table} FORMAT ${format}`);
      }
    },
    async ping(): Promise<boolean> {
      try {
        const r = await client.ping();
        return r.success;
      } catch {
        return false;
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await client.close();
      await parts.onClose?.();
    },
  };
}
