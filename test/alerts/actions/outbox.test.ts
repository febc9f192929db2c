// The action outbox over an in-memory store and a loopback receiver:
// signed delivery, backoff with Retry-After, final 4xx, horizon, timeouts,
// dry runs, idempotent enqueue, and the action runner's decisions (target
// version, cooldown per model, muted alerts).
import { afterEach, describe, expect, it } from 'vitest';
import { ActionRunner } from '../../../alerts/actions/runner.ts';
import { REPRODUCE_SQL } from '../../../alerts/actions/payloads.ts';
import { verifyWebhook } from '../../../alerts/actions/sign.ts';
import { ManualClock } from '../../../alerts/clock.ts';
import { actionSchema, ruleSchema } from '../../../alerts/config.ts';
import { MemoryVersionHealthStore } from '../../../alerts/health.ts';
import { Outbox } from '../../../alerts/outbox/outbox.ts';
import { MemoryOutboxStore } from '../../../alerts/outbox/store.ts';
import { alertOf, captureLogger, startReceiver, type Receiver, type ReplyFn } from '../helpers.ts';

const SECRET = 'whsec_' + Buffer.from('rollback-secret-0123456789').toString('base64');
let r: Receiver;
afterEach(async () => r?.close());

async function setup(reply: ReplyFn = () => undefined, action: Record<string, unknown> = {}) {
  process.env.DW_TEST_ACTION_SECRET = SECRET;
  r = await startReceiver(reply);
  const cfg = actionSchema.parse({ name: 'rollback', type: 'rollback', url: `${r.url}/rollback`, secret: '${DW_TEST_ACTION_SECRET}', timeout: '300ms', retry_horizon: '1h', ...action });
  const store = new MemoryOutboxStore();
  const clock = new ManualClock(Date.now());
  const log = captureLogger();
  const outbox = new Outbox({ store, actions: [cfg], clock, logger: log.logger, pollMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 60_000, random: () => 1 });
  return { cfg, store, clock, outbox, log };
}

const msg = (id = 'msg_1', over: Record<string, unknown> = {}) => ({ id, action: 'rollback', kind: 'rollback' as const, model: 'fraud', fingerprint: 'fp', payload: JSON.stringify({ hello: id }), dryRun: false, ...over });

