// The estimated-quality detector end to end in the engine, on small cases
// whose estimates are derived by hand in the comments: an isotonic
// calibration over tied scores, the artifact's versions, reference timing,
// segments, confidence-only classifiers and the regression residual table.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatedJobSchema } from '../../../detectors/estimated/config.ts';
import { estimatedQuality } from '../../../detectors/estimated/estimated.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details, generatePredictions, pick } from '../operational/fixtures.ts';
import { simulateWindow } from '../../../testkit/simulated-model.ts';

const HOUR = 3_600_000;
const REF = { from: '2026-10-01T00:00:00Z', to: '2026-10-01T01:00:00Z' };
const CUR = { start: new Date('2026-10-02T00:00:00Z'), end: new Date('2026-10-02T01:00:00Z') };
const RUN_AT = new Date('2026-11-01T00:00:00Z');

let store: Store;
let cleanup: () => Promise<void>;

function job(over: Record<string, unknown>) {
  return estimatedJobSchema.parse({ kind: 'estimated_quality', name: 'est', window: '1h', reference: { type: 'range', ...REF }, label_horizon: '1d', min_count: 5, ...over });
}

function run(j: ReturnType<typeof job>, window = CUR, runAt = RUN_AT): Promise<ScoreRow[]> {
  return estimatedQuality(store, j, { runId: 'r', runAt, window, signal: new AbortController().signal, minSamples: 5, logger: silentLogger });
}

// Scores 0.2, 0.4, 0.6, 0.8, 8 reference rows each; positives 1, 4, 3, 7.
const TIED_REF = "[0.2, 0.4, 0.6, 0.8][intDiv(number, 8) + 1]";
const TIED_POS = '[1, 4, 3, 7][intDiv(number, 8) + 1]';
// The window: 10 rows at 0.2, 5 at 0.4, 5 at 0.6, 10 at 0.8.
const TIED_CUR = 'multiIf(number < 10, 0.2, number < 15, 0.4, number < 20, 0.6, 0.8)';

async function tiedModel(): Promise<void> {
  const common = { model: 'tied', version: 'v1', stepMs: 60_000 };
  const pred = (s: string) => ({ prediction: `if(${s} >= 0.5, '1', '0')`, predictionNum: `toFloat64(${s} >= 0.5)`, probabilities: `map('1', ${s}, '0', 1 - ${s})` });
  await generatePredictions(store, { ...common, start: REF.from, n: 32, eventId: "concat('tref-', toString(number))", ...pred(TIED_REF) });
  await generatePredictions(store, { ...common, start: CUR.start.toISOString(), n: 30, eventId: "concat('tcur-', toString(number))", ...pred(TIED_CUR) });
  // Within each score the first `positives` rows are labelled 1.
  await store.command(
    `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
     SELECT concat('tref-', toString(number)), 'tied', toString(y), y, toDateTime64('2026-10-01 02:00:00', 3, 'UTC'), 'test', '', -1, -1
     FROM (SELECT number, toFloat64(number % 8 < ${TIED_POS}) AS y FROM numbers(32))`,
  );
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await tiedModel();
});
afterAll(async () => cleanup?.());

