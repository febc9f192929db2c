import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driftThresholdsSchema } from '../../../detectors/drift/config.ts';
import { runDrift, type DriftOptions } from '../../../detectors/drift/detector.ts';
import { importBaseline, listBaselines } from '../../../detectors/baselines/import.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import { binCounts, binEdgesSorted } from '../../../detectors/stats/bins.ts';
import { chi2Homogeneity } from '../../../detectors/stats/chi2.ts';
import { jensenShannon } from '../../../detectors/stats/js.ts';
import { ksTest } from '../../../detectors/stats/ks.ts';
import { psi } from '../../../detectors/stats/psi.ts';
import { wasserstein } from '../../../detectors/stats/wasserstein.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { generate, normal, num, str, u } from './fixtures.ts';

const H = 3_600_000;
const T = new Date('2026-03-02T00:00:00Z');
const cur = { start: T, end: new Date(T.getTime() + H) };
const prev = new Date(T.getTime() - H);
const thresholds = driftThresholdsSchema.parse({});

let store: Store;
let cleanup: () => Promise<void>;

const opts = (o: Partial<DriftOptions> = {}): DriftOptions => ({ name: 'drift', baseline: { type: 'previous' }, thresholds, minSamples: 500, ...o });
const ctx = (window = cur) => ({ runId: 'r1', runAt: new Date(), window });
const pick = (rows: ScoreRow[], model: string, feature: string, metric: string, segment = ''): ScoreRow => {
  const r = rows.find((x) => x.model === model && x.feature === feature && x.metric === metric && x.segment === segment);
  if (!r) throw new Error(`no row ${model}/${feature}/${metric}/${segment}`);
  return r;
};

// Model "drifty": numeric and categorical features, some drifting.
const drifty = (side: 'ref' | 'cur') => [
  { name: 'num_stable', json: num(normal('s')) },
  { name: 'num_shift', json: num(side === 'cur' ? `(${normal('x')} + 0.8)` : normal('x')) },
  { name: 'num_ties', json: num(`floor(${u('t')} * 20)`) },
  { name: 'cat_stable', json: str(`['a', 'b', 'c'][1 + (cityHash64(n, seed, 'c') % 3)]`) },
  { name: 'cat_shift', json: str(side === 'cur' ? `['a', 'b', 'd'][1 + (cityHash64(n, seed, 'd') % 3)]` : `['a', 'b', 'c'][1 + (cityHash64(n, seed, 'd') % 3)]`) },
  { name: 'missing_more', json: side === 'cur' ? `if(${u('m')} < 0.3, 'null', ${num(normal('mv'))})` : num(normal('mv')) },
  ...(side === 'ref' ? [{ name: 'only_ref', json: num(normal('o')) }] : []),
];

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const common = { model: 'drifty', version: 'v1', spanMs: H, rows: 4000, confidence: `0.5 + 0.5 * ${u('conf')}`, prediction: `['yes', 'no'][1 + (cityHash64(n, 'p') % 2)]` };
  await generate(store, { ...common, start: prev, features: drifty('ref'), seed: 1 });
  await generate(store, { ...common, start: T, features: drifty('cur'), seed: 2, confidence: `0.3 + 0.5 * ${u('conf')}` });
}, 120_000);

afterAll(async () => cleanup?.());