describe('outbox', () => {
  it('delivers a signed message once and records it', async () => {
    const { outbox, store, clock } = await setup();
    await outbox.enqueue(msg());
    expect(store.messages.get('msg_1')?.state).toBe('pending');
    await outbox.runOnce();
    await outbox.runOnce();
    expect(r.requests).toHaveLength(1);
    const req = r.requests[0]!;
    expect(req.body).toBe('{"hello":"msg_1"}');
    expect(verifyWebhook({ secret: SECRET, headers: req.headers, body: req.body, nowSec: Math.floor(clock.now() / 1000) })).toBe('msg_1');
    expect(store.messages.get('msg_1')).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
    expect(outbox.pendingCount()).toBe(0);
  });

  it('enqueueing the same id twice stores one message', async () => {
    const { outbox, store } = await setup();
    await outbox.enqueue(msg());
    await outbox.enqueue(msg());
    await outbox.runOnce();
    await outbox.enqueue(msg());
    expect(store.messages.size).toBe(1);
    await outbox.runOnce();
    expect(r.requests).toHaveLength(1);
  });

  it('5xx waits at least Retry-After; 408 and 429 are retried; the same webhook-id every time', async () => {
    const statuses = [503, 408, 429];
    const { outbox, store, clock } = await setup((_, i) => (i < statuses.length ? { status: statuses[i], headers: i === 0 ? { 'retry-after': '120' } : ({} as Record<string, string>) } : undefined));
    await outbox.enqueue(msg());
    await outbox.runOnce();
    const m = store.messages.get('msg_1')!;
    expect(m).toMatchObject({ state: 'pending', attempts: 1, lastStatus: 503 });
    expect(m.nextAttemptAt - clock.now()).toBe(120_000);
    await outbox.runOnce();
    expect(r.requests).toHaveLength(1); // not due yet
    for (const wait of [120_000, 2_000, 4_000]) {
      clock.advance(wait);
      await outbox.runOnce();
    }
    expect(r.requests.map((x) => x.headers['webhook-id'])).toEqual(['msg_1', 'msg_1', 'msg_1', 'msg_1']);
    expect(store.messages.get('msg_1')).toMatchObject({ state: 'delivered', attempts: 4 });
  });

  it('other 4xx are final: no retry, logged with the code', async () => {
    const { outbox, store, log } = await setup(() => ({ status: 422, body: 'unknown model' }));
    await outbox.enqueue(msg());
    await outbox.runOnce();
    await outbox.runOnce();
    expect(r.requests).toHaveLength(1);
    expect(store.messages.get('msg_1')).toMatchObject({ state: 'failed', lastStatus: 422, lastError: 'HTTP 422: unknown model' });
    expect(log.text()).toContain('"code":"DW_ALERT_DELIVERY"');
  });

  it('gives up after the retry horizon (expired), with timeouts counted as retriable', async () => {
    const { outbox, store, clock } = await setup(() => ({ hang: true }), { retry_horizon: '5s' });
    await outbox.enqueue(msg());
    for (let i = 0; i < 5 && store.messages.get('msg_1')?.state === 'pending'; i++) {
      await outbox.runOnce();
      clock.advance(2_000);
    }
    const m = store.messages.get('msg_1')!;
    expect(m.state).toBe('expired');
    expect(m.lastError).toBe('timed out after 300ms');
    expect(m.attempts).toBeGreaterThanOrEqual(2);
  });

  it('an unreachable receiver keeps the message pending; a new outbox over the store delivers it', async () => {
    const { outbox, store, cfg, clock, log } = await setup();
    const url = r.url;
    await r.close();
    await outbox.enqueue(msg());
    await outbox.runOnce();
    expect(store.messages.get('msg_1')).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringMatching(/ECONNREFUSED/) });
    r = await startReceiver(() => undefined, Number(new URL(url).port));
    const restarted = new Outbox({ store, actions: [cfg], clock, logger: log.logger, pollMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 60_000 });
    expect(await restarted.load()).toBe(1);
    clock.advance(10_000);
    await restarted.runOnce();
    expect(r.requests.map((x) => x.headers['webhook-id'])).toEqual(['msg_1']);
    expect(log.text()).not.toContain(SECRET);
  });

  it('dry run records the message without sending it', async () => {
    const { outbox, store } = await setup();
    await outbox.enqueue(msg('msg_dry', { dryRun: true }));
    await outbox.runOnce();
    expect(r.requests).toHaveLength(0);
    expect(store.messages.get('msg_dry')?.state).toBe('dry_run');
  });
});

