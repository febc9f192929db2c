// What the engine hands the gate, checked against the same numbers computed
// in JS from the rows inserted: counts, error counts, mean and variance of
// confidence, the p95 band (numpy's interpolation), class counts folded into
// "other", decile bins and categories of critical features with their
// missing values, labelled accuracy, shared events, and the rollout's start.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BINS } from '../../../detectors/gate/aggregates.ts';
import { P95, p95Bandwidth } from '../../../detectors/gate/estimates.ts';
import { loadAggregates, rolloutStart } from '../../../detectors/gate/sql.ts';
import { binEdgesSorted } from '../../../detectors/stats/bins.ts';
import { quantileSorted } from '../../../detectors/stats/quantile.ts';
import { rng } from '../../../src/demo/traffic.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { insertLabels } from '../operational/fixtures.ts';

let store: Store;
let cleanup: () => Promise<void>;
const T0 = Date.parse('2026-11-23T10:00:00Z');
const chTime = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

interface Row {
  id: string;
  version: string;
  ms: number;
  cls: string;
  conf: number;
  latency: number;
  error: string;
  amount: number | null | undefined;
  country: string;
}
const rows: Row[] = [];
/** event_id -> label; a label joins every version that predicted the event (v1 shares 100 events with v2). */
const labels = new Map<string, string>();

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const r = rng(11);
  const CLASSES = Array.from({ length: 13 }, (_, i) => `c${i}`);
  for (const [version, n, offset] of [
    ['v1', 400, 0],
    ['v2', 300, 120_000],
  ] as const) {
    for (let i = 0; i < n; i++) {
      const u = r();
      rows.push({
        id: version === 'v2' && i < 100 ? `shared-${i}` : `${version}-${i}`,
        version,
        ms: T0 + offset + i * 1000,
        cls: CLASSES[Math.floor(r() * r() * CLASSES.length)] as string,
        conf: Math.round((0.5 + 0.5 * r()) * 1000) / 1000,
        latency: Math.round((5 + 40 * r()) * 10) / 10,
        error: r() < (version === 'v1' ? 0.02 : 0.1) ? 'timeout' : '',
        amount: u < 0.05 ? null : u < 0.1 ? undefined : Math.round((version === 'v1' ? 100 : 130) + 50 * r()),
        country: ['DE', 'FR', 'US', 'GB', 'ES', 'IT', 'NL', 'PL', 'AT', 'BE', 'CH', 'SE'][Math.floor(r() * 12)] as string,
      });
    }
  }
  // v1 also predicted the 100 shared events (a shadow pair): same class for even i.
  for (let i = 0; i < 100; i++) rows.push({ ...(rows[i] as Row), id: `shared-${i}`, cls: i % 2 === 0 ? (rows[400 + i] as Row).cls : 'zz', ms: T0 + 400_000 + i });
  await store.insert(
    'predictions',
    rows.map((x) => ({
      event_id: x.id,
      ts: chTime(x.ms),
      model: 'fraud',
      model_version: x.version,
      prediction: x.cls,
      confidence: x.conf,
      latency_ms: x.latency,
      error: x.error,
      features: JSON.stringify({ ...(x.amount === undefined ? {} : { amount: x.amount }), country: x.country, ...(x.version === 'v2' ? { fresh: 1.5 } : {}) }),
      source: 'test',
      kafka_topic: '',
      kafka_partition: -1,
      kafka_offset: -1,
    })),
  );
  // Labels for the first 50 predictions of each version: the label is the predicted class for even i.
  const labelled = ['v1', 'v2'].flatMap((v) => rows.filter((x) => x.version === v).slice(0, 50));
  labelled.forEach((x, i) => labels.set(x.id, i % 2 === 0 ? x.cls : 'nope'));
  await insertLabels(store, labelled.map((x) => ({ event_id: x.id, model: 'fraud', label: labels.get(x.id) as string, ts: new Date(x.ms + 60_000).toISOString() })));
});
afterAll(async () => cleanup?.());