describe('drift detector (previous window)', () => {
  let rows: ScoreRow[];
  beforeAll(async () => {
    rows = await runDrift(store, opts({ models: ['drifty'] }), ctx());
  });

  it('flags the drifted features and leaves the stable ones alone', () => {
    expect(pick(rows, 'drifty', 'num_shift', 'psi').status).toBe('alert');
    expect(pick(rows, 'drifty', 'num_shift', 'ks_d').status).toBe('warn');
    expect(pick(rows, 'drifty', 'num_shift', 'severity')).toMatchObject({ value: 2, status: 'alert' });
    expect(pick(rows, 'drifty', 'cat_shift', 'psi').status).toBe('alert');
    const fresh = pick(rows, 'drifty', 'cat_shift', 'new_categories');
    expect(fresh.value).toBe(1);
    expect(JSON.parse(fresh.details).new_categories).toEqual(['d']);
    expect(pick(rows, 'drifty', 'missing_more', 'missing_share_delta')).toMatchObject({ status: 'alert' });
    expect(pick(rows, 'drifty', 'missing_more', 'missing_share_delta').value).toBeCloseTo(0.3, 1);
    for (const f of ['num_stable', 'num_ties', 'cat_stable']) {
      expect(pick(rows, 'drifty', f, 'severity').status).toBe('ok');
      expect(pick(rows, 'drifty', f, 'psi').status).toBe('ok');
    }
  });

  it('a feature on one side only has null metrics and the run goes on', () => {
    const r = pick(rows, 'drifty', 'only_ref', 'psi');
    expect(r.value).toBeNull();
    expect(r.status).toBe('insufficient_data');
    expect(r.n_cur).toBe(0);
    expect(pick(rows, 'drifty', 'only_ref', 'missing_share_delta')).toMatchObject({ value: 1, status: 'alert' });
  });

  it('confidence and prediction shift', () => {
    expect(pick(rows, 'drifty', '', 'confidence_mean_drop').value).toBeCloseTo(0.2, 1);
    expect(pick(rows, 'drifty', '', 'confidence_mean_drop').status).toBe('alert');
    expect(pick(rows, 'drifty', '', 'confidence_psi').status).toBe('alert');
    expect(pick(rows, 'drifty', '', 'confidence_below_floor_share').status).toBe('alert');
    expect(pick(rows, 'drifty', '', 'prediction_psi').status).toBe('ok');
    expect(pick(rows, 'drifty', '', 'prediction_chi2').p_value).toBeGreaterThan(0);
  });

  it('agrees with detectors/stats computed on the raw rows', async () => {
    const values = async (feature: string, start: Date) =>
      (
        await store.query<{ v: number }>(
          `SELECT value_num AS v FROM feature_values WHERE model = 'drifty' AND feature = {f:String} AND kind = 'number' AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC')`,
          { params: { f: feature, s: start.getTime(), e: start.getTime() + H } },
        )
      ).map((r) => r.v);
    for (const f of ['num_stable', 'num_shift', 'num_ties', 'missing_more']) {
      const ref = await values(f, prev);
      const cu = await values(f, T);
      const edges = binEdgesSorted(Float64Array.from(ref).sort());
      const br = binCounts(ref, edges);
      const bc = binCounts(cu, edges);
      const ks = ksTest(ref, cu);
      expect(pick(rows, 'drifty', f, 'psi').value).toBeCloseTo(psi(br, bc), 9);
      expect(pick(rows, 'drifty', f, 'js').value).toBeCloseTo(jensenShannon(br, bc), 9);
      expect(pick(rows, 'drifty', f, 'ks_d').value).toBeCloseTo(ks.d, 12);
      expect(pick(rows, 'drifty', f, 'ks_d').p_value).toBeCloseTo(ks.p_value, 6);
      expect(pick(rows, 'drifty', f, 'wasserstein').value).toBeCloseTo(wasserstein(ref, cu), 9);
      expect(JSON.parse(pick(rows, 'drifty', f, 'psi').details).bin_edges).toEqual(edges);
    }
    const cats = async (start: Date) =>
      store.query<{ c: string; n: number }>(
        `SELECT value_str AS c, toFloat64(count()) AS n FROM feature_values WHERE model = 'drifty' AND feature = 'cat_shift' AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC') GROUP BY c`,
        { params: { s: start.getTime(), e: start.getTime() + H } },
      );
    const r = new Map((await cats(prev)).map((x) => [x.c, x.n]));
    const c = new Map((await cats(T)).map((x) => [x.c, x.n]));
    const keys = ['a', 'b', 'c', 'd'];
    const cr = keys.map((k) => r.get(k) ?? 0);
    const cc = keys.map((k) => c.get(k) ?? 0);
    expect(pick(rows, 'drifty', 'cat_shift', 'psi').value).toBeCloseTo(psi(cr, cc), 9);
    expect(pick(rows, 'drifty', 'cat_shift', 'chi2').value).toBeCloseTo(chi2Homogeneity(cr, cc).statistic, 6);
  });
});

