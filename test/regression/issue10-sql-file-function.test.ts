// Issue 10: the scalar file('/any/path') returned any file through
// POST /v1/sql, and file('/proc/self/environ') every configured secret.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlApi } from './sql-api-harness.ts';

const SECRET = 'issue10-environ-secret-5b7d';
process.env.DW_ISSUE10_SECRET = SECRET;
let api: Awaited<ReturnType<typeof sqlApi>>;
beforeAll(async () => (api = await sqlApi()));
afterAll(async () => api.stop());

it.each(["SELECT file('/proc/self/environ')", "SELECT file('/etc/passwd')", "SELECT toString(file('/proc/self/environ')) AS e FROM drift_scores"])('%s is refused and reveals nothing', async (q) => {
  const r = await api.sql(q);
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'DW_SQL_REFUSED', error: expect.stringMatching(/file\(\) is not allowed/) });
  expect(r.text).not.toContain(SECRET);
  expect(r.text).not.toContain('root:');
});
