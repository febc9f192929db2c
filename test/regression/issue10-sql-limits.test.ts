// Issue 10: results had no byte limit (SELECT repeat('x', 1e6) FROM
// numbers(300) took RSS from 0.45 GB to 3.7 GB) and timeout_seconds up to an
// hour was accepted.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlApi } from './sql-api-harness.ts';

let api: Awaited<ReturnType<typeof sqlApi>>;
beforeAll(async () => (api = await sqlApi()));
afterAll(async () => api.stop());

it('the probe as sent is refused (numbers() is a table function)', async () => {
  const r = await api.sql("SELECT repeat('x', 1e6) FROM numbers(300)");
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'DW_SQL_REFUSED' });
});

it('the same 300 MB result built without a table function is stopped by the engine, memory bounded', async () => {
  const before = process.memoryUsage().rss;
  let peak = before;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const r = await api.sql("SELECT repeat('x', 1000000) AS s FROM (SELECT arrayJoin(range(300)))");
  clearInterval(t);
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'DW_SQL_LIMIT' });
  expect(peak - before).toBeLessThan(1.5e9);
});

it('an hour-long timeout is refused', async () => {
  const r = await api.sql('SELECT 1', { timeout_seconds: 3600 });
  expect(r.status).toBe(400);
  expect(r.body).toMatchObject({ code: 'DW_SQL_LIMIT', error: expect.stringMatching(/above the cap/) });
});
