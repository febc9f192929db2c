// GET /v1/gate and POST /v1/gate/flagger on the planted versions (a
// regressed canary v2, a clone of the champion v1clone, 1000 predictions
// each in one hour): verdicts with their checks and reasons, validation,
// Flagger's contract (only the status code counts) and its token in
// metadata, every verdict in gate_decisions and in the verdict counter.
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../detectors/gate/types.ts';
import type { VersionsReport } from '../../detectors/versions/compare.ts';
import { addGateRoutes } from '../../src/api/gate-routes.ts';
import { GateService } from '../../src/api/gate-service.ts';
import { addVersionsRoutes } from '../../src/api/versions-routes.ts';
import { parseConfig } from '../../src/config/load.ts';
import { Secret } from '../../src/core/config/secret.ts';
import { Authenticator } from '../../src/http/auth.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { END, seedPlanted } from '../detectors/versions/planted.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
let open: Awaited<ReturnType<typeof startTestServer>>;
let locked: Awaited<ReturnType<typeof startTestServer>>;
const registry = new Registry();
const TOKEN = 'gate-test-token';
const INGEST_TOKEN = 'ingest-only-token';

const config = parseConfig({
  gates: {
    policies: [
      {
        name: 'lenient',
        min_samples: 100,
        max_duration: '2h',
        checks: { latency_p95_ratio: { threshold: 1.5 }, error_rate_increase: { threshold: 0.05 }, confidence_shift: { threshold: 0.1 }, prediction_shift: { threshold: 0.2 }, quality: { threshold: 0.2 } },
      },
      { name: 'patient', max_duration: '2h' },
    ],
  },
});

const q = (candidate: string, extra: Record<string, string> = {}) => `/v1/gate?${new URLSearchParams({ model: 'fraud', candidate, baseline: 'v1', end: END, ...extra })}`;