describe('binary CBPE with an isotonic calibration, by hand', () => {
  // Fine edges: quantiles k/8 of the 32 reference scores, deduplicated:
  // [0.2, 0.4, 0.6, 0.8]; bin rates 1/8, 4/8, 3/8, 7/8 (and an empty bin
  // above 0.8). Isotonic pools 0.5 and 0.375 into 0.4375, so the calibrated
  // probabilities are 0.125, 0.4375, 0.4375, 0.875.
  // Window: predicted 1 are the 5 rows at 0.6 and 10 at 0.8.
  //   TP = 5 × 0.4375 + 10 × 0.875 = 10.9375    FP = 15 - TP = 4.0625
  //   FN = 10 × 0.125 + 5 × 0.4375 = 3.4375     TN = 15 - FN = 11.5625
  const TP = 10.9375;
  const FP = 4.0625;
  const FN = 3.4375;
  const TN = 11.5625;
  // ROC AUC: groups by score with weights (p, 1 - p) × count:
  //   0.2: (1.25, 8.75)  0.4: (2.1875, 2.8125)  0.6: (2.1875, 2.8125)  0.8: (8.75, 1.25)
  const w1 = [1.25, 2.1875, 2.1875, 8.75];
  const w0 = [8.75, 2.8125, 2.8125, 1.25];
  let below = 0;
  let num = 0;
  w1.forEach((p, i) => {
    num += p * (below + w0[i]! / 2);
    below += w0[i]!;
  });
  const AUC = num / (14.375 * 15.625);

  let rows: ScoreRow[];
  beforeAll(async () => {
    rows = await run(job({ model: 'tied', calibration: 'isotonic', calibration_bins: 8, thresholds: { drop: 0.5 } }));
  });

  it('estimates accuracy, precision, recall, F1 and ROC AUC from the expected confusion matrix', () => {
    const v = (m: string) => pick(rows, 'v1', `estimated_${m}`, '', 'tied').value!;
    expect(v('accuracy')).toBeCloseTo((TP + TN) / 30, 12);
    expect(v('precision')).toBeCloseTo(TP / (TP + FP), 12);
    expect(v('recall')).toBeCloseTo(TP / (TP + FN), 12);
    expect(v('f1')).toBeCloseTo((2 * TP) / (2 * TP + FP + FN), 12);
    expect(v('roc_auc')).toBeCloseTo(AUC, 12);
    expect(AUC).toBeCloseTo(0.833913, 6);
  });

  it('judges against the reference\'s realized metrics and carries the band', () => {
    // Reference: predicted 1 = the 16 rows at 0.6 and 0.8; TP 10, FP 6, FN 5, TN 11.
    const acc = pick(rows, 'v1', 'estimated_accuracy', '', 'tied');
    const d = details(acc);
    expect(d.reference).toBeCloseTo(21 / 32, 12);
    expect(acc.threshold).toBeCloseTo(21 / 32 - 0.5, 12);
    expect(acc.status).toBe('ok');
    // SE² = a(1-a) (1/30 + 1/32), a = 21/32; band = 3 SE.
    const a = 21 / 32;
    expect(d.se).toBeCloseTo(Math.sqrt(a * (1 - a) * (1 / 30 + 1 / 32)), 12);
    expect(d.band).toBeCloseTo(3 * (d.se as number), 12);
    expect(d.lower).toBeCloseTo(acc.value! - (d.band as number), 12);
    expect(details(pick(rows, 'v1', 'estimated_f1', '', 'tied')).reference).toBeCloseTo(20 / 31, 12);
    expect(d.methods).toEqual({ '1': 'isotonic' });
    expect(acc.n_ref).toBe(32);
    expect(acc.n_cur).toBe(30);
    expect(acc.baseline).toBe(`reference:${new Date(REF.from).toISOString()}/${new Date(REF.to).toISOString()}`);
  });

  it('stores the calibration as a versioned artifact with its reference range, and reuses it', async () => {
    const stored = await store.query<{ version: number; method: string; edges: number[]; values: number[]; reference_from: string }>(
      "SELECT version, method, edges, values, toString(reference_from) AS reference_from FROM estimated_calibrations WHERE detector = 'est' AND model = 'tied'",
    );
    expect(stored).toEqual([{ version: 1, method: 'isotonic', edges: [0.2, 0.4, 0.6, 0.8], values: [0.125, 0.4375, 0.4375, 0.875, 0.875], reference_from: '2026-10-01 00:00:00.000' }]);
    await run(job({ model: 'tied', calibration: 'isotonic', calibration_bins: 8 }));
    const count = await store.query<{ n: string }>("SELECT count() AS n FROM estimated_calibrations WHERE detector = 'est' AND model = 'tied'");
    expect(Number(count[0]?.n)).toBe(1);
  });

  it('a new reference range is fitted as the next version; the old one stays', async () => {
    const moved = await run(job({ model: 'tied', calibration: 'auto', reference: { type: 'range', from: REF.from, to: '2026-10-01T00:20:00Z' } }));
    expect(details(pick(moved, 'v1', 'estimated_accuracy', '', 'tied')).calibration_version).toBe(2);
    const versions = await store.query<{ version: number; reference_to: string }>(
      "SELECT version, toString(reference_to) AS reference_to FROM estimated_calibrations WHERE detector = 'est' AND model = 'tied' ORDER BY version",
    );
    expect(versions).toEqual([
      { version: 1, reference_to: '2026-10-01 01:00:00.000' },
      { version: 2, reference_to: '2026-10-01 00:20:00.000' },
    ]);
  });
});

describe('before the reference is usable', () => {
  it('no_labels until the reference\'s labels are due, then insufficient_data below min_count', async () => {
    const early = await run(job({ name: 'early', model: 'tied' }), CUR, new Date('2026-10-01T12:00:00Z'));
    const r = pick(early, 'v1', 'estimated_accuracy', '', 'tied');
    expect([r.status, r.value]).toEqual(['no_labels', null]);
    expect(details(r).reason).toMatch(/due at 2026-10-02T01:00:00.000Z/);
    const few = pick(await run(job({ name: 'few', model: 'tied', min_count: 100 })), 'v1', 'estimated_accuracy', '', 'tied');
    expect(few.status).toBe('insufficient_data');
    expect(details(few).reason).toMatch(/32 labelled predictions, fewer than 100/);
  });
});

