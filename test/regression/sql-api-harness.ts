// The real POST /v1/sql route on an in-process server and an embedded store,
// for the issue-10 regressions (what the probes sent, over HTTP, with a token).
import { addSqlRoutes } from '../../src/api/sql-routes.ts';
import type { Store } from '../../src/core/store/store.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

export const TOKEN = 'regression-token-0123456789';

export async function sqlApi() {
  const { store, cleanup } = await openTestStore();
  const api = await startTestServer((r) => addSqlRoutes(r, () => store), { token: TOKEN });
  const sql = async (query: string, extra: Record<string, unknown> = {}) => {
    const r = await fetch(`${api.base}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ query, ...extra }) });
    const text = await r.text();
    return { status: r.status, text, body: JSON.parse(text) as Record<string, unknown> };
  };
  return {
    store: store as Store,
    sql,
    stop: async () => {
      await api.stop();
      await cleanup();
    },
  };
}