async function flagger(base: string, metadata: Record<string, unknown>, opts: { query?: string; headers?: Record<string, string> } = {}) {
  const r = await fetch(`${base}/v1/gate/flagger${opts.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...opts.headers },
    body: JSON.stringify({ name: 'fraud-model', namespace: 'ml', phase: 'Progressing', checksum: 'abc', metadata }),
  });
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedPlanted(store);
  const service = new GateService({ store: () => store, gates: config.gates, actions: [], outbox: () => null, logger: silentLogger, registry });
  open = await startTestServer((router) => {
    addGateRoutes(router, service);
    addVersionsRoutes(router, () => store, { minCount: 100 });
  });
  locked = await startTestServer((router) => addGateRoutes(router, service, { tokens: [Authenticator.allScopes('test', new Secret(TOKEN)), { name: 'model-server', token: new Secret(INGEST_TOKEN), scopes: ['ingest'] }] }), { token: TOKEN });
});
afterAll(async () => {
  await open?.stop();
  await locked?.stop();
  await cleanup?.();
});

describe('GET /v1/gate', { timeout: 180_000 }, () => {
  it('the regressed canary fails, every check named with its threshold, statistic and decision', async () => {
    const r = await open.get(q('v2'));
    expect(r.status).toBe(200);
    const g = r.body as unknown as GateReport;
    expect(g).toMatchObject({ verdict: 'fail', statistical_verdict: 'fail', model: 'fraud', candidate: 'v2', baseline: 'v1', policy: 'default', window: { start: '2026-11-23T10:00:00.000Z', end: '2026-11-23T11:00:00.000Z' }, samples: { baseline: 1000, candidate: 1000 } });
    expect(g.checks.map((c) => [c.name, c.decision])).toEqual([
      ['latency_p95_ratio', 'fail'],
      ['error_rate_increase', 'fail'],
      ['confidence_shift', 'fail'],
      ['prediction_shift', 'inconclusive'],
      ['feature_drift', 'skipped'],
      ['quality', 'fail'],
      ['shadow_agreement', 'skipped'],
    ]);
    for (const c of g.checks) {
      expect(c.metric.length).toBeGreaterThan(5);
      expect(typeof c.threshold).toBe('number');
      expect(c.statistic).toMatchObject({ method: expect.stringMatching(/mixture/), alpha: expect.any(Number) });
    }
    expect(g.reasons[0]).toMatch(/^latency_p95_ratio: p95 57\.66 ms against 29\.04 ms: ratio 1\.986 .*surely above 1\.2$/);
    expect(g.reasons.some((x) => x.startsWith('quality: accuracy 0.491 against 0.751'))).toBe(true);
  });

  it('evidence_url is the versions comparison over the same window, on this server', async () => {
    const g = (await open.get(q('v2'))).body as unknown as GateReport;
    expect(g.evidence_url).toBe(`${open.base}/v1/versions/compare?model=fraud&a=v1&b=v2&window=3600s&end=2026-11-23T11%3A00%3A00.000Z`);
    const evidence = (await (await fetch(g.evidence_url as string)).json()) as VersionsReport;
    expect(evidence).toMatchObject({ model: 'fraud', a: 'v1', b: 'v2', window: { start: '2026-11-23T10:00:00.000Z', end: '2026-11-23T11:00:00.000Z' } });
    expect(evidence.flagged).toBeGreaterThan(5);
  });

  it('the clone passes a lenient policy, is inconclusive under a patient one and times out into fail under the default', async () => {
    const pass = (await open.get(q('v1clone', { policy: 'lenient' }))).body as unknown as GateReport;
    expect(pass).toMatchObject({ verdict: 'pass', timed_out: false });
    expect(pass.reasons[0]).toMatch(/^all 5 check\(s\) that ran passed/);
    const patient = (await open.get(q('v1clone', { policy: 'patient' }))).body as unknown as GateReport;
    expect(patient).toMatchObject({ verdict: 'inconclusive', timed_out: false });
    const timedOut = (await open.get(q('v1clone'))).body as unknown as GateReport;
    expect(timedOut).toMatchObject({ verdict: 'fail', statistical_verdict: 'inconclusive', timed_out: true, elapsed_seconds: 3600, max_duration_seconds: 1800 });
    expect(timedOut.reasons).toContain('still inconclusive after 60m (max_duration 30m): on_timeout makes it fail');
  });

  it('a candidate without traffic is inconclusive, and says so', async () => {
    const g = (await open.get(q('v9'))).body as unknown as GateReport;
    expect(g).toMatchObject({ verdict: 'inconclusive', window: { start: null }, samples: { baseline: 0, candidate: 0 } });
    expect(g.reasons[0]).toBe('fraud/v9 made no predictions in the 24h before 2026-11-23T11:00:00.000Z');
  });

  it('since and window move the rollout start', async () => {
    const g = (await open.get(q('v2', { since: '2026-11-23T10:30:00Z' }))).body as unknown as GateReport;
    expect(g.window.start).toBe('2026-11-23T10:30:00.000Z');
    expect(g.samples.candidate).toBe(500);
    const w = (await open.get(q('v2', { window: '30m' }))).body as unknown as GateReport;
    expect(w.window.start).toBe('2026-11-23T10:30:00.000Z');
  });

  it('bad requests answer 400 with every problem', async () => {
    const missing = await open.get('/v1/gate?model=fraud&candidate=v2&extra=1');
    expect(missing.status).toBe(400);
    expect(missing.body.details).toEqual(expect.arrayContaining([expect.stringMatching(/^baseline: /), expect.stringMatching(/^extra: unknown key/)]));
    expect((await open.get(q('v1'))).body.details).toEqual(['candidate: candidate and baseline must be different versions']);
    expect((await open.get(q('v2', { window: 'a day' }))).body.details).toEqual(['window: must be a duration like 30m, 1h or 24h']);
    expect((await open.get(q('v2', { end: 'yesterday' }))).body.details).toEqual(['end: must be an ISO-8601 time']);
    const unknown = await open.get(q('v2', { policy: 'nope' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.details).toEqual(['policy: unknown policy nope (policies: default, lenient, patient)']);
  });
});

describe('POST /v1/gate/flagger', { timeout: 180_000 }, () => {
  const meta = { model: 'fraud', candidate: 'v2', baseline: 'v1', end: END };
  it('200 only when the verdict is the expected one (pass by default, fail for a rollback hook)', async () => {
    const fail = await flagger(open.base, meta);
    expect(fail.status).toBe(412);
    expect(fail.body).toMatchObject({ verdict: 'fail', expect: 'pass', canary: { name: 'fraud-model', namespace: 'ml', phase: 'Progressing' } });
    expect((await flagger(open.base, meta, { query: '?expect=fail' })).status).toBe(200);
    expect((await flagger(open.base, { ...meta, expect: 'fail' })).status).toBe(200);
    expect((await flagger(open.base, { ...meta, candidate: 'v1clone', policy: 'lenient' })).status).toBe(200);
    expect((await flagger(open.base, { ...meta, candidate: 'v1clone', policy: 'patient' })).status).toBe(412);
  });

  it('parameters may come in the query string; metadata wins', async () => {
    const r = await flagger(open.base, { candidate: 'v1clone', policy: 'lenient' }, { query: `?model=fraud&candidate=v2&baseline=v1&end=${END}` });
    expect(r).toMatchObject({ status: 200, body: { verdict: 'pass' } });
  });

  it('a bad payload or parameters answer 400', async () => {
    expect((await flagger(open.base, { ...meta, candidate: 3 })).status).toBe(400);
    expect((await flagger(open.base, { model: 'fraud' })).status).toBe(400);
    expect((await flagger(open.base, { ...meta, expect: 'maybe' })).body).toMatchObject({ details: ['expect: must be pass or fail (got maybe)'] });
  });

  it('with a token configured: Flagger sends it in metadata (it cannot set headers); Bearer works too', async () => {
    expect((await flagger(locked.base, meta)).status).toBe(401);
    expect((await flagger(locked.base, { ...meta, token: 'wrong' })).status).toBe(401);
    expect((await flagger(locked.base, { ...meta, token: INGEST_TOKEN })).status).toBe(403);
    expect((await flagger(locked.base, { ...meta, token: TOKEN })).status).toBe(412);
    expect((await flagger(locked.base, { ...meta, token: TOKEN, expect: 'fail' })).status).toBe(200);
    expect((await flagger(locked.base, meta, { headers: { authorization: `Bearer ${TOKEN}` }, query: '?expect=fail' })).status).toBe(200);
    // GET /v1/gate stays behind the server's own bearer check.
    expect((await fetch(`${locked.base}${q('v2')}`)).status).toBe(401);
    expect((await locked.get(q('v2'))).status).toBe(200);
  });
});

describe('every verdict is kept and counted', () => {
  it('gate_decisions holds each decision with its checks; the counter has them by model, policy and verdict', async () => {
    const rows = await store.query<{ source: string; verdict: string; n: string }>(
      "SELECT source, verdict, count() AS n FROM gate_decisions WHERE model = 'fraud' GROUP BY source, verdict ORDER BY source, verdict",
    );
    const count = (source: string, verdict: string) => Number(rows.find((r) => r.source === source && r.verdict === verdict)?.n ?? 0);
    expect(count('api', 'fail')).toBeGreaterThanOrEqual(4);
    expect(count('api', 'pass')).toBeGreaterThanOrEqual(1);
    expect(count('flagger', 'fail')).toBeGreaterThanOrEqual(6);
    const [last] = await store.query<{ failed_checks: string[]; checks: string; reasons: string[]; n_candidate: string; rollout_start: string }>(
      "SELECT failed_checks, checks, reasons, n_candidate, rollout_start FROM gate_decisions WHERE candidate = 'v2' AND statistical_verdict = 'fail' AND source = 'api' ORDER BY decided_at DESC LIMIT 1",
    );
    expect(last?.failed_checks).toEqual(['latency_p95_ratio', 'error_rate_increase', 'confidence_shift', 'quality']);
    expect((JSON.parse(last?.checks ?? '[]') as unknown[]).length).toBe(7);
    expect(Number(last?.n_candidate)).toBeGreaterThan(0);
    // The counter agrees with the table, label set by label set.
    const byPolicy = await store.query<{ policy: string; verdict: string; n: string }>("SELECT policy, verdict, count() AS n FROM gate_decisions WHERE model = 'fraud' GROUP BY policy, verdict");
    const text = await registry.metrics();
    expect(byPolicy.length).toBeGreaterThanOrEqual(4);
    for (const r of byPolicy) {
      const m = new RegExp(`driftwatch_gate_verdicts_total\\{model="fraud",policy="${r.policy}",verdict="${r.verdict}"\\} (\\d+)`).exec(text);
      expect(Number(m?.[1]), `${r.policy}/${r.verdict}`).toBe(Number(r.n));
    }
  });
});
