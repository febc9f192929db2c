// The dashboard's /v1 reads against a daemon on the embedded engine (chdb)
// with planted drift (fixture.ts): overview, time series, heatmap, and that
// the SQL shown for a feature passes read-only SQL and recomputes the stored
// scores from the raw values.
/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers, checked field by field */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, CONTROLS, DRIFTED, INGEST_TOKEN, READ_TOKEN, startFixture, type Fixture } from './fixture.ts';

let fx: Fixture;
const get = async (path: string, token = READ_TOKEN): Promise<{ status: number; body: any }> => {
  const r = await fetch(fx.base + path, { headers: { authorization: `Bearer ${token}` } });
  return { status: r.status, body: await r.json() };
};

describe('dashboard API', () => {
  beforeAll(async () => {
    fx = await startFixture();
  }, 180_000);
  afterAll(async () => fx?.stop());

  it('needs the read scope; the static page is public', async () => {
    expect((await get('/v1/dashboard/overview', INGEST_TOKEN)).status).toBe(403);
    expect((await fetch(`${fx.base}/v1/dashboard/overview`)).status).toBe(401);
    expect((await get('/v1/dashboard/overview')).status).toBe(200);
    const page = await fetch(`${fx.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect((await fetch(`${fx.base}/js/app.js`)).headers.get('content-type')).toMatch(/javascript/);
    for (const p of ['/../package.json', '/js/../../package.json', '/%2e%2e/package.json', '/web/index.html']) expect((await fetch(fx.base + p)).status).toBe(404);
  });

  it('overview: versions with status, share and first/last seen', async () => {
    const { body } = await get('/v1/dashboard/overview?range=2h');
    const fraud = body.models.find((m: any) => m.model === 'fraud');
    expect(fraud.predictions).toBe(6 * 1350);
    const v1 = fraud.versions.find((v: any) => v.version === 'v1');
    const v2 = fraud.versions.find((v: any) => v.version === 'v2');
    expect(v1.status).toBe('healthy');
    expect(v2.status).toBe('alert');
    expect(v1.share).toBeCloseTo(2 / 3, 6);
    expect(Date.parse(v1.first_seen)).toBe(fx.windowEnd - 60 * 60_000);
    expect(Date.parse(v2.last_seen)).toBeLessThan(fx.windowEnd);
    const empty = await get(`/v1/dashboard/overview?range=1h&end=${new Date(fx.windowEnd - 3 * 3_600_000).toISOString()}`);
    expect(empty.body.models).toEqual([]);
    expect((await get('/v1/dashboard/overview?range=99y')).status).toBe(400);
  });

  it('time series: one line per version, counts add up', async () => {
    const { body } = await get('/v1/dashboard/timeseries?model=fraud&range=2h');
    expect(body.step_seconds).toBe(60);
    const total = body.versions.flatMap((v: any) => v.points).reduce((s: number, p: any[]) => s + p[1], 0);
    expect(total).toBe(6 * 1350);
    expect(body.versions.map((v: any) => v.version)).toEqual(['v1', 'v2']);
    const p = body.versions[1].points[0];
    expect(p[3]).toBeLessThanOrEqual(p[4]);
    expect(p[4]).toBeLessThanOrEqual(p[5]);
  });

  it('heatmap: the drifted features alert in the drifted windows only', async () => {
    const { body } = await get('/v1/dashboard/heatmap?model=fraud&version=v2&range=2h');
    expect(body.detector).toBe('canary-vs-champion');
    expect(body.windows).toHaveLength(6);
    const status = (f: string): string[] => body.cells.filter((c: any[]) => body.features[c[0]] === f).sort((a: any[], b: any[]) => a[1] - b[1]).map((c: any[]) => c[4]);
    for (const f of DRIFTED) expect(status(f)).toEqual(['ok', 'ok', 'ok', 'alert', 'alert', 'alert'].map((s, i) => (i < 3 ? status(f)[i] : s)));
    for (const f of DRIFTED) expect(status(f).slice(0, 3)).not.toContain('alert');
    for (const f of CONTROLS) expect(status(f)).not.toContain('alert');
  });

  it("a feature's SQL passes read-only SQL and recomputes its stored scores", async () => {
    const hm = (await get('/v1/dashboard/heatmap?model=fraud&version=v2&range=2h')).body;
    const run = hm.windows.at(-1).run_id;
    for (const feature of [...DRIFTED, ...CONTROLS]) {
      const d = (await get(`/v1/dashboard/feature?model=fraud&version=v2&feature=${feature}&run_id=${run}`)).body;
      const stored = new Map<string, number>(d.scores.map((s: any) => [s.metric, s.value]));
      for (const sql of [d.sql.stored, d.sql.recompute]) {
        const r = await fetch(`${fx.base}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${READ_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: sql }) });
        const out = (await r.json()) as { rows: Array<Record<string, number>> };
        expect(r.status, `${feature}: ${JSON.stringify(out)}\n${sql}`).toBe(200);
        if (sql === d.sql.stored) {
          expect(out.rows.map((x) => x.metric)).toEqual(d.scores.map((s: any) => s.metric));
          continue;
        }
        const row = out.rows[0] as Record<string, number>;
        const metrics = d.type === 'numeric' ? ['psi', 'js', 'ks_d', 'wasserstein', 'missing_share_delta'] : ['psi', 'js', 'chi2', 'new_categories', 'missing_share_delta'];
        for (const m of metrics) {
          const want = stored.get(m) as number;
          expect(Number(row[m]), `${feature} ${m}`).toBeCloseTo(want, 9);
        }
        expect(Number(row.n_cur)).toBe(d.scores.find((s: any) => s.metric === 'psi').n_cur);
      }
      expect(d.histogram.type).toBe(d.type);
    }
    expect(d2type(hm)).toBe(true);
  });

  it('gate: the verdicts recorded for the model, read without asking the gate again', async () => {
    expect((await get('/v1/dashboard/gate?model=fraud&range=2h')).body.verdicts).toEqual([]);
    // A controller asks the gate: that records a verdict.
    const asked = await get('/v1/gate?model=fraud&candidate=v2&baseline=v1');
    expect(asked.status, JSON.stringify(asked.body)).toBe(200);
    const first = (await get('/v1/dashboard/gate?model=fraud&range=2h')).body;
    expect(first.verdicts).toHaveLength(1);
    const v = first.verdicts[0];
    expect(v).toMatchObject({ decision_id: asked.body.decision_id, candidate: 'v2', baseline: 'v1', verdict: asked.body.verdict, source: 'api' });
    expect(Date.parse(v.decided_at)).toBe(Date.parse(asked.body.decided_at));
    expect(v.failed_checks).toEqual(asked.body.checks.filter((c: any) => c.decision === 'fail').map((c: any) => c.name));
    // Reading the history twice records nothing new.
    expect((await get('/v1/dashboard/gate?model=fraud&range=2h')).body.verdicts).toHaveLength(1);
    expect((await get('/v1/dashboard/gate?model=churn&range=2h')).body.verdicts).toEqual([]);
    expect((await get('/v1/dashboard/gate?range=2h')).status).toBe(400);
    expect((await get('/v1/dashboard/gate?model=fraud', INGEST_TOKEN)).status).toBe(403);
  });

  it('names are quoted in the SQL it shows', async () => {
    const { quote, reproduceSql } = await import('../../src/api/dashboard-sql.ts');
    expect(quote("o'hara\\x\n")).toBe("'o''hara\\\\x\\x0a'");
    const sql = (model: string): string =>
      reproduceSql({ model, version: 'v', feature: 'f', type: 'numeric', windowStart: '2026-01-01 00:00:00.000', windowEnd: '2026-01-01 01:00:00.000', baseline: 'previous' }) as string;
    expect(sql("m'); DROP")).toContain("model = 'm''); DROP'");
    const run = (q: string) => fetch(`${fx.base}/v1/sql`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ query: q }) });
    const ok = await run(sql('fraud eu ü-1'));
    expect(ok.status, await ok.text()).toBe(200);
    // A quote inside a name stays inside its literal: the query runs (read-only
    // SQL's guard accepts it) and matches nothing, and nothing was dropped.
    const quoted = await run(sql("m'); DROP TABLE predictions; --"));
    const body = (await quoted.json()) as { rows: unknown[] };
    expect(quoted.status, JSON.stringify(body)).toBe(200);
    expect(body.rows.every((r) => Number((r as Record<string, unknown>).n_cur ?? 0) === 0)).toBe(true);
    expect((await run('SELECT count() AS n FROM predictions')).status).toBe(200);
  });
});

function d2type(hm: { features: string[] }): boolean {
  return hm.features.length === DRIFTED.length + CONTROLS.length;
}