describe('action runner', () => {
  const rule = ruleSchema.parse({ name: 'canary-drift', match: { metric: 'psi', tags: { deployment: 'canary' } }, thresholds: { critical: 0.25 }, actions: ['rollback'] });

  async function makeRunner(opts: { muted?: string | null; action?: Record<string, unknown> } = {}) {
    const s = await setup(() => undefined, opts.action);
    const health = new MemoryVersionHealthStore();
    const runner = new ActionRunner({ actions: [s.cfg], outbox: s.outbox, health, clock: s.clock, logger: s.log.logger, mutedBy: () => opts.muted ?? null });
    return { ...s, health, runner };
  }

  it('a rollback names the current version, the last healthy one, and the reasons with SQL to reproduce them', async () => {
    const { runner, health, outbox, clock } = await makeRunner();
    const t = clock.now();
    await health.record([
      { model: 'fraud', model_version: 'v11', detector: 'drift', run_id: 'a', run_at: t - 3 * 3_600_000, healthy: true, scores: 5, breaches: 0 },
      { model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'b', run_at: t - 2 * 3_600_000, healthy: true, scores: 5, breaches: 0 },
      { model: 'fraud', model_version: 'v12', detector: 'volume', run_id: 'b', run_at: t - 2 * 3_600_000, healthy: false, scores: 1, breaches: 1 },
      { model: 'fraud', model_version: 'v12', detector: 'volume', run_id: 'c', run_at: t - 3_600_000, healthy: true, scores: 1, breaches: 0 },
      { model: 'fraud', model_version: 'v14', detector: 'drift', run_id: 'c', run_at: t - 3_600_000, healthy: false, scores: 5, breaches: 2 },
      { model: 'other', model_version: 'v99', detector: 'drift', run_id: 'c', run_at: t, healthy: true, scores: 5, breaches: 0 },
    ]);
    const alert = alertOf();
    const decisions = await runner.onFiring(alert, rule, 'run-2');
    expect(decisions).toEqual([{ action: 'rollback', type: 'rollback', outcome: 'queued', webhookId: expect.stringMatching(/^msg_[0-9a-f]{32}$/), targetVersion: 'v12' }]);
    await outbox.runOnce();
    const body = r.requests[0]!.json as Record<string, unknown>;
    expect(body).toEqual({
      type: 'rollback',
      id: decisions[0]!.webhookId,
      action: 'rollback',
      created_at: new Date(clock.now()).toISOString(),
      dry_run: false,
      model: 'fraud',
      current_version: 'v13',
      target_version: 'v12',
      alert: { fingerprint: alert.fingerprint, rule: 'feature-drift', labels: alert.labels, annotations: alert.annotations, severity: 'critical', starts_at: '2026-11-23T19:00:00.000Z' },
      reasons: [
        {
          run_id: 'run-2',
          run_at: '2026-11-23T19:00:00.000Z',
          detector: 'drift',
          metric: 'psi',
          feature: 'amount',
          segment: '',
          value: 0.31,
          p_value: null,
          threshold: 0.25,
          detector_threshold: 0.2,
          status: 'alert',
          severity: 'critical',
          sql: REPRODUCE_SQL,
          params: { run_id: 'run-2', model: 'fraud', model_version: 'v13', segment: '', feature: 'amount', metric: 'psi' },
        },
      ],
    });
    expect(r.requests[0]!.headers['webhook-id']).toBe(decisions[0]!.webhookId);
  });

  it('one rollback per model within the cooldown; another model is independent', async () => {
    const { runner, health, clock, outbox } = await makeRunner({ action: { cooldown: '30m' } });
    await health.record([
      { model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'a', run_at: clock.now(), healthy: true, scores: 1, breaches: 0 },
      { model: 'churn', model_version: 'v1', detector: 'drift', run_id: 'a', run_at: clock.now(), healthy: true, scores: 1, breaches: 0 },
    ]);
    expect((await runner.onFiring(alertOf({ feature: 'a' }), rule, 'r1'))[0]?.outcome).toBe('queued');
    expect((await runner.onFiring(alertOf({ feature: 'b' }), rule, 'r1'))[0]?.outcome).toBe('cooldown');
    const churn = alertOf({ labels: { alertname: 'x', model: 'churn', version: 'v2', metric: 'psi', severity: 'critical' } });
    expect((await runner.onFiring(churn, rule, 'r1'))[0]?.outcome).toBe('queued');
    clock.advance(31 * 60_000);
    expect((await runner.onFiring(alertOf({ feature: 'c' }), rule, 'r2'))[0]?.outcome).toBe('queued');
    await outbox.runOnce();
    expect(r.requests).toHaveLength(3);
  });

  it('skips muted alerts, and rollbacks without a healthy target (DW_ALERT_NO_ROLLBACK_TARGET)', async () => {
    const muted = await makeRunner({ muted: 'silence abc' });
    expect(await muted.runner.onFiring(alertOf(), rule, 'r1')).toEqual([{ action: 'rollback', type: 'rollback', outcome: 'muted' }]);
    await r.close();
    const none = await makeRunner();
    const [d] = await none.runner.onFiring(alertOf(), rule, 'r1');
    expect(d).toEqual({ action: 'rollback', type: 'rollback', outcome: 'no_target', webhookId: expect.stringMatching(/^msg_/), targetVersion: null, reason: 'no_healthy_target' });
    expect(none.log.text()).toContain('"code":"DW_ALERT_NO_ROLLBACK_TARGET"');
    // Recorded with its payload, never sent, and not counted by the cooldown.
    const stored = none.store.messages.get(d!.webhookId!)!;
    expect(stored.state).toBe('no_target');
    expect(JSON.parse(stored.payload)).toMatchObject({ type: 'rollback', current_version: 'v13', target_version: null, target_reason: 'no_healthy_target' });
    await none.outbox.runOnce();
    expect(r.requests).toHaveLength(0);
    expect(none.outbox.pendingCount()).toBe(0);
    await none.health.record([{ model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'a', run_at: none.clock.now(), healthy: true, scores: 1, breaches: 0 }]);
    const [again] = await none.runner.onFiring(alertOf({ feature: 'b' }), rule, 'r2');
    expect(again).toMatchObject({ outcome: 'queued', targetVersion: 'v12' });
  });

  it('health is kept per window: the latest window decides, and a re-score of a window supersedes its older record', async () => {
    const { runner, health } = await makeRunner();
    const H = 3_600_000;
    const w = (end: number) => ({ window_start: end - H, window_end: end });
    const t = Date.parse('2026-11-23T12:00:00Z');
    await health.record([
      // v11: healthy at 10:00, unhealthy at 11:00 (its latest window).
      { model: 'fraud', model_version: 'v11', detector: 'drift', run_id: 'a', run_at: t, ...w(t - 2 * H), healthy: true, scores: 5, breaches: 0 },
      { model: 'fraud', model_version: 'v11', detector: 'drift', run_id: 'b', run_at: t, ...w(t - H), healthy: false, scores: 5, breaches: 1 },
      // v12: 11:00 unhealthy at first, then scored again with late data and healthy.
      { model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'c', run_at: t, ...w(t - H), healthy: false, scores: 5, breaches: 1 },
      { model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'd', run_at: t + 60_000, ...w(t - H), healthy: true, scores: 5, breaches: 0 },
      // A backfill of an old window run later does not hide the newer window.
      { model: 'fraud', model_version: 'v11', detector: 'drift', run_id: 'e', run_at: t + 120_000, ...w(t - 5 * H), healthy: true, scores: 5, breaches: 0 },
    ]);
    expect(await health.lastHealthyVersion('fraud', 'v13')).toBe('v12');
    expect(await health.lastHealthyVersion('fraud', 'v12')).toBeNull();
    const [d] = await runner.onFiring(alertOf(), rule, 'r1');
    expect(d).toMatchObject({ outcome: 'queued', targetVersion: 'v12' });
  });

  it('dry_run decides and records, sends nothing; retrain payloads name model and version', async () => {
    const { runner, health, clock, outbox, store } = await makeRunner({ action: { dry_run: true } });
    await health.record([{ model: 'fraud', model_version: 'v12', detector: 'drift', run_id: 'a', run_at: clock.now(), healthy: true, scores: 1, breaches: 0 }]);
    const [d] = await runner.onFiring(alertOf(), rule, 'r1');
    expect(d).toMatchObject({ outcome: 'dry_run', targetVersion: 'v12' });
    await outbox.runOnce();
    expect(r.requests).toHaveLength(0);
    expect(JSON.parse(store.messages.get(d!.webhookId!)!.payload)).toMatchObject({ type: 'rollback', dry_run: true, target_version: 'v12' });

    await r.close();
    const retrain = await setup(() => undefined, { name: 'retrain', type: 'retrain' });
    const rr = new ActionRunner({ actions: [retrain.cfg], outbox: retrain.outbox, health: new MemoryVersionHealthStore(), clock: retrain.clock, logger: retrain.log.logger, mutedBy: () => null });
    const [x] = await rr.onFiring(alertOf(), { ...rule, actions: ['retrain'] }, 'r1');
    await retrain.outbox.runOnce();
    expect(x?.outcome).toBe('queued');
    expect(r.requests[0]?.json).toMatchObject({ type: 'retrain', model: 'fraud', version: 'v13', reasons: [expect.objectContaining({ metric: 'psi', value: 0.31 })] });
  });
});
