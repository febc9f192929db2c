// Champion vs canary on planted data (see planted.ts): the regressed canary
// is flagged with significant p-values on latency, errors, accuracy and
// feature drift; a clone of the champion is not flagged at all; shadows
// report agreement and, for a regressor, mean absolute difference and
// correlation (numpy 2.4: 0.890300000000001 and 0.9999202842880364).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareVersions, type CompareRow, type VersionsReport } from '../../../detectors/versions/compare.ts';
import { featureDrift } from '../../../detectors/versions/feature-drift.ts';
import { shadowMonitor } from '../../../detectors/versions/shadow.ts';
import { psi } from '../../../detectors/stats/psi.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { context, details, generatePredictions, pick, win } from '../operational/fixtures.ts';
import { END, seedPlanted, START } from './planted.ts';

let store: Store;
let cleanup: () => Promise<void>;
const WINDOW = win(START, END);
const opts = (a: string, b: string) => ({ model: 'fraud', a, b, window: WINDOW, minCount: 100, labelHorizonMs: 86_400_000, runAt: new Date(END) });

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await seedPlanted(store);
});
afterAll(async () => cleanup());

const row = (r: VersionsReport, metric: string, feature = ''): CompareRow => {
  const hits = r.rows.filter((x) => x.metric === metric && x.feature === feature);
  if (hits.length !== 1) throw new Error(`${metric}/${feature}: ${hits.length} rows`);
  return hits[0] as CompareRow;
};

describe('versions compare: planted regression', () => {
  let report: VersionsReport;
  beforeAll(async () => {
    report = await compareVersions(store, opts('v1', 'v2'));
  });

  it('flags latency, errors, accuracy and drift with significant p-values', () => {
    const lat = row(report, 'latency_p95_ratio');
    expect(lat.status).toBe('alert');
    expect(lat.b).toBeGreaterThan(1.9);
    expect(lat.p_value).toBeLessThan(1e-10);
    const err = row(report, 'error_rate_delta');
    expect(err).toMatchObject({ status: 'alert', n_a: 1000, n_b: 1000 });
    expect(err.b).toBeGreaterThan(0.03);
    expect(err.p_value).toBeLessThan(0.001);
    const acc = row(report, 'accuracy');
    expect(acc.status).toBe('alert');
    expect(acc.delta).toBeLessThan(-0.1);
    expect(acc.p_value).toBeLessThan(1e-6);
    expect(row(report, 'roc_auc').status).toBe('alert');
    const amount = row(report, 'psi', 'amount');
    expect(amount.status).toBe('alert');
    expect(amount.p_value).toBeLessThan(1e-10);
    expect(row(report, 'ks', 'amount').p_value).toBe(amount.p_value);
    expect(row(report, 'psi', 'country').status).not.toBe('ok');
    expect(row(report, 'chi2', 'country').p_value).toBeLessThan(1e-10);
    expect(report.flagged).toBeGreaterThanOrEqual(6);
  });

  it('puts both sides next to each other with deltas', () => {
    const err = row(report, 'error_rate');
    expect(err.a).toBeCloseTo(0.01, 1);
    expect(err.b).toBeCloseTo(0.06, 1);
    expect(err.delta).toBeCloseTo((err.b as number) - (err.a as number), 15);
    const p50 = row(report, 'latency_p50_ms');
    expect(p50.a).toBeGreaterThan(18);
    expect(p50.a).toBeLessThan(22);
    expect(p50.b).toBeGreaterThan(38);
    expect(p50.b).toBeLessThan(42);
    // The traffic split is reported, never judged.
    expect(row(report, 'volume_ratio')).toMatchObject({ a: 1, b: 1, status: 'ok', p_value: null });
    expect(new Set(report.rows.map((r) => r.section))).toEqual(new Set(['operational', 'quality', 'drift']));
    expect(report).toMatchObject({ model: 'fraud', a: 'v1', b: 'v2', window: { start: '2026-11-23T10:00:00.000Z', end: '2026-11-23T11:00:00.000Z' } });
  });

  it('drift rows count the non-missing values of each version', () => {
    expect(row(report, 'psi', 'amount')).toMatchObject({ n_a: 1000, n_b: 1000, a: 0 });
    expect(row(report, 'missing_share', 'amount')).toMatchObject({ a: 0, b: 0, status: 'ok' });
  });
});

