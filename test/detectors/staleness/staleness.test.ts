// Staleness of live versions from the engine, the version_lifetimes table
// that outlives the raw TTL (its backfill: lifetimes.test.ts), and the
// README's "retrain when the live version is older than 30 days or its
// estimated accuracy fell by 2 points" rule: it parses as written, and
// both kinds of breach fire its retrain action.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ActionRunner } from '../../../alerts/actions/runner.ts';
import { ManualClock } from '../../../alerts/clock.ts';
import { AlertEngine } from '../../../alerts/engine.ts';
import { MemoryVersionHealthStore } from '../../../alerts/health.ts';
import { Outbox } from '../../../alerts/outbox/outbox.ts';
import { MemoryOutboxStore } from '../../../alerts/outbox/store.ts';
import { MemoryAlertStateStore } from '../../../alerts/state-store.ts';
import { runJob } from '../../../detectors/registry.ts';
import { stalenessJobSchema } from '../../../detectors/staleness/config.ts';
import { staleness } from '../../../detectors/staleness/staleness.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details, generatePredictions, pick } from '../operational/fixtures.ts';

const DAY = 86_400_000;
const WINDOW = { start: new Date('2026-11-20T00:00:00Z'), end: new Date('2026-11-21T00:00:00Z') };
const ctx = (window = WINDOW) => ({ runId: 'st', runAt: window.end, window, signal: new AbortController().signal, minSamples: 1, logger: silentLogger });

let store: Store;
let cleanup: () => Promise<void>;

async function traffic(model: string, version: string, firstSeen: Date, tags?: string): Promise<void> {
  // One prediction at first sight, then a few in the window.
  await generatePredictions(store, { model, version, start: firstSeen.toISOString(), n: 1, prediction: "'1'" });
  await generatePredictions(store, { model, version, start: new Date(WINDOW.start.getTime() + 3_600_000).toISOString(), n: 5, stepMs: 60_000, prediction: "'1'", ...(tags ? { tags } : {}) });
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await traffic('fraud', 'v12', new Date(WINDOW.end.getTime() - 40 * DAY), "map('deployment', 'champion')");
  await traffic('fraud', 'v13', new Date(WINDOW.end.getTime() - 3 * DAY));
  // v11 served long ago and is not live in the window.
  await generatePredictions(store, { model: 'fraud', version: 'v11', start: '2026-08-01T00:00:00Z', n: 3, prediction: "'1'" });
  await traffic('churn', 'v1', new Date(WINDOW.end.getTime() - 100 * DAY));
});
afterAll(async () => cleanup?.());

const job = stalenessJobSchema.parse({
  kind: 'staleness',
  name: 'st',
  window: '1d',
  models: 'fraud',
  max_age: '30d',
  max_training_age: '45d',
  trained_until: [{ model: 'fraud', version: 'v12', at: '2026-10-01T00:00:00Z' }],
});

describe('staleness', () => {
  it('scores each live version\'s age since its first prediction and its training cut-off', async () => {
    const rows = await staleness(store, job, ctx());
    expect(rows.map((r) => [r.model_version, r.metric, r.status]).sort()).toEqual([
      ['v12', 'days_since_training', 'alert'],
      ['v12', 'version_age_days', 'alert'],
      ['v13', 'days_since_training', 'no_data'],
      ['v13', 'version_age_days', 'ok'],
    ]);
    const age = pick(rows, 'v12', 'version_age_days');
    expect([age.value, age.threshold, age.n_cur]).toEqual([40, 30, 5]);
    expect(details(age)).toMatchObject({ first_seen: new Date(WINDOW.end.getTime() - 40 * DAY).toISOString(), predictions: 5 });
    expect(age.tags).toEqual({ deployment: 'champion' });
    const trained = pick(rows, 'v12', 'days_since_training');
    expect([trained.value, trained.threshold]).toEqual([(WINDOW.end.getTime() - Date.parse('2026-10-01T00:00:00Z')) / DAY, 45]);
    expect(pick(rows, 'v13', 'version_age_days').value).toBe(3);
    expect(details(pick(rows, 'v13', 'days_since_training')).reason).toMatch(/trained_until/);
  });

  it('a backfilled window measures the age the version had then', async () => {
    const rows = await staleness(store, job, ctx({ start: new Date(WINDOW.start.getTime() - 5 * DAY), end: new Date(WINDOW.end.getTime() - 5 * DAY) }));
    expect(rows).toEqual([]);
    const earlier = await staleness(store, job, ctx({ start: new Date(WINDOW.end.getTime() - 40 * DAY), end: new Date(WINDOW.end.getTime() - 39 * DAY) }));
    expect(pick(earlier, 'v12', 'version_age_days').value).toBe(1);
  });

  it('the age survives the first predictions expiring from the raw table', async () => {
    await store.command(`ALTER TABLE predictions DELETE WHERE model = 'fraud' AND ts < fromUnixTimestamp64Milli(${WINDOW.start.getTime()}, 'UTC')`, { settings: { mutations_sync: 2 } });
    const [{ n }] = (await store.query<{ n: string }>("SELECT count() AS n FROM predictions WHERE model = 'fraud' AND model_version = 'v12'")) as [{ n: string }];
    expect(Number(n)).toBe(5);
    expect(pick(await staleness(store, job, ctx()), 'v12', 'version_age_days').value).toBe(40);
  });
});

