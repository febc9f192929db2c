// POST /v1/sql over HTTP: refusals are 400 with a code and a reason, the
// timeout cap is enforced, at most max_concurrent queries run at once (429
// beyond), and the memory probe of issue 10 leaves the process bounded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addSqlRoutes } from '../../src/api/sql-routes.ts';
import type { Store } from '../../src/core/store/store.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

const TOKEN = 'sql-routes-token-0123456789';
let store: Store;
let cleanup: () => Promise<void>;
let api: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  api = await startTestServer((r) => addSqlRoutes(r, () => store, { maxConcurrent: 1, limits: { maxTimeoutSeconds: 60 } }), { token: TOKEN });
});
afterAll(async () => {
  await api.stop();
  await cleanup();
});

const post = async (body: unknown) => {
  const r = await fetch(`${api.base}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
};

const SLOW = 'SELECT count() FROM (SELECT arrayJoin(range(30000)) AS a) AS x CROSS JOIN (SELECT arrayJoin(range(30000)) AS b) AS y WHERE cityHash64(a, b) % 7 = 1';

describe('POST /v1/sql', () => {
  it('answers a SELECT', async () => {
    const r = await post({ query: 'SELECT count() AS n FROM drift_scores' });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ columns: ['n'], truncated: false });
  });

  it.each([
    ["SELECT file('/proc/self/environ')", /file\(\) is not allowed/],
    ["SELECT 1 INTO OUTFILE '/tmp/dw-sql-route.txt'", /INTO OUTFILE/],
    ['KILL QUERY WHERE 1', /KILL statements are not allowed/],
    ['SELECT query FROM system.processes', /system\.processes is not readable/],
    ["SELECT repeat('x', 1e6) FROM numbers(300)", /table function numbers\(\)/],
  ])('refuses %s with 400, DW_SQL_REFUSED and the reason', async (query, why) => {
    const r = await post({ query });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'DW_SQL_REFUSED', error: expect.stringMatching(why), details: { reason: expect.stringMatching(why) } });
  });

  it('refuses a timeout above the cap (an hour asked, 60 s allowed)', async () => {
    const r = await post({ query: 'SELECT 1', timeout_seconds: 3600 });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'DW_SQL_LIMIT', error: expect.stringMatching(/above the cap of 60/) });
  });

  it('a query past its timeout is stopped: 400 DW_SQL_LIMIT', async () => {
    const r = await post({ query: SLOW, timeout_seconds: 1 });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'DW_SQL_LIMIT' });
  });

  it('runs at most max_concurrent queries: 429 with Retry-After beyond', async () => {
    const slow = post({ query: SLOW, timeout_seconds: 5 });
    await new Promise((r) => setTimeout(r, 300));
    const busy = await post({ query: 'SELECT 1' });
    expect(busy.status).toBe(429);
    expect(busy.headers.get('retry-after')).toBe('1');
    expect(busy.body).toMatchObject({ code: 'DW_SQL_BUSY' });
    await slow;
    expect((await post({ query: 'SELECT 1' })).status).toBe(200);
  });

  it('the 300 MB result of the memory probe is refused and memory stays bounded', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    try {
      const r = await post({ query: "SELECT repeat('x', 1000000) AS s FROM (SELECT arrayJoin(range(300)))" });
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ code: 'DW_SQL_LIMIT' });
    } finally {
      clearInterval(timer);
    }
    // Unbounded, this took RSS from 0.45 GB to 3.7 GB; the engine's cap is 512 MiB.
    console.log(`memory probe: rss ${Math.round(before / 1e6)} MB -> peak ${Math.round(peak / 1e6)} MB`);
    expect(peak - before).toBeLessThan(1.5e9);
  });
});