describe('segments, confidence-only classifiers, version_start references', () => {
  beforeAll(async () => {
    const day = (d: number) => new Date(Date.parse('2026-10-10T00:00:00Z') + d * 24 * HOUR);
    for (let d = 0; d < 3; d++) {
      await simulateWindow(store, { model: 'seg', version: 'v1', start: day(d), n: 600, lengthMs: 24 * HOUR, shift: 0, seed: 7, labels: { delayMs: HOUR }, tags: "map('region', if(number % 3 = 0, 'eu', 'us'))" });
      await simulateWindow(store, { model: 'conf', version: 'v1', start: day(d), n: 600, lengthMs: 24 * HOUR, shift: 0, seed: 8, labels: { delayMs: HOUR }, confidenceOnly: true });
    }
  });
  const window = { start: new Date('2026-10-12T00:00:00Z'), end: new Date('2026-10-13T00:00:00Z') };
  const versionStart = { window: '1d', reference: { type: 'version_start', length: '2d' }, label_horizon: '1d' };

  it('estimates the whole traffic and each segment; the reference is the version\'s first 2 days', async () => {
    const rows = await run(job({ name: 'seg', model: 'seg', segment_by: 'region', ...versionStart }), window);
    const bySegment = rows.filter((r) => r.metric === 'estimated_accuracy' && r.window_start === window.start.toISOString()).map((r) => [r.segment, r.n_cur]);
    expect(bySegment.sort()).toEqual([
      ['', 600],
      ['region=eu', 200],
      ['region=us', 400],
    ]);
    const whole = rows.filter((r) => r.metric === 'estimated_accuracy' && r.segment === '');
    expect(whole).toHaveLength(1);
    expect(whole[0]!.baseline).toBe('reference:2026-10-10T00:00:00.000Z/2026-10-12T00:00:00.000Z');
  });

  it('a binary model logging only its confidence gets the full estimate', async () => {
    const rows = await run(job({ name: 'conf', model: 'conf', ...versionStart }), window);
    for (const m of ['accuracy', 'precision', 'recall', 'f1', 'roc_auc']) expect(pick(rows, 'v1', `estimated_${m}`, '', 'conf').status).toBe('ok');
  });
});

describe('multi-class with only a confidence', () => {
  it('estimates accuracy only, as the calibrated probability that a prediction is right', async () => {
    // 3 classes; confidence 0.9 on rows i % 10 < 5, else 0.5. Reference:
    // right on 9 of 10 confident rows and 1 of 2 others (calibration
    // none keeps 0.9 and 0.5). Window: 20 confident, 10 others: expected
    // accuracy (20 × 0.9 + 10 × 0.5) / 30.
    const conf = 'if(number % 10 < 5, 0.9, 0.5)';
    const pred = "['a', 'b', 'c'][number % 3 + 1]";
    await generatePredictions(store, { model: 'mcc', version: 'v1', start: REF.from, n: 40, stepMs: 60_000, eventId: "concat('mref-', toString(number))", prediction: pred, confidence: conf });
    await generatePredictions(store, { model: 'mcc', version: 'v1', start: CUR.start.toISOString(), n: 30, stepMs: 60_000, eventId: "concat('mcur-', toString(number))", prediction: pred, confidence: 'if(number < 20, 0.9, 0.5)' });
    await store.command(
      `INSERT INTO labels (event_id, model, label, ts, source, kafka_topic, kafka_partition, kafka_offset)
       SELECT concat('mref-', toString(number)), 'mcc', if(right, ['a', 'b', 'c'][number % 3 + 1], ['a', 'b', 'c'][(number + 1) % 3 + 1]),
              toDateTime64('2026-10-01 02:00:00', 3, 'UTC'), 'test', '', -1, -1
       FROM (SELECT number, if(number % 10 < 5, number % 10 != 0, number % 2 = 0) AS right FROM numbers(40))`,
    );
    const rows = await run(job({ name: 'mcc', model: 'mcc', calibration: 'none' }));
    expect(rows.filter((r) => r.model === 'mcc' && r.window_start === CUR.start.toISOString()).map((r) => r.metric)).toEqual(['estimated_accuracy']);
    expect(pick(rows, 'v1', 'estimated_accuracy', '', 'mcc').value).toBeCloseTo((20 * 0.9 + 10 * 0.5) / 30, 12);
  });
});