describe('false alarms and small samples', () => {
  it('50 stable features raise no alert and BH keeps KS false positives near zero', async () => {
    const feats = Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, json: i % 5 === 4 ? str(`['a', 'b', 'c', 'd'][1 + (cityHash64(n, seed, ${i}) % 4)]`) : num(normal(`n${i}`)) }));
    await generate(store, { model: 'calm', version: 'v1', start: prev, spanMs: H, rows: 3000, features: feats, seed: 11 });
    await generate(store, { model: 'calm', version: 'v1', start: T, spanMs: H, rows: 3000, features: feats, seed: 12 });
    const rows = await runDrift(store, opts({ models: ['calm'] }), ctx());
    expect(rows.filter((r) => r.status === 'alert')).toEqual([]);
    const tests = rows.filter((r) => r.metric === 'ks_d' || r.metric === 'chi2');
    expect(tests).toHaveLength(50);
    expect(tests.filter((r) => r.status === 'warn').length).toBeLessThanOrEqual(1);
  });

  it('reports insufficient_data below min_samples', async () => {
    await generate(store, { model: 'tiny', version: 'v1', start: prev, spanMs: H, rows: 200, features: [{ name: 'x', json: num(normal('x')) }] });
    await generate(store, { model: 'tiny', version: 'v1', start: T, spanMs: H, rows: 200, features: [{ name: 'x', json: num(`${normal('x')} + 3`) }] });
    const rows = await runDrift(store, opts({ models: ['tiny'] }), ctx());
    for (const m of ['psi', 'js', 'ks_d', 'wasserstein', 'missing_share_delta', 'severity']) expect(pick(rows, 'tiny', 'x', m).status).toBe('insufficient_data');
    expect(pick(rows, 'tiny', 'x', 'psi').value).toBeGreaterThan(1);
    const low = await runDrift(store, opts({ models: ['tiny'], minSamples: 100 }), ctx());
    expect(pick(low, 'tiny', 'x', 'psi').status).toBe('alert');
  });

  it('hostile model, version, feature and tag names are data, not SQL', async () => {
    const model = "m'); DROP TABLE predictions; --";
    const version = 'v{x:String}\\';
    const feature = 'we"ird \'name\\ {f0:String}`';
    const f = [{ name: feature, json: num(normal('h')) }];
    const tags = `map('seg\\'t', if(n % 2 = 0, 'a"\\'', 'b'))`;
    await generate(store, { model, version, start: prev, spanMs: H, rows: 2000, features: f, tags });
    await generate(store, { model, version, start: T, spanMs: H, rows: 2000, features: [{ name: feature, json: num(`${normal('h')} + 2`) }], tags });
    const rows = await runDrift(store, opts({ models: [model], segmentBy: "seg't" }), ctx());
    expect(pick(rows, model, feature, 'psi').status).toBe('alert');
    expect(pick(rows, model, feature, 'psi', `seg't=a"'`).n_cur).toBe(1000);
    expect(rows.every((r) => r.model_version === version)).toBe(true);
  });
});

