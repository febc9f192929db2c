// The ClickHouse-backed stores of alerting on the embedded engine: a new
// engine over the same store remembers alerts; silences, the notification
// log, the outbox and version health round-trip; names are bound, not spliced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../alerts/clock.ts';
import { alertsSchema } from '../../alerts/config.ts';
import { AlertEngine } from '../../alerts/engine.ts';
import { ClickHouseVersionHealthStore } from '../../alerts/health.ts';
import { ClickHouseNflogStore, NotificationLog } from '../../alerts/nflog.ts';
import { ClickHouseOutboxStore } from '../../alerts/outbox/store.ts';
import { ClickHouseSilenceStore, Silences } from '../../alerts/silences.ts';
import { ClickHouseAlertStateStore } from '../../alerts/state-store.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { openTestStore } from '../helpers/store.ts';
import { run } from './helpers.ts';

let store: Store;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
});
afterAll(async () => cleanup());

const EVIL = "fr'aud\"); DROP TABLE alert_state; --";

describe('alert state in ClickHouse', () => {
  it('a restart (new engine, same store) remembers pending, firing and recently resolved alerts', async () => {
    const config = alertsSchema.parse({ rules: [{ name: 'drift', match: { metric: 'psi' }, thresholds: { critical: 0.25 }, for: 2 }] });
    const clock = new ManualClock();
    const a = new AlertEngine({ config, state: new ClickHouseAlertStateStore(store), health: new ClickHouseVersionHealthStore(store), clock, logger: silentLogger });
    const first = run([{ value: 0.3, feature: 'x', model: EVIL }, { value: 0.3, feature: 'y' }, { value: 0.3, feature: 'z' }]);
    // With its window, so the window an alert last judged is stored and restored too.
    await a.evaluate({ ...first, window_start: '2026-11-23T17:00:00.000Z', window_end: '2026-11-23T18:00:00.000Z' });
    clock.advance(3_600_000);
    await a.evaluate(run([{ value: 0.3, feature: 'x', model: EVIL }, { value: 0.3, feature: 'z' }]));
    clock.advance(3_600_000);
    await a.evaluate(run([{ value: 0.01, feature: 'z' }, { value: 0.3, feature: 'x', model: EVIL }]));
    const before = a.list().map((x) => ({ ...x })).sort((p, q) => p.fingerprint.localeCompare(q.fingerprint));

    const b = new AlertEngine({ config, state: new ClickHouseAlertStateStore(store), clock, logger: silentLogger });
    await b.load();
    const after = b.list().sort((p, q) => p.fingerprint.localeCompare(q.fingerprint));
    expect(after).toEqual(before);
    expect(after.map((x) => [x.labels.model, x.labels.feature, x.state])).toEqual(
      expect.arrayContaining([
        [EVIL, 'x', 'firing'],
        ['fraud', 'y', 'pending'],
        ['fraud', 'z', 'resolved'],
      ]),
    );
    // The pending alert continues where it was: one more breach fires it.
    await b.evaluate(run([{ value: 0.3, feature: 'y' }]));
    expect(b.firing().map((x) => x.labels.feature).sort()).toEqual(['x', 'y']);
    const events = await store.query<{ to_state: string; n: string }>('SELECT to_state, count() AS n FROM alert_events GROUP BY to_state ORDER BY to_state');
    expect(events.map((e) => [e.to_state, Number(e.n)])).toEqual([
      ['firing', 3],
      ['pending', 3],
      ['resolved', 1],
    ]);
  });

  it('silences round-trip, and an expiry is a new version of the same silence', async () => {
    const clock = new ManualClock(Date.now());
    const s1 = new Silences(new ClickHouseSilenceStore(store), clock);
    const created = await s1.create({ matchers: [`model="${EVIL.replace(/"/g, '\\"')}"`], duration: '2h', created_by: 'alice', comment: 'INC-42' });
    const s2 = new Silences(new ClickHouseSilenceStore(store), clock);
    await s2.refresh();
    expect(s2.list('active')).toEqual([created]);
    expect(s2.mutedBy({ model: EVIL })).toEqual([created.id]);
    await s2.expire(created.id);
    await s1.refresh();
    expect(s1.list('active')).toEqual([]);
    expect(s1.list('expired').map((s) => s.id)).toEqual([created.id]);
  });

  it('the notification log survives a restart', async () => {
    const now = Date.now();
    const log = new NotificationLog(new ClickHouseNflogStore(store), silentLogger);
    await log.record({ receiver: 'team', integration: 'slack[0]', groupKey: `0:[["model","${EVIL}"]]`, firing: ['a/critical'], resolved: [], sentAt: now - 1000 }, 3_600_000);
    await log.record({ receiver: 'team', integration: 'slack[0]', groupKey: `0:[["model","${EVIL}"]]`, firing: ['a/critical', 'b/warning'], resolved: ['c/info'], sentAt: now }, 3_600_000);
    await log.record({ receiver: 'team', integration: 'slack[0]', groupKey: 'old', firing: ['x'], resolved: [], sentAt: now - 10_000 }, 1);
    const again = new NotificationLog(new ClickHouseNflogStore(store), silentLogger);
    await again.load(now);
    expect(again.get('team', 'slack[0]', `0:[["model","${EVIL}"]]`)).toEqual({ receiver: 'team', integration: 'slack[0]', groupKey: `0:[["model","${EVIL}"]]`, firing: ['a/critical', 'b/warning'], resolved: ['c/info'], sentAt: now });
    expect(again.get('team', 'slack[0]', 'old')).toBeUndefined();
  });

  it('outbox rows: newest version wins, pending lists only pending, cooldown reads the newest creation', async () => {
    const o = new ClickHouseOutboxStore(store);
    const t = Date.now();
    const base = { action: 'rollback', kind: 'rollback' as const, model: EVIL, fingerprint: 'fp', payload: '{"x":1}', attempts: 0, nextAttemptAt: t, createdAt: t, updatedAt: t, lastStatus: 0, lastError: '' };
    await o.put({ ...base, id: 'm1', state: 'pending' });
    await o.put({ ...base, id: 'm2', state: 'pending', createdAt: t + 5 });
    await o.put({ ...base, id: 'm1', state: 'delivered', attempts: 1, lastStatus: 200 });
    expect((await o.pending()).map((m) => m.id)).toEqual(['m2']);
    expect(await o.get('m1')).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200, model: EVIL, payload: '{"x":1}' });
    expect(await o.get('nope')).toBeNull();
    expect(await o.lastCreated('rollback', EVIL)).toBe(t + 5);
    expect(await o.lastCreated('rollback', 'other')).toBeNull();
  });

  it('last healthy version: every detector\'s latest record healthy, newest first, never the current one', async () => {
    const h = new ClickHouseVersionHealthStore(store);
    const t = Date.parse('2026-11-20T00:00:00.000Z');
    const MODEL = `${EVIL} (health)`;
    const row = (v: string, detector: string, hoursAgo: number, healthy: boolean) => ({ model: MODEL, model_version: v, detector, run_id: `${v}-${hoursAgo}`, run_at: t - hoursAgo * 3_600_000, healthy, scores: 3, breaches: healthy ? 0 : 1 });
    await h.record([row('v10', 'drift', 50, true), row('v11', 'drift', 30, true), row('v11', 'volume', 29, false), row('v12', 'drift', 10, false), row('v12', 'drift', 5, true), row('v13', 'drift', 1, true)]);
    expect(await h.lastHealthyVersion(MODEL, 'v13')).toBe('v12');
    expect(await h.lastHealthyVersion(MODEL, 'v12')).toBe('v13');
    await h.record([row('v13', 'drift', 0, false)]);
    expect(await h.lastHealthyVersion(MODEL, 'v12')).toBe('v10');
    expect(await h.lastHealthyVersion('nope', 'v1')).toBeNull();
    // Per window: a re-score of v13's latest window (a later run of the same window) supersedes its record;
    // a backfilled older window does not hide it; a model-level record (version '') is never a target.
    const w = (hoursAgo: number) => ({ window_start: t - (hoursAgo + 1) * 3_600_000, window_end: t - hoursAgo * 3_600_000 });
    await h.record([{ ...row('v13', 'drift', -1, true), ...w(0) }]);
    expect(await h.lastHealthyVersion(MODEL, 'v12')).toBe('v13');
    await h.record([{ ...row('v13', 'drift', -2, false), ...w(40) }, { ...row('', 'volume', -3, true), ...w(-5) }]);
    expect(await h.lastHealthyVersion(MODEL, 'v12')).toBe('v13');
    expect(await h.lastHealthyVersion(MODEL, 'v13')).toBe('v12');
  });

  it('the queries the README shows for alerts run as written', async () => {
    const events = await store.query(`SELECT at, rule, labels['model'] AS model, labels['version'] AS version, from_state, to_state, value
FROM alert_events WHERE to_state = 'firing' ORDER BY at DESC LIMIT 20`);
    expect(events.length).toBeGreaterThan(0);
    const outbox = await store.query(`SELECT id, action, model, state, attempts, last_status, last_error, created_at
FROM alert_outbox ORDER BY id, version DESC LIMIT 1 BY id`);
    expect(outbox.length).toBeGreaterThan(0);
  });
});
