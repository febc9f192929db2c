// Operational monitors on planted data: one model whose traffic drops, whose
// latency doubles, whose error rate rises and whose schema changes; one that
// stays steady; one too small to judge. Expected numbers are by hand or, where
// noted, from numpy 2.4 / scipy 1.17 / statsmodels 0.14.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baselineLabel, baselineSide, validateContext } from '../../../detectors/operational/context.ts';
import { errorRateMonitor } from '../../../detectors/operational/errors.ts';
import { latencyMonitor } from '../../../detectors/operational/latency.ts';
import { missingValuesMonitor } from '../../../detectors/operational/missing.ts';
import { runOperationalMonitors } from '../../../detectors/operational/monitors.ts';
import { schemaMonitor } from '../../../detectors/operational/schema.ts';
import { volumeMonitor } from '../../../detectors/operational/volume.ts';
import { writeScores } from '../../../src/scheduler/run-store.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { context, details, generatePredictions, pick, win } from './fixtures.ts';

let store: Store;
let cleanup: () => Promise<void>;

const CUR = win('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z');
const ctx = context({ window: CUR });

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  // fraud/v1: 1000 requests in the baseline hour, 400 now; latency doubles;
  // errors go from 1% to 10%; feature a is null in 10% then 50% of events,
  // b changes from string to number, c disappears, d appears.
  await generatePredictions(store, {
    model: 'fraud',
    version: 'v1',
    start: '2026-11-23T09:00:00Z',
    n: 1000,
    latency: 'toFloat64(number % 100)',
    error: "if(number % 100 = 0, 'timeout', '')",
    features: `if(number % 10 = 0, '{"a":null,"b":"x","c":1.5}', concat('{"a":', toString(number), ',"b":"x","c":1.5}'))`,
  });
  await generatePredictions(store, {
    model: 'fraud',
    version: 'v1',
    start: '2026-11-23T10:00:00Z',
    n: 400,
    latency: 'toFloat64((number % 100) * 2)',
    error: "if(number % 10 = 0, 'timeout', '')",
    tags: "map('deployment', 'canary', 'region', 'eu')",
    features: `if(number % 2 = 0, '{"a":null,"b":1,"d":true}', concat('{"a":', toString(number), ',"b":1,"d":true}'))`,
  });
  // fraud/v0: retired; traffic only in the baseline.
  await generatePredictions(store, { model: 'fraud', version: 'v0', start: '2026-11-23T09:00:00Z', n: 200, latency: '5.0' });
  // steady/v1: the same traffic in both hours.
  for (const start of ['2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z']) {
    await generatePredictions(store, {
      model: 'steady',
      version: 'v1',
      start,
      n: 600,
      latency: 'toFloat64(10 + number % 7)',
      error: "if(number % 50 = 0, 'oops', '')",
      features: `concat('{"x":', toString(number % 13), ',"y":"k', toString(number % 3), '"}')`,
    });
  }
  // tiny/v1: 10 requests per hour, below minCount (50).
  for (const start of ['2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z']) {
    await generatePredictions(store, { model: 'tiny', version: 'v1', start, n: 10, latency: '1.0', error: "if(number = 0, 'x', '')", features: '\'{"z":1}\'' });
  }
});
afterAll(async () => cleanup());

