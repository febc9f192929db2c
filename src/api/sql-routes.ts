// POST /v1/sql {"query": "...", "limit": 1000, "timeout_seconds": 30}
import { z } from 'zod';
import { formatIssues } from '../core/config/format-issues.ts';
import { HttpError, type Router } from '../core/http/router.ts';
import type { Store } from '../core/store/store.ts';
import { runReadOnlySql, SQL_MAX_LIMIT } from './sql.ts';

const body = z.strictObject({
  query: z.string().min(1, 'query is empty'),
  limit: z.number().int().min(1).max(SQL_MAX_LIMIT).optional(),
  timeout_seconds: z.number().int().min(1).max(3600).optional(),
});

export function addSqlRoutes(router: Router, store: () => Store): void {
  router.add('POST', '/v1/sql', async (req) => {
    const parsed = body.safeParse(await req.json());
    if (!parsed.success) throw new HttpError(400, 'invalid request', formatIssues(parsed.error.issues));
    try {
      const res = await runReadOnlySql(store(), parsed.data.query, { limit: parsed.data.limit, timeoutSeconds: parsed.data.timeout_seconds });
      return { status: 200, body: res };
    } catch (e) {
      // The engine's refusal (readonly, syntax, unknown table) is the
      // caller's problem to fix, not a server fault.
      if ((e as { code?: string }).code === 'DW_STORE_QUERY') throw new HttpError(400, (e as Error).message);
      throw e;
    }
  });
}
