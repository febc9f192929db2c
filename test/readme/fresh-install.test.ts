// A fresh install, as the README describes it: traffic was logged before the
// detectors ever ran (here over HTTP with the scheduler off, as if backfilled
// into Kafka), then driftwatch starts with its scheduler for the first time.
// The first start scores every recent window that holds predictions, not
// only the newest; the README's canary rule fires at the second breaching
// window; and since no other version has a health record yet (the README's
// canary-vs-champion job scores the canary only), the rollback is recorded
// with target_version null and target_reason no_healthy_target, not sent,
// and the alert (API and webhook notification) says so.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { traffic } from '../../src/demo/traffic.ts';
import { latestWindowEnd } from '../../src/scheduler/windows.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { captureLogger, startReceiver, waitUntil, type Receiver } from '../alerts/helpers.ts';
import { block, mergeConfig, rewrite, yamlOf } from './readme.ts';
import { postEvents, startDaemon, type RunningDaemon } from './daemon.ts';

const H = 3_600_000;
const dir = tempDir('dw-readme-fresh-');
const log = captureLogger('info');
let deploy: Receiver;
let hook: Receiver;
let daemon: RunningDaemon;
// The two newest complete windows of a 1h job with the README's default 1m delay.
const END = latestWindowEnd(Date.now(), H, 60_000);
const WINDOWS = [END - H, END].map((end) => ({ start: end - H, end }));

function config(schedulerEnabled: boolean): Record<string, unknown> {
  const detectors = yamlOf(block('yaml', 'Drift detectors').text) as { detectors: { jobs: Array<{ name: string }> } };
  const actions = rewrite(block('yaml', 'Actions: retrain and rollback webhooks').text, [['https://deploy.internal/hooks/rollback', `${deploy.url}/hooks/rollback`]]);
  return mergeConfig(
    {
      data_dir: join(dir.path, 'data'),
      http: { port: 0 },
      kafka: { enabled: false },
      scheduler: { enabled: schedulerEnabled },
      log: { level: 'warn' },
      // Only the README's canary job, on a schedule that will not tick during the test: what runs is the first-start catch-up.
      detectors: { jobs: detectors.detectors.jobs.filter((j) => j.name === 'canary-vs-champion').map((j) => ({ ...j, schedule: '0 0 1 1 *' })) },
      alerts: {
        route: { receiver: 'hook', group_wait: '1s', group_interval: '1m', repeat_interval: '4h' },
        receivers: [{ name: 'hook', webhook_configs: [{ url: `${hook.url}/alerts` }] }],
      },
    },
    yamlOf(actions),
  );
}

beforeAll(async () => {
  process.env.ROLLBACK_WEBHOOK_SECRET = 'whsec_' + Buffer.from('fresh install rollback key 32 b!').toString('base64');
  deploy = await startReceiver(() => ({ status: 204, body: '' }));
  hook = await startReceiver();
  // Traffic logged before any detector ran.
  const logging = await startDaemon(config(false), log.logger);
  for (const [i, w] of WINDOWS.entries()) {
    await postEvents(logging.base, traffic({ version: 'v11', drift: 0, seed: 30 + i, startMs: w.start, endMs: w.end, count: 1500, idPrefix: `v11-${i}`, deployment: 'champion' }));
    await postEvents(logging.base, traffic({ version: 'v12', drift: 1, seed: 40 + i, startMs: w.start, endMs: w.end, count: 1500, idPrefix: `v12-${i}`, deployment: 'canary' }));
  }
  await logging.stop();
  // The first start with the scheduler on.
  daemon = await startDaemon(config(true), log.logger);
}, 240_000);

afterAll(async () => {
  await daemon?.stop();
  await Promise.all([deploy?.close(), hook?.close()]);
  dir.remove();
});

const get = async (path: string) => (await fetch(daemon.base + path)).json() as Promise<Record<string, unknown>>;

describe('a fresh install', () => {
  it('the first start scores both windows that hold predictions (not only the newest)', { timeout: 240_000 }, async () => {
    let runs: Array<{ window_end: string; trigger: string; status: string }> = [];
    await waitUntil(
      async () => {
        runs = (await get('/v1/runs?detector=canary-vs-champion')).items as typeof runs;
        return runs.length >= 2;
      },
      200_000,
      'the first-start runs',
    );
    const ends = WINDOWS.map((w) => w.end);
    const scored = runs.map((r) => [Date.parse(r.window_end.replace(' ', 'T') + 'Z'), r.trigger, r.status] as const).reverse();
    expect(scored.filter(([end]) => ends.includes(end))).toEqual(WINDOWS.map((w) => [w.end, 'catchup', 'ok']));
    // Nothing else but, should the clock have passed an hour since, the new newest window.
    expect(scored.filter(([end]) => !ends.includes(end)).every(([end]) => end === latestWindowEnd(Date.now(), H, 60_000))).toBe(true);
  });

  it('the canary rule fires; with no healthy version on record the rollback is recorded as no_healthy_target and not sent', { timeout: 60_000 }, async () => {
    type AlertJson = { rule: string; state: string; labels: Record<string, string>; actions: Array<Record<string, unknown>> };
    let firing: AlertJson[] = [];
    await waitUntil(
      async () => {
        firing = ((await get('/v1/alerts?state=firing&limit=1000')).alerts as AlertJson[]).filter((a) => a.rule === 'canary-drift');
        return firing.length > 0;
      },
      30_000,
      'the canary alert to fire',
    );
    const [first] = firing.filter((a) => a.actions[0]?.outcome === 'no_target');
    expect(first?.labels).toMatchObject({ version: 'v12', deployment: 'canary', detector: 'canary-vs-champion' });
    expect(first?.actions).toEqual([{ action: 'rollback-fraud', type: 'rollback', outcome: 'no_target', target_version: null, reason: 'no_healthy_target', webhook_id: expect.stringMatching(/^msg_/), at: expect.any(String) }]);

    // Recorded with its payload in the outbox, state no_target; never sent.
    const store = daemon.app.storeComponent.store;
    const [row] = await store.query<{ state: string; payload: string }>(`SELECT toString(state) AS state, payload FROM alert_outbox WHERE id = {id:String}`, { params: { id: String(first!.actions[0]!.webhook_id) } });
    expect(row?.state).toBe('no_target');
    expect(JSON.parse(row!.payload)).toMatchObject({ type: 'rollback', action: 'rollback-fraud', model: 'fraud', current_version: 'v12', target_version: null, target_reason: 'no_healthy_target' });
    expect(log.text()).toContain('DW_ALERT_NO_ROLLBACK_TARGET');
    await new Promise((r) => setTimeout(r, 2500));
    expect(deploy.requests).toHaveLength(0);

    // The alert's notification carries what its action did.
    await waitUntil(() => hook.requests.length > 0, 15_000, 'the alert notification');
    const body = hook.requests[0]!.json as { alerts: Array<{ labels: Record<string, string>; actions?: Array<Record<string, unknown>> }> };
    const notified = body.alerts.find((a) => a.labels.version === 'v12' && a.actions?.some((x) => x.outcome === 'no_target'));
    expect(notified?.actions).toEqual([expect.objectContaining({ action: 'rollback-fraud', outcome: 'no_target', target_version: null, reason: 'no_healthy_target' })]);
  });
});