describe('baselines', () => {
  it('resolves range, previous, same hour last week and version', () => {
    const w = { window: CUR };
    expect(baselineSide({ ...w, baseline: { kind: 'previous' } })).toEqual({ start: new Date('2026-11-23T09:00:00Z'), end: new Date('2026-11-23T10:00:00Z'), version: null });
    expect(baselineSide({ ...w, baseline: { kind: 'same_hour_last_week' } })).toEqual({ start: new Date('2026-11-16T10:00:00Z'), end: new Date('2026-11-16T11:00:00Z'), version: null });
    const r = { kind: 'range' as const, start: new Date('2026-11-01T00:00:00Z'), end: new Date('2026-11-08T00:00:00Z') };
    expect(baselineSide({ ...w, baseline: r })).toEqual({ start: r.start, end: r.end, version: null });
    expect(baselineSide({ ...w, baseline: { kind: 'version', version: 'v1' } })).toEqual({ ...CUR, version: 'v1' });
    expect(baselineLabel(r)).toBe('range:2026-11-01T00:00:00.000Z/2026-11-08T00:00:00.000Z');
    expect(baselineLabel({ kind: 'version', version: 'v11' })).toBe('version:v11');
    expect(baselineLabel({ kind: 'same_hour_last_week' })).toBe('same_hour_last_week');
  });

  it('refuses an empty window, a bad minCount and a version that is its own baseline', () => {
    expect(() => validateContext(context({ window: win('2026-11-23T10:00:00Z', '2026-11-23T10:00:00Z') }))).toThrow(/empty/);
    expect(() => validateContext({ ...ctx, minCount: 0 })).toThrow(/minCount/);
    expect(() => validateContext({ ...ctx, version: 'v1', baseline: { kind: 'version', version: 'v1' } })).toThrow(/own baseline/);
  });
});

describe('volume', () => {
  let rows: ScoreRow[];
  beforeAll(async () => {
    rows = await volumeMonitor(store, ctx);
  });

  it('flags the drop with its rate test (scipy: 2 * norm.sf(300 / sqrt(350)))', () => {
    const r = pick(rows, 'v1', 'volume_ratio', '', 'fraud');
    expect(r).toMatchObject({ value: 0.4, status: 'alert', threshold: 0.5, n_cur: 400, n_ref: 1000, detector: 'volume', baseline: 'previous', feature: '', segment: '' });
    expect(r.p_value).toBeCloseTo(7.19976067612819e-58, 70);
    expect(r.p_value! / 7.19976067612819e-58).toBeCloseTo(1, 9);
    expect(details(r)).toMatchObject({ ref: 1, cur_per_hour: 400, ref_per_hour: 1000 });
  });

  it('a version whose traffic vanished reads 0; the model total counts every version', () => {
    expect(pick(rows, 'v0', 'volume_ratio', '', 'fraud')).toMatchObject({ value: 0, status: 'alert', n_cur: 0, n_ref: 200 });
    const total = pick(rows, '', 'volume_ratio', '', 'fraud');
    expect(total).toMatchObject({ n_cur: 400, n_ref: 1200, status: 'alert' });
    expect(total.value).toBeCloseTo(1 / 3, 15);
    // scipy: 2 * norm.sf(400 / sqrt(1600 * 0.25))
    expect(total.p_value! / 5.507248237212311e-89).toBeCloseTo(1, 9);
  });

  it('steady traffic is ok; a small baseline is insufficient_data', () => {
    expect(pick(rows, 'v1', 'volume_ratio', '', 'steady')).toMatchObject({ value: 1, status: 'ok', p_value: 1 });
    expect(pick(rows, 'v1', 'volume_ratio', '', 'tiny')).toMatchObject({ value: 1, status: 'insufficient_data', threshold: null });
  });

  it('normalises by window length: a 2 h baseline range with the same events halves the baseline rate', async () => {
    const r = await volumeMonitor(store, { ...ctx, model: 'fraud', version: 'v1', baseline: { kind: 'range', start: new Date('2026-11-23T08:00:00Z'), end: new Date('2026-11-23T10:00:00Z') } });
    expect(r).toHaveLength(1);
    expect(r[0]).toMatchObject({ model: 'fraud', model_version: 'v1', value: 0.8, status: 'ok', n_ref: 1000, baseline: 'range:2026-11-23T08:00:00.000Z/2026-11-23T10:00:00.000Z' });
  });

  it('a spike alerts at volumeSpike', async () => {
    const r = await volumeMonitor(store, { ...ctx, model: 'fraud', version: 'v1', window: win('2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z'), baseline: { kind: 'range', ...CUR } });
    expect(r[0]).toMatchObject({ value: 2.5, status: 'alert', threshold: 2 });
  });
});