describe('versions compare: champion against its clone', () => {
  it('flags nothing', async () => {
    const report = await compareVersions(store, opts('v1', 'v1clone'));
    const flagged = report.rows.filter((r) => r.status === 'alert' || r.status === 'warn');
    expect(flagged).toEqual([]);
    expect(report.flagged).toBe(0);
    expect(row(report, 'accuracy').p_value).toBeGreaterThan(0.01);
    expect(row(report, 'error_rate_delta').status).toBe('ok');
    expect(row(report, 'psi', 'amount').status).toBe('ok');
  });
});

describe('feature drift between versions', () => {
  it('PSI from engine bins matches stats/psi over the reported counts; schema and types', async () => {
    const ctx = { ...context({ window: WINDOW, baseline: { kind: 'version', version: 'v1' } }), model: 'fraud', version: 'v2', minCount: 100 };
    const rows = await featureDrift(store, ctx);
    const amount = pick(rows, 'v2', 'psi', 'amount');
    const d = details(amount) as { type: string; counts: { ref: number[]; cur: number[] }; bin_edges: number[] };
    expect(d.type).toBe('numeric');
    expect(d.bin_edges).toHaveLength(9);
    expect(d.counts.ref.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(d.counts.ref.every((c) => c >= 95 && c <= 105)).toBe(true);
    expect(amount.value).toBeCloseTo(psi(d.counts.ref, d.counts.cur), 14);
    const country = details(pick(rows, 'v2', 'psi', 'country')) as { type: string; categories: string[] };
    expect(country).toMatchObject({ type: 'categorical', categories: ['DE', 'FR', 'US'] });
    expect(rows.map((r) => r.metric).sort()).toEqual(['chi2', 'js', 'js', 'ks', 'psi', 'psi', 'wasserstein']);
    expect(rows.every((r) => r.baseline === 'version:v1' && r.detector === 'drift')).toBe(true);
  });
});

describe('shadow', () => {
  it('classification: agreement with the live version on shared events', async () => {
    const report = await compareVersions(store, opts('v1', 'v3'));
    expect(row(report, 'shadow_agreement')).toMatchObject({ section: 'shadow', a: 1, b: 0.9, n_b: 1000, status: 'ok' });
  });

  it('regression: mean absolute difference and Pearson r; the shadow-tagged or later version is the shadow', async () => {
    const rows = await shadowMonitor(store, { ...context({ window: WINDOW }), minCount: 100 });
    const mad = pick(rows, 'r2', 'shadow_mean_abs_diff', '', 'pricing');
    expect(mad.value).toBeCloseTo(0.890300000000001, 12);
    expect(mad).toMatchObject({ baseline: 'version:r1', n_cur: 500, status: 'ok' });
    expect(pick(rows, 'r2', 'shadow_correlation', '', 'pricing').value).toBeCloseTo(0.9999202842880364, 12);
    // fraud/v3 is tagged deployment=shadow; v1 is its live version.
    const agree = pick(rows, 'v3', 'shadow_agreement', '', 'fraud');
    expect(agree).toMatchObject({ value: 0.9, baseline: 'version:v1' });
    expect(agree.tags).toEqual({ deployment: 'shadow' });
    // Versions that share no events have no shadow rows.
    expect(rows.filter((r) => r.model === 'fraud')).toHaveLength(1);
  });

  it('below minCount shared events: insufficient_data', async () => {
    await generatePredictions(store, { model: 'tiny', version: 'a', start: START, n: 10, eventId: "concat('t-', toString(number))", prediction: "'x'" });
    await generatePredictions(store, { model: 'tiny', version: 'b', start: START, n: 10, eventId: "concat('t-', toString(number))", prediction: "'x'" });
    const rows = await shadowMonitor(store, { ...context({ window: WINDOW }), model: 'tiny' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ metric: 'shadow_agreement', value: 1, status: 'insufficient_data', model_version: 'b' });
  });
});
