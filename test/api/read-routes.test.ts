import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addReadRoutes } from '../../src/api/read-routes.ts';
import type { Store } from '../../src/core/store/store.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

let store: Store;
let cleanup: () => Promise<void>;
let api: Awaited<ReturnType<typeof startTestServer>>;
const TOKEN = 'api-token-123';

function score(run: number, feature: string, metric: string, value: number, status: string) {
  return {
    run_id: `run-${run}`,
    run_at: `2026-11-2${run} 10:00:00.000`,
    detector: 'drift',
    window_start: `2026-11-2${run} 09:00:00.000`,
    window_end: `2026-11-2${run} 10:00:00.000`,
    baseline: 'previous',
    model: 'fraud',
    model_version: 'v2',
    segment: '',
    feature,
    metric,
    value,
    p_value: null,
    threshold: 0.25,
    status,
    n_ref: 1000,
    n_cur: 900,
  };
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const pred = (id: string, model: string, version: string, ts: string) => ({ event_id: id, ts, model, model_version: version, prediction: '1', features: '{}', source: 'test', kafka_topic: '', kafka_partition: -1, kafka_offset: -1 });
  await store.insert('predictions', [
    pred('a', 'fraud', 'v1', '2026-11-20 10:00:00.000'),
    pred('b', 'fraud', 'v2', '2026-11-22 10:00:00.000'),
    pred('c', 'fraud', 'v2', '2026-11-23 10:00:00.000'),
    pred('d', "churn'; --", 'v1', '2026-11-23 11:00:00.000'),
  ]);
  await store.insert('drift_scores', [score(1, 'amount', 'psi', 0.05, 'ok'), score(2, 'amount', 'psi', 0.4, 'alert'), score(2, 'age', 'psi', 0.12, 'warn'), score(1, 'age', 'psi', 0.01, 'ok')]);
  await store.insert('detector_runs', [
    { run_id: 'run-1', detector: 'drift', window_start: '2026-11-21 09:00:00.000', window_end: '2026-11-21 10:00:00.000', trigger: 'schedule', started_at: '2026-11-21 10:00:00.000', finished_at: '2026-11-21 10:00:01.000', status: 'ok', scores: 2 },
    { run_id: 'run-2', detector: 'drift', window_start: '2026-11-22 09:00:00.000', window_end: '2026-11-22 10:00:00.000', trigger: 'schedule', started_at: '2026-11-22 10:00:00.000', finished_at: '2026-11-22 10:00:01.000', status: 'ok', scores: 2 },
  ]);
  api = await startTestServer((r) => addReadRoutes(r, () => store), { token: TOKEN });
});
afterAll(async () => {
  await api.stop();
  await cleanup();
});

describe('/v1 read API', () => {
  it('401 without a token and with a wrong one (RFC 6750 invalid_token)', async () => {
    expect((await fetch(`${api.base}/v1/models`)).status).toBe(401);
    const wrong = await fetch(`${api.base}/v1/models`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
  });

  it('lists models and versions seen, paginated', async () => {
    const first = await api.get('/v1/models?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items).toEqual([
      expect.objectContaining({ model: "churn'; --", version: 'v1', predictions: 1 }),
      expect.objectContaining({ model: 'fraud', version: 'v2', predictions: 2 }),
    ]);
    expect(first.body.next_offset).toBe(2);
    const second = await api.get('/v1/models?limit=2&offset=2');
    expect(second.body.items).toEqual([expect.objectContaining({ model: 'fraud', version: 'v1' })]);
    expect(second.body.next_offset).toBeNull();
  });

  it('latest scores: one per series, filters as bound parameters', async () => {
    const all = await api.get('/v1/scores/latest?model=fraud');
    expect(all.status, JSON.stringify(all.body)).toBe(200);
    expect((all.body.items as { feature: string; value: number; status: string }[]).map((r) => [r.feature, r.value, r.status])).toEqual([
      ['age', 0.12, 'warn'],
      ['amount', 0.4, 'alert'],
    ]);
    const alerts = await api.get('/v1/scores/latest?status=alert');
    expect((alerts.body.items as { feature: string }[]).map((r) => r.feature)).toEqual(['amount']);
    const none = await api.get(`/v1/scores/latest?model=${encodeURIComponent("x' OR 1=1 --")}`);
    expect(none.body.items).toEqual([]);
  });

  it('score history in a time range, newest first', async () => {
    const h = await api.get('/v1/scores/history?feature=amount&from=2026-11-20T00:00:00Z&to=2026-11-23T00:00:00Z');
    expect((h.body.items as { run_id: string }[]).map((r) => r.run_id)).toEqual(['run-2', 'run-1']);
  });

  it('detector runs', async () => {
    const r = await api.get('/v1/runs?detector=drift');
    expect((r.body.items as { run_id: string }[]).map((x) => x.run_id)).toEqual(['run-2', 'run-1']);
  });

  it('400 with every problem for bad parameters', async () => {
    const r = await api.get('/v1/scores/history?limit=0&from=yesterday&colour=red');
    expect(r.status).toBe(400);
    expect(r.body.details).toEqual(expect.arrayContaining([expect.stringMatching(/^limit: /), expect.stringMatching(/^from: /), 'colour: unknown key']));
  });

  it('a window scored again (late data) supersedes its scores: latest reads the current ones, history keeps both', async () => {
    const run = (id: string, day: number, startedAt: string) => ({
      run_id: id,
      detector: 'drift',
      window_start: `2026-11-2${day} 09:00:00.000`,
      window_end: `2026-11-2${day} 10:00:00.000`,
      trigger: 'late',
      started_at: startedAt,
      finished_at: startedAt,
      status: 'ok',
      scores: 1,
    });
    // run-3 scores the 21st again, after the 22nd was scored: an older window, so latest keeps the 22nd.
    await store.insert('drift_scores', [{ ...score(1, 'amount', 'psi', 0.07, 'ok'), run_id: 'run-3', run_at: '2026-11-22 12:00:00.000' }]);
    await store.insert('detector_runs', [run('run-3', 1, '2026-11-22 12:00:00.000')]);
    const latest = async () => (await api.get('/v1/scores/latest?model=fraud')).body.items as { feature: string; value: number; run_id: string }[];
    expect((await latest()).map((r) => [r.feature, r.value, r.run_id])).toEqual([
      ['age', 0.12, 'run-2'],
      ['amount', 0.4, 'run-2'],
    ]);
    // run-4 scores the 22nd again with late data and no longer produces age: its amount wins, and age has
    // no current score left (run-3 superseded the 21st's, run-4 the 22nd's).
    await store.insert('drift_scores', [{ ...score(2, 'amount', 'psi', 0.31, 'alert'), run_id: 'run-4', run_at: '2026-11-22 13:00:00.000' }]);
    await store.insert('detector_runs', [run('run-4', 2, '2026-11-22 13:00:00.000')]);
    expect((await latest()).map((r) => [r.feature, r.value, r.run_id])).toEqual([['amount', 0.31, 'run-4']]);
    const h = await api.get('/v1/scores/history?feature=amount&from=2026-11-20T00:00:00Z&to=2026-11-23T00:00:00Z');
    expect((h.body.items as { run_id: string; current: number | boolean }[]).map((r) => [r.run_id, Boolean(r.current)])).toEqual([
      ['run-4', true],
      ['run-3', true],
      ['run-2', false],
      ['run-1', false],
    ]);
  });

  it('404 for unknown routes, 405 for wrong methods', async () => {
    expect((await api.get('/v1/nothing')).status).toBe(404);
    const r = await fetch(`${api.base}/v1/models`, { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(r.status).toBe(405);
  });
});