const all = (v: string) => rows.filter((x) => x.version === v);

describe('gate aggregates from the engine', () => {
  const scope = { model: 'fraud', baseline: 'v1', candidate: 'v2', start: new Date(T0), end: new Date(T0 + 3_600_000), criticalFeatures: ['amount', 'country', 'fresh', 'ghost'] };

  it('the rollout starts at the candidate first prediction; none when it made none', async () => {
    expect(await rolloutStart(store, { model: 'fraud', candidate: 'v2', from: new Date(T0 - 86_400_000), end: new Date(T0 + 3_600_000) })).toEqual(new Date(T0 + 120_000));
    expect(await rolloutStart(store, { model: 'fraud', candidate: 'v9', from: new Date(T0 - 86_400_000), end: new Date(T0 + 3_600_000) })).toBeNull();
  });

  it('counts, errors, confidence and the p95 band per side', async () => {
    const agg = await loadAggregates(store, scope);
    for (const [key, v] of [
      ['a', 'v1'],
      ['b', 'v2'],
    ] as const) {
      const mine = all(v);
      const s = agg[key];
      expect(s.n).toBe(mine.length);
      expect(s.errors).toBe(mine.filter((x) => x.error !== '').length);
      const mean = mine.reduce((t, x) => t + x.conf, 0) / mine.length;
      const variance = mine.reduce((t, x) => t + (x.conf - mean) ** 2, 0) / (mine.length - 1);
      expect(s.confidence.n).toBe(mine.length);
      expect(s.confidence.mean).toBeCloseTo(mean, 12);
      expect(s.confidence.variance).toBeCloseTo(variance, 12);
      const sorted = Float64Array.from(mine.map((x) => x.latency)).sort();
      const h = p95Bandwidth(mine.length);
      expect(s.latency).toMatchObject({ n: mine.length });
      expect(s.latency?.h).toBeCloseTo(h, 6);
      expect(s.latency?.q).toBeCloseTo(quantileSorted(sorted, P95), 9);
      expect(s.latency?.lower).toBeCloseTo(quantileSorted(sorted, Number((P95 - h).toFixed(6))), 9);
      expect(s.latency?.upper).toBeCloseTo(quantileSorted(sorted, Number((P95 + h).toFixed(6))), 9);
    }
  });

  it('class counts: the ten commonest classes of the baseline, the rest in "other"', async () => {
    const agg = await loadAggregates(store, scope);
    const d = agg.prediction!;
    expect(d.bins).toHaveLength(MAX_BINS);
    expect(d.bins[10]).toBe('other');
    const count = (v: string, cls: string) => all(v).filter((x) => x.cls === cls).length;
    for (const [i, cls] of d.bins.slice(0, 10).entries()) {
      expect(d.a[i]).toBe(count('v1', cls));
      expect(d.b[i]).toBe(count('v2', cls));
    }
    expect(d.a.reduce((t, x) => t + x, 0)).toBe(all('v1').length);
    expect(d.b.reduce((t, x) => t + x, 0)).toBe(all('v2').length);
    // The baseline's order decides which classes are kept.
    const kept = d.a.slice(0, 10);
    expect([...kept].sort((x, y) => y - x)).toEqual(kept);
  });

  it('critical features: baseline deciles and missing, categories and "other", a candidate-only feature, an absent one', async () => {
    const agg = await loadAggregates(store, scope);
    const [amount, country, fresh, ghost] = agg.features;
    const edges = binEdgesSorted(Float64Array.from(all('v1').flatMap((x) => (typeof x.amount === 'number' ? [x.amount] : []))).sort());
    const bin = (x: number) => edges.filter((e) => e < x).length;
    const counts = (v: string) => {
      const c = new Array<number>(edges.length + 2).fill(0);
      for (const x of all(v)) c[typeof x.amount === 'number' ? bin(x.amount) : edges.length + 1]! += 1;
      return c;
    };
    expect(amount).toMatchObject({ name: 'amount', kind: 'numeric', a: counts('v1'), b: counts('v2') });
    expect(amount?.bins.at(-1)).toBe('missing');
    expect(country?.kind).toBe('categorical');
    expect(country?.bins.slice(-2)).toEqual(['other', 'missing']);
    expect(country?.a.reduce((t, x) => t + x, 0)).toBe(all('v1').length);
    expect(country?.a.at(-1)).toBe(0);
    expect(fresh).toEqual({ name: 'fresh', kind: 'numeric', bins: ['value', 'missing'], a: [0, all('v1').length], b: [all('v2').length, 0] });
    expect(ghost).toEqual({ name: 'ghost', kind: 'absent', bins: ['missing'], a: [all('v1').length], b: [all('v2').length] });
  });

  it('labelled accuracy and shared events', async () => {
    const agg = await loadAggregates(store, scope);
    const accuracy = (v: string) => {
      const mine = all(v).filter((x) => labels.has(x.id));
      return { n: mine.length, x: mine.filter((x) => labels.get(x.id) === x.cls).length };
    };
    expect(accuracy('v1').n).toBe(100);
    expect(agg.quality).toEqual({ task: 'classification', a: accuracy('v1'), b: accuracy('v2') });
    expect(agg.shadow).toEqual({ task: 'classification', shared: 100, disagree: 50 });
  });
});

