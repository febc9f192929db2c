// The real POST /v1/baselines route (no import_dir, as by default) plus the
// SQL route, for the issue-10 baseline regressions.
import { addBaselineRoutes, type BaselineRouteOptions } from '../../src/api/baseline-routes.ts';
import { addSqlRoutes } from '../../src/api/sql-routes.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

export async function baselineApi(opts: BaselineRouteOptions = {}) {
  const { store, cleanup } = await openTestStore();
  const api = await startTestServer((r) => {
    addBaselineRoutes(r, () => store, opts);
    addSqlRoutes(r, () => store);
  });
  const post = async (path: string, format?: string) => {
    const r = await fetch(`${api.base}/v1/baselines`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', version: 'v1', path, ...(format ? { format } : {}) }) });
    const text = await r.text();
    return { status: r.status, text };
  };
  const sql = async (query: string) => (await fetch(`${api.base}/v1/sql`, { method: 'POST', body: JSON.stringify({ query }) })).text();
  return {
    store,
    post,
    sql,
    stop: async () => {
      await api.stop();
      await cleanup();
    },
  };
}
