// POST /v1/sql {"query": "...", "limit": 1000, "timeout_seconds": 30}
// At most http.sql.max_concurrent queries run at once (429 with Retry-After
// beyond); timeout_seconds above http.sql.max_timeout is refused, not clamped,
// so a caller never gets less time than it asked for without knowing.
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { isDriftwatchError } from '../core/errors.ts';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { isQueryFault, runReadOnlySql, SQL_DEFAULTS, SQL_MAX_LIMIT, type SqlOptions } from './sql.ts';

const body = z.strictObject({
  query: z.string().min(1, 'query is empty'),
  limit: z.number().int().min(1).max(SQL_MAX_LIMIT).optional(),
  timeout_seconds: z.number().int().min(1).optional(),
});

export interface SqlRouteOptions {
  /** Queries at once (default 4). */
  maxConcurrent?: number;
  /** Limits passed to every query (timeout default and cap, result bytes, memory). */
  limits?: Omit<SqlOptions, 'limit'>;
}

/** The route options from the config's http.sql section. */
export function sqlRouteOptions(sql: Config['http']['sql']): SqlRouteOptions {
  return {
    maxConcurrent: sql.max_concurrent,
    limits: {
      timeoutSeconds: Math.ceil(parseDuration(sql.default_timeout) / 1000),
      maxTimeoutSeconds: Math.floor(parseDuration(sql.max_timeout) / 1000),
      maxResultBytes: sql.max_result_bytes,
      maxMemoryBytes: sql.max_memory_bytes,
    },
  };
}

export function addSqlRoutes(router: Router, store: () => Store, opts: SqlRouteOptions = {}): void {
  const max = opts.maxConcurrent ?? 4;
  let running = 0;
  router.add('POST', '/v1/sql', async (req) => {
    const parsed = body.safeParse(await req.json());
    if (!parsed.success) throw new HttpError(400, 'invalid request', formatIssues(parsed.error.issues));
    const cap = opts.limits?.maxTimeoutSeconds ?? SQL_DEFAULTS.maxTimeoutSeconds;
    const t = parsed.data.timeout_seconds;
    if (t !== undefined && t > cap) {
      throw new HttpError(400, `timeout_seconds ${t} is above the cap of ${cap} (http.sql.max_timeout)`, [`timeout_seconds: must be at most ${cap}`], undefined, 'DW_SQL_LIMIT');
    }
    if (running >= max) {
      throw new HttpError(429, `${running} SQL queries are running, the most at once (http.sql.max_concurrent); retry shortly`, undefined, { 'retry-after': '1' }, 'DW_SQL_BUSY');
    }
    running++;
    try {
      const res = await runReadOnlySql(store(), parsed.data.query, { ...opts.limits, limit: parsed.data.limit, ...(t === undefined ? {} : { timeoutSeconds: t }) });
      return { status: 200, body: res };
    } catch (e) {
      // A refused query, a limit it hit, or the engine's refusal (syntax,
      // unknown column) is the caller's to fix, not a server fault.
      if (isQueryFault(e)) {
        const code = isDriftwatchError(e) ? e.code : undefined;
        throw new HttpError(400, (e as Error).message, isDriftwatchError(e, 'DW_SQL_REFUSED') ? { reason: e.details?.reason } : undefined, undefined, code);
      }
      throw e;
    } finally {
      running--;
    }
  });
}