describe('the README retrain rule', () => {
  const readme = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');
  const start = readme.indexOf('### Quality before labels');
  const section = readme.slice(start, readme.indexOf('\n#### ', start));
  const yamlBlock = /```yaml\n([\s\S]*?)```/.exec(section)![1]!;

  async function evaluate(rows: ScoreRow[]) {
    process.env.RETRAIN_WEBHOOK_SECRET = 'whsec_' + Buffer.from('retrain-secret-0123456789').toString('base64');
    const config = parseConfig(parseYaml(yamlBlock));
    const clock = new ManualClock(Date.parse('2026-11-21T02:00:00Z'));
    const outboxStore = new MemoryOutboxStore();
    const outbox = new Outbox({ store: outboxStore, actions: config.alerts.actions, clock, logger: silentLogger, pollMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 60_000 });
    const actions = new ActionRunner({ actions: config.alerts.actions, outbox, health: new MemoryVersionHealthStore(), clock, logger: silentLogger, mutedBy: () => null });
    const engine = new AlertEngine({ config: config.alerts, state: new MemoryAlertStateStore(), actions, clock, logger: silentLogger });
    await engine.evaluate({ run_id: 'readme', run_at: new Date(clock.now()).toISOString(), scores: rows });
    return { config, engine, messages: [...outboxStore.messages.values()].map((m) => ({ ...m, body: JSON.parse(m.payload) as Record<string, unknown> })) };
  }

  it('parses as written: the three detectors and the rule', () => {
    process.env.RETRAIN_WEBHOOK_SECRET = 'x';
    const config = parseConfig(parseYaml(yamlBlock));
    expect(config.detectors.monitors.map((m) => m.kind)).toEqual(['estimated_quality', 'trend', 'staleness']);
    expect(config.alerts.rules[0]).toMatchObject({ name: 'retrain-due', actions: ['retrain-fraud'], match: { metric: ['version_age_days', 'estimated_accuracy'] } });
  });

  it('a live version older than 30 days fires the retrain action', async () => {
    process.env.RETRAIN_WEBHOOK_SECRET = 'x';
    const staleJob = parseConfig(parseYaml(yamlBlock)).detectors.monitors.find((m) => m.kind === 'staleness')!;
    const rows = await runJob(store, staleJob, ctx());
    const { engine, messages } = await evaluate(rows);
    expect(engine.firing().map((a) => [a.rule, a.labels.version, a.labels.metric])).toEqual([['retrain-due', 'v12', 'version_age_days']]);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.body).toMatchObject({ type: 'retrain', model: 'fraud', version: 'v12', reasons: [expect.objectContaining({ metric: 'version_age_days', value: 40, detector: 'staleness' })] });
  });

  it('an estimated accuracy 2 points down (beyond its band) fires it too', async () => {
    const est: ScoreRow = {
      ...pick(await staleness(store, job, ctx()), 'v13', 'version_age_days'),
      detector: 'estimated_quality',
      metric: 'estimated_accuracy',
      value: 0.861,
      threshold: 0.87,
      status: 'alert',
    };
    const { engine, messages } = await evaluate([est, { ...est, value: 0.885, metric: 'estimated_accuracy', model_version: 'v14', status: 'ok' }]);
    expect(engine.firing().map((a) => [a.labels.version, a.labels.metric])).toEqual([['v13', 'estimated_accuracy']]);
    expect(messages.map((m) => [m.body.type, m.body.version])).toEqual([['retrain', 'v13']]);
  });
});

describe('config', () => {
  it('defaults and the registry', () => {
    const c = parseConfig({ detectors: { monitors: [{ name: 's', kind: 'staleness' }] } });
    expect(c.detectors.monitors[0]).toMatchObject({ kind: 'staleness', max_age: '30d', trained_until: [] });
    expect(() => parseConfig({ detectors: { monitors: [{ name: 's', kind: 'staleness', trained_until: [{ model: 'm', version: 'v', at: 'yesterday' }] }] } })).toThrow(/trained_until/);
  });
});
