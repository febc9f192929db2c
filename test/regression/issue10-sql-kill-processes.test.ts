// Issue 10: KILL QUERY through POST /v1/sql cancelled other callers'
// queries, and system.processes showed their query text.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runReadOnlySql } from '../../src/api/sql.ts';
import { sqlApi } from './sql-api-harness.ts';

let api: Awaited<ReturnType<typeof sqlApi>>;
beforeAll(async () => (api = await sqlApi()));
afterAll(async () => api.stop());

const SLOW = "SELECT count() FROM (SELECT arrayJoin(range(20000)) AS a) AS x CROSS JOIN (SELECT arrayJoin(range(20000)) AS b) AS y WHERE cityHash64(a, b, 'victim-marker') % 7 = 1";

it("another caller's running query is neither shown nor killed", async () => {
  const victim = runReadOnlySql(api.store, SLOW, { timeoutSeconds: 20 });
  await new Promise((r) => setTimeout(r, 200));
  for (const q of ['SELECT query FROM system.processes', "SELECT query FROM system.processes WHERE query LIKE '%victim-marker%'", 'SELECT * FROM `system`.`processes`', 'SELECT 1 WHERE 1 IN system.processes']) {
    const r = await api.sql(q);
    expect(r.status, q).toBe(400);
    expect(r.text).not.toContain('victim-marker');
  }
  for (const q of ['KILL QUERY WHERE 1', "KILL QUERY WHERE query LIKE '%victim-marker%' SYNC", 'SELECT 1; KILL QUERY WHERE 1']) {
    const r = await api.sql(q);
    expect(r.status, q).toBe(400);
    expect(r.body).toMatchObject({ code: 'DW_SQL_REFUSED' });
  }
  const res = await victim;
  expect(res.rows).toHaveLength(1);
});