describe('regression: the residual table per prediction bin', () => {
  it('estimates MAE and RMSE from where the window\'s predictions land, and realizes them once labels are due', async () => {
    // Reference: predictions 1..40; |residual| = 1 for predictions <= 21, 3 above.
    // residual_bins: 2 -> one edge at quantileExact(0.5) of 40 values, the 21st (21): bins ≤21 and >21.
    await generatePredictions(store, { model: 'reg', version: 'v1', start: REF.from, n: 40, stepMs: 60_000, eventId: "concat('rref-', toString(number))", prediction: 'toString(number + 1)', predictionNum: 'toFloat64(number + 1)' });
    await store.command(
      `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
       SELECT concat('rref-', toString(number)), 'reg', toString(y), y, toDateTime64('2026-10-01 02:00:00', 3, 'UTC'), 'test', '', -1, -1
       FROM (SELECT number, toFloat64(number + 1) + if(number + 1 <= 21, 1, 3) * if(number % 2 = 0, 1, -1) AS y FROM numbers(40))`,
    );
    // Window: 10 predictions at 5 (bin 1), 20 at 30 (bin 2). MAE^ = (10 × 1 + 20 × 3) / 30; RMSE^ = sqrt((10 × 1 + 20 × 9) / 30).
    await generatePredictions(store, { model: 'reg', version: 'v1', start: CUR.start.toISOString(), n: 30, stepMs: 60_000, eventId: "concat('rcur-', toString(number))", prediction: "if(number < 10, '5', '30')", predictionNum: 'if(number < 10, 5., 30.)' });
    const j = job({ name: 'reg', model: 'reg', residual_bins: 2, task: 'regression', realized_after: '1h' });
    const rows = await run(j);
    const mae = pick(rows, 'v1', 'estimated_mae', '', 'reg');
    expect(mae.value).toBeCloseTo(70 / 30, 12);
    expect(pick(rows, 'v1', 'estimated_rmse', '', 'reg').value).toBeCloseTo(Math.sqrt(190 / 30), 12);
    expect(details(mae).reference).toBeCloseTo((21 * 1 + 19 * 3) / 40, 12);
    // The band: per-bin |residual| is constant in the reference, so its variance (and the band) is 0.
    expect(details(mae).band).toBe(0);
    // Labels arrive for the window: residual 2 everywhere. Realized MAE 2 against the estimate 70/30.
    await store.command(
      `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
       SELECT concat('rcur-', toString(number)), 'reg', '', if(number < 10, 7., 32.), toDateTime64('2026-10-02 02:00:00', 3, 'UTC'), 'test', '', -1, -1 FROM numbers(30)`,
    );
    const later = await run(j, { start: new Date(CUR.start.getTime() + HOUR), end: new Date(CUR.end.getTime() + HOUR) });
    const realized = pick(later, 'v1', 'realized_mae', '', 'reg');
    expect([realized.window_start, realized.value]).toEqual([CUR.start.toISOString(), 2]);
    expect(details(realized).estimate).toBeCloseTo(70 / 30, 12);
    const err = pick(later, 'v1', 'estimate_error', 'mae', 'reg');
    expect(err.value).toBeCloseTo(2 - 70 / 30, 12);
    expect(err.status).toBe('alert');
    expect(details(err).advice).toMatch(/recent labelled range/);
  });
});

describe('regression: a bin the reference left empty', () => {
  it('borrows its neighbour rather than reading an error of 0', async () => {
    // Reference predictions 10 and 20 (20 each), |residual| 2: the only edge is 20, so the bin above it is empty.
    await generatePredictions(store, { model: 'reg2', version: 'v1', start: REF.from, n: 40, stepMs: 60_000, eventId: "concat('r2ref-', toString(number))", prediction: "''", predictionNum: 'if(number < 20, 10., 20.)' });
    await store.command(
      `INSERT INTO labels (event_id, model, label, label_num, ts, source, kafka_topic, kafka_partition, kafka_offset)
       SELECT concat('r2ref-', toString(number)), 'reg2', '', if(number < 20, 12., 18.), toDateTime64('2026-10-01 02:00:00', 3, 'UTC'), 'test', '', -1, -1 FROM numbers(40)`,
    );
    await generatePredictions(store, { model: 'reg2', version: 'v1', start: CUR.start.toISOString(), n: 10, stepMs: 60_000, eventId: "concat('r2cur-', toString(number))", prediction: "''", predictionNum: '30.' });
    const rows = await run(job({ name: 'reg2', model: 'reg2', residual_bins: 2, task: 'regression' }));
    expect(pick(rows, 'v1', 'estimated_mae', '', 'reg2').value).toBe(2);
  });
});

describe('config', () => {
  it('parses as a detectors.jobs kind with its defaults', () => {
    const c = parseConfig({ detectors: { jobs: [{ name: 'cbpe', kind: 'estimated_quality' }] } });
    const j = c.detectors.jobs[0]!;
    if (j.kind !== 'estimated_quality') throw new Error('kind');
    expect(j.reference).toEqual({ type: 'version_start', length: '7d' });
    expect([j.calibration, j.label_horizon, j.thresholds]).toEqual(['auto', '7d', { drop: 0.05, error_ratio: 1.25, band_sigmas: 3 }]);
    expect(() => parseConfig({ detectors: { jobs: [{ name: 'x', kind: 'estimated_quality', calibration: 'platt' }] } })).toThrow(/calibration/);
  });
});