describe('gate aggregates of a regressor', () => {
  it('baseline deciles of the prediction, and the mean and variance of |error| on labelled predictions', async () => {
    const r = rng(5);
    const made: Array<{ id: string; version: string; y: number; yhat: number }> = [];
    for (const version of ['r1', 'r2']) {
      for (let i = 0; i < 200; i++) {
        const y = Math.round(100 * r()) / 10;
        made.push({ id: `price-${version}-${i}`, version, y, yhat: Math.round((y + (version === 'r1' ? 1 : 2) * (r() - 0.5)) * 100) / 100 });
      }
    }
    await store.insert(
      'predictions',
      made.map((x, i) => ({ event_id: x.id, ts: chTime(T0 + i * 1000), model: 'price', model_version: x.version, prediction: String(x.yhat), prediction_num: x.yhat, features: '{}', source: 'test', kafka_topic: '', kafka_partition: -1, kafka_offset: -1 })),
    );
    await insertLabels(store, made.map((x) => ({ event_id: x.id, model: 'price', label: String(x.y), label_num: x.y, ts: new Date(T0 + 3_000_000).toISOString() })));
    const agg = await loadAggregates(store, { model: 'price', baseline: 'r1', candidate: 'r2', start: new Date(T0), end: new Date(T0 + 3_600_000), criticalFeatures: [] });
    const of = (v: string) => made.filter((x) => x.version === v);
    const edges = binEdgesSorted(Float64Array.from(of('r1').map((x) => x.yhat)).sort());
    const bins = (v: string) => {
      const c = new Array<number>(edges.length + 1).fill(0);
      for (const x of of(v)) c[edges.filter((e) => e < x.yhat).length]! += 1;
      return c;
    };
    expect(agg.prediction?.a).toEqual(bins('r1'));
    expect(agg.prediction?.b).toEqual(bins('r2'));
    expect(agg.prediction?.bins[0]).toBe(`<= ${edges[0]}`);
    expect(agg.quality?.task).toBe('regression');
    for (const [key, v] of [
      ['a', 'r1'],
      ['b', 'r2'],
    ] as const) {
      const e = of(v).map((x) => Math.abs(x.y - x.yhat));
      const mean = e.reduce((t, x) => t + x, 0) / e.length;
      const q = agg.quality as { a: { n: number; mean: number; variance: number }; b: { n: number; mean: number; variance: number } };
      expect(q[key].n).toBe(200);
      expect(q[key].mean).toBeCloseTo(mean, 9);
      expect(q[key].variance).toBeCloseTo(e.reduce((t, x) => t + (x - mean) ** 2, 0) / (e.length - 1), 9);
    }
    expect(agg.shadow).toBeNull();
  });
});