describe('baselines', () => {
  it('version: canary against the champion over the same window', async () => {
    await generate(store, { model: 'cv', version: 'champ', start: T, spanMs: H, rows: 3000, features: [{ name: 'x', json: num(normal('x')) }], seed: 1 });
    await generate(store, { model: 'cv', version: 'canary', start: T, spanMs: H, rows: 3000, features: [{ name: 'x', json: num(`${normal('x')} * 2`) }], seed: 2 });
    const rows = await runDrift(store, opts({ models: ['cv'], baseline: { type: 'version', version: 'champ' } }), ctx());
    expect(new Set(rows.map((r) => r.model_version))).toEqual(new Set(['canary']));
    expect(pick(rows, 'cv', 'x', 'ks_d').status).toBe('warn');
    expect(pick(rows, 'cv', 'x', 'psi').baseline).toBe('version:champ');
  });

  it('range: a pinned time range', async () => {
    const rows = await runDrift(store, opts({ models: ['drifty'], baseline: { type: 'range', from: prev.toISOString(), to: T.toISOString() } }), ctx());
    expect(pick(rows, 'drifty', 'num_shift', 'psi').status).toBe('alert');
    expect(pick(rows, 'drifty', 'num_stable', 'psi').status).toBe('ok');
  });

  it('dataset: an imported CSV', async () => {
    const dir = tempDir('dw-baseline-');
    const path = join(dir.path, 'train.csv');
    const lines = ['num_stable,num_shift,cat_shift,extra'];
    for (let i = 0; i < 3000; i++) {
      const z = Math.sqrt(-2 * Math.log(1 - ((i * 7919) % 3000) / 3000 - 1e-9)) * Math.cos((2 * Math.PI * ((i * 104729) % 3001)) / 3001);
      lines.push(`${z},${z},${['a', 'b', 'c'][i % 3]},${i % 10 === 0 ? 'NA' : i}`);
    }
    writeFileSync(path, lines.join('\n') + '\n');
    const ds = await importBaseline(store, { model: 'drifty', version: 'v1', path });
    expect(ds).toMatchObject({ rows: 3000, name: 'training', features: ['num_stable', 'num_shift', 'cat_shift', 'extra'] });
    expect((await listBaselines(store)).map((b) => b.name)).toEqual(['training']);
    const rows = await runDrift(store, opts({ models: ['drifty'], baseline: { type: 'dataset', name: 'training' } }), ctx());
    expect(pick(rows, 'drifty', 'cat_shift', 'new_categories').value).toBe(1);
    expect(pick(rows, 'drifty', 'extra', 'psi').n_ref).toBe(2700);
    expect(pick(rows, 'drifty', 'num_shift', 'psi').baseline).toBe('dataset:training');
    expect(rows.some((r) => r.metric.startsWith('confidence_'))).toBe(false);
    dir.remove();
  });
});

describe('KS on large samples', () => {
  it('binned D is within 0.005 of the exact D', async () => {
    const f = [
      { name: 'smooth', json: num(normal('a')) },
      { name: 'ties', json: num(`round(${normal('b')} * 3)`) },
    ];
    await generate(store, { model: 'big', version: 'v1', start: prev, spanMs: H, rows: 150_000, features: f, seed: 1 });
    await generate(store, { model: 'big', version: 'v1', start: T, spanMs: H, rows: 150_000, features: [{ name: 'smooth', json: num(`${normal('a')} * 1.02 + 0.01`) }, f[1]!], seed: 2 });
    const exact = await runDrift(store, opts({ models: ['big'], exactLimit: 1e9 }), ctx());
    const binned = await runDrift(store, opts({ models: ['big'], exactLimit: 0, refine: false }), ctx());
    for (const feat of ['smooth', 'ties']) {
      const e = pick(exact, 'big', feat, 'ks_d');
      const b = pick(binned, 'big', feat, 'ks_d');
      expect(JSON.parse(b.details).ecdf_method).toBe('binned');
      expect(Math.abs((b.value as number) - (e.value as number))).toBeLessThanOrEqual(0.005);
      expect(JSON.parse(b.details).d_error_bound ?? 0).toBeLessThanOrEqual(0.005);
      expect(pick(binned, 'big', feat, 'psi').value).toBeCloseTo(pick(exact, 'big', feat, 'psi').value as number, 12);
    }
  });
});