describe('latency', () => {
  let rows: ScoreRow[];
  beforeAll(async () => {
    rows = await latencyMonitor(store, ctx);
  });

  it('p50/p95/p99 match numpy.quantile (linear)', () => {
    // numpy: quantile(repeat(arange(0, 200, 2), 4)) = 99, 188.1, 196.02; baseline repeat(arange(100), 10): 49.5, 94.05, 98.01
    const expected = [
      ['latency_p50_ms', 99, 49.5],
      ['latency_p95_ms', 188.1, 94.05],
      ['latency_p99_ms', 196.02, 98.01],
    ] as const;
    for (const [metric, cur, ref] of expected) {
      const r = pick(rows, 'v1', metric, '', 'fraud');
      expect(r.value).toBeCloseTo(cur, 10);
      expect(details(r).ref as number).toBeCloseTo(ref, 10);
      expect(r).toMatchObject({ status: 'ok', n_cur: 400, n_ref: 1000 });
    }
  });

  it('flags the doubled p95; steady is ok; no traffic is no_data; small is insufficient_data', () => {
    const r = pick(rows, 'v1', 'latency_p95_ratio', '', 'fraud');
    expect(r.value).toBeCloseTo(2, 12);
    expect(r).toMatchObject({ status: 'alert', threshold: 1.5, p_value: null });
    expect(pick(rows, 'v1', 'latency_p95_ratio', '', 'steady')).toMatchObject({ value: 1, status: 'ok' });
    expect(pick(rows, 'v0', 'latency_p95_ratio', '', 'fraud')).toMatchObject({ value: null, status: 'no_data' });
    expect(pick(rows, 'v0', 'latency_p50_ms', '', 'fraud')).toMatchObject({ value: null, status: 'no_data', n_ref: 200 });
    expect(pick(rows, 'v1', 'latency_p95_ratio', '', 'tiny')).toMatchObject({ value: 1, status: 'insufficient_data' });
  });
});

describe('error rate', () => {
  let rows: ScoreRow[];
  beforeAll(async () => {
    rows = await errorRateMonitor(store, ctx);
  });

  it('the increase from 1% to 10% is significant (statsmodels proportions_ztest larger: z 8.19756, p 1.22657e-16)', () => {
    expect(pick(rows, 'v1', 'error_rate', '', 'fraud')).toMatchObject({ value: 0.1, status: 'ok', details: JSON.stringify({ ref: 0.01, errors: 40, ref_errors: 10 }) });
    const d = pick(rows, 'v1', 'error_rate_delta', '', 'fraud');
    expect(d.value).toBeCloseTo(0.09, 15);
    expect(d.p_value! / 1.2265706172845278e-16).toBeCloseTo(1, 8);
    expect(details(d).z as number).toBeCloseTo(8.197560612767681, 10);
    expect(d).toMatchObject({ status: 'alert', threshold: 0.01 });
  });

  it('an unchanged rate is ok (p 0.5 at z 0); a small sample is insufficient_data', () => {
    expect(pick(rows, 'v1', 'error_rate_delta', '', 'steady')).toMatchObject({ value: 0, p_value: 0.5, status: 'ok' });
    expect(pick(rows, 'v1', 'error_rate_delta', '', 'tiny')).toMatchObject({ value: 0, status: 'insufficient_data' });
  });

  it('a decrease is not an alert (one-sided)', async () => {
    const r = await errorRateMonitor(store, { ...ctx, model: 'fraud', version: 'v1', window: win('2026-11-23T09:00:00Z', '2026-11-23T10:00:00Z'), baseline: { kind: 'range', ...CUR } });
    const d = pick(r, 'v1', 'error_rate_delta');
    expect(d.value).toBeCloseTo(-0.09, 15);
    expect(d.p_value).toBeCloseTo(1, 12);
    expect(d.status).toBe('ok');
  });
});