describe('binned path against the raw rows', () => {
  it('exact edges and bins with negative ties and -0, KS within bound, mixed categorical counts', async () => {
    const f = [
      { name: 'neg_ties', json: num(`if(cityHash64(n, seed, 'z') % 7 = 0, -0., round(${normal('t')} * 3) - 2)`) },
      { name: 'wide', json: num(`${normal('w')} * 1000`) },
      { name: 'mixed', json: `if(cityHash64(n, seed, 'mx') % 3 = 0, '"x"', toString(cityHash64(n, seed, 'my') % 4))` },
    ];
    await generate(store, { model: 'rawcheck', version: 'v1', start: prev, spanMs: H, rows: 120_000, features: f, seed: 5 });
    await generate(store, { model: 'rawcheck', version: 'v1', start: T, spanMs: H, rows: 120_000, features: f, seed: 6 });
    const rows = await runDrift(store, opts({ models: ['rawcheck'] }), ctx());
    const values = async (feature: string, start: Date) =>
      (
        await store.query<{ v: number }>(
          `SELECT value_num AS v FROM feature_values WHERE model = 'rawcheck' AND feature = {f:String} AND kind = 'number' AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC')`,
          { params: { f: feature, s: start.getTime(), e: start.getTime() + H } },
        )
      ).map((r) => r.v);
    for (const feat of ['neg_ties', 'wide']) {
      const ref = await values(feat, prev);
      const cu = await values(feat, T);
      const edges = binEdgesSorted(Float64Array.from(ref).sort());
      const br = binCounts(ref, edges);
      const bc = binCounts(cu, edges);
      const psiRow = pick(rows, 'rawcheck', feat, 'psi');
      expect(JSON.parse(psiRow.details).bin_edges).toEqual(edges);
      expect(JSON.parse(psiRow.details).counts).toEqual({ ref: br, cur: bc });
      expect(psiRow.value).toBeCloseTo(psi(br, bc), 12);
      const ks = pick(rows, 'rawcheck', feat, 'ks_d');
      expect(JSON.parse(ks.details).ecdf_method).toBe('binned');
      expect(Math.abs((ks.value as number) - ksTest(ref, cu).d)).toBeLessThanOrEqual(1e-6);
    }
    const cats = async (start: Date) =>
      store.query<{ c: string; n: number }>(
        `SELECT if(kind = 'number', toString(value_num), value_str) AS c, toFloat64(count()) AS n FROM feature_values WHERE model = 'rawcheck' AND feature = 'mixed' AND kind != 'missing' AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC') GROUP BY c`,
        { params: { s: start.getTime(), e: start.getTime() + H } },
      );
    const r = new Map((await cats(prev)).map((x) => [x.c, x.n]));
    const c = new Map((await cats(T)).map((x) => [x.c, x.n]));
    const keys = [...new Set([...r.keys(), ...c.keys()])].sort();
    expect(keys).toEqual(['0', '1', '2', '3', 'x']);
    const cr = keys.map((k) => r.get(k) ?? 0);
    const cc = keys.map((k) => c.get(k) ?? 0);
    expect(pick(rows, 'rawcheck', 'mixed', 'chi2').value).toBeCloseTo(chi2Homogeneity(cr, cc).statistic, 9);
    expect(pick(rows, 'rawcheck', 'mixed', 'psi').value).toBeCloseTo(psi(cr, cc), 12);
  }, 60_000);
});

describe('windows spanning whole days', () => {
  it('whole days read by partition and the partial ends by ts agree with the raw rows', async () => {
    const D = 24 * H;
    const f = [{ name: 'x', json: num(`${normal('x')} + if(n >= 4800, 0.3, 0)`) }];
    await generate(store, { model: 'daily', version: 'v1', start: new Date(T.getTime() - 2 * D), spanMs: 4 * D, rows: 9600, features: f, seed: 3 });
    const window = { start: new Date(T.getTime() - 6 * H), end: new Date(T.getTime() + 30 * H) };
    const rows = await runDrift(store, opts({ models: ['daily'] }), ctx(window));
    const values = async (s: number, e: number) =>
      (
        await store.query<{ v: number }>(
          `SELECT value_num AS v FROM feature_values WHERE model = 'daily' AND feature = 'x' AND kind = 'number' AND ts >= fromUnixTimestamp64Milli({s:Int64}, 'UTC') AND ts < fromUnixTimestamp64Milli({e:Int64}, 'UTC')`,
          { params: { s, e } },
        )
      ).map((r) => r.v);
    const cu = await values(window.start.getTime(), window.end.getTime());
    const ref = await values(window.start.getTime() - 36 * H, window.start.getTime());
    expect(cu.length).toBe(3600);
    expect(ref.length).toBe(3600);
    const edges = binEdgesSorted(Float64Array.from(ref).sort());
    const psiRow = pick(rows, 'daily', 'x', 'psi');
    expect(psiRow).toMatchObject({ n_ref: ref.length, n_cur: cu.length });
    expect(JSON.parse(psiRow.details).counts).toEqual({ ref: binCounts(ref, edges), cur: binCounts(cu, edges) });
    expect(pick(rows, 'daily', 'x', 'ks_d').value).toBeCloseTo(ksTest(ref, cu).d, 12);
  }, 60_000);
});