describe('schema', () => {
  it('names the features added, removed and retyped', async () => {
    const rows = await schemaMonitor(store, ctx);
    expect(pick(rows, 'v1', 'schema_added', '', 'fraud')).toMatchObject({ value: 1, status: 'alert', n_cur: 400, n_ref: 1000 });
    expect(details(pick(rows, 'v1', 'schema_added', '', 'fraud'))).toEqual({ ref: 0, features: ['d'] });
    expect(details(pick(rows, 'v1', 'schema_removed', '', 'fraud'))).toEqual({ ref: 0, features: ['c'] });
    expect(details(pick(rows, 'v1', 'schema_type_changed', '', 'fraud'))).toEqual({ ref: 0, features: ['b'], kinds: { b: { ref: ['string'], cur: ['number'] } } });
    for (const m of ['schema_added', 'schema_removed', 'schema_type_changed']) {
      expect(pick(rows, 'v1', m, '', 'steady')).toMatchObject({ value: 0, status: 'ok' });
      expect(pick(rows, 'v1', m, '', 'tiny')).toMatchObject({ value: 0, status: 'insufficient_data' });
    }
    // Feature a is null in some events on both sides: not a type change.
    expect(pick(rows, 'v0', 'schema_removed', '', 'fraud')).toMatchObject({ status: 'no_data' });
  });
});

describe('missing values', () => {
  it('shares per feature, absent keys count as missing, bands from docs/statistics.md', async () => {
    const rows = await missingValuesMonitor(store, ctx);
    const a = pick(rows, 'v1', 'missing_share', 'a', 'fraud');
    expect(a).toMatchObject({ value: 0.5, status: 'alert', threshold: 0.2 });
    expect(details(a)).toMatchObject({ ref: 0.1, missing: 200, ref_missing: 100 });
    // statsmodels proportions_ztest([200, 100], [400, 1000]): p 5.305080073240868e-61
    expect(a.p_value! / 5.305080073240868e-61).toBeCloseTo(1, 8);
    expect(pick(rows, 'v1', 'missing_share', 'b', 'fraud')).toMatchObject({ value: 0, status: 'ok', p_value: 1 });
    expect(pick(rows, 'v1', 'missing_share', 'c', 'fraud')).toMatchObject({ value: 1, status: 'alert' });
    expect(details(pick(rows, 'v1', 'missing_share', 'd', 'fraud'))).toMatchObject({ ref: 1 });
    expect(pick(rows, 'v1', 'missing_share', 'd', 'fraud')).toMatchObject({ value: 0, status: 'alert' });
    expect(pick(rows, 'v1', 'missing_share', 'x', 'steady')).toMatchObject({ value: 0, status: 'ok' });
    expect(pick(rows, 'v1', 'missing_share', 'z', 'tiny')).toMatchObject({ status: 'insufficient_data' });
  });

  it('warn between the bands', async () => {
    const rows = await missingValuesMonitor(store, { ...ctx, thresholds: { ...ctx.thresholds, missingWarn: 0.3, missingAlert: 0.5 } });
    expect(pick(rows, 'v1', 'missing_share', 'a', 'fraud').status).toBe('warn');
  });
});

describe('all monitors in one run', () => {
  it('tags rows with the deployment tag, filters by model and version, and writes to drift_scores', async () => {
    const rows = await runOperationalMonitors(store, { ...ctx, model: 'fraud', version: 'v1' });
    expect(new Set(rows.map((r) => `${r.model}/${r.model_version}`))).toEqual(new Set(['fraud/v1']));
    expect(rows.every((r) => r.tags?.deployment === 'canary')).toBe(true);
    expect(rows.map((r) => r.metric).sort()).toEqual(
      [
        'error_rate',
        'error_rate_delta',
        'latency_p50_ms',
        'latency_p95_ms',
        'latency_p99_ms',
        'latency_p95_ratio',
        ...['a', 'b', 'c', 'd'].map(() => 'missing_share'),
        'schema_added',
        'schema_removed',
        'schema_type_changed',
        'volume_ratio',
      ].sort(),
    );
    await writeScores(store, rows);
    const back = await store.query<{ n: string; v: number | null; ws: string }>(
      "SELECT count() AS n, anyIf(value, metric = 'volume_ratio') AS v, toString(any(window_start)) AS ws FROM drift_scores WHERE run_id = 'run-test' AND model = 'fraud'",
    );
    expect(back).toEqual([{ n: rows.length, v: 0.4, ws: '2026-11-23 10:00:00.000' }]);
  });
});
