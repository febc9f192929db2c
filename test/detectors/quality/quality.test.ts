// Quality metrics against scikit-learn: the data below are generated in the
// engine from formulas that test/detectors/quality/expected.py repeats in
// Python; its output (scikit-learn 1.9.1, numpy 2.4.6) is pasted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QualityContext } from '../../../detectors/quality/context.ts';
import { qualityMonitor } from '../../../detectors/quality/quality.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { context, details, generatePredictions, pick, win } from '../operational/fixtures.ts';

const EXPECTED = {
  clf_cur: {
    accuracy: 0.6842105263157895,
    per_class: { '0': [0.8137254901960784, 0.6693548387096774, 0.7345132743362832], '1': [0.5340909090909091, 0.7121212121212122, 0.6103896103896104] },
    precision_macro: 0.6739081996434937,
    recall_macro: 0.6907380254154447,
    f1_macro: 0.6724514423629468,
    roc_auc: 0.8418866080156404,
    log_loss: 0.48895906314018023,
    brier: 0.16526052631578947,
    ece: 0.10815789473684212,
  },
  clf_ref: { accuracy: 1, precision_macro: 1, recall_macro: 1, f1_macro: 1, roc_auc: 1, log_loss: 0.2888726775533054, brier: 0.07685, ece: 0.237 },
  mc_cur: {
    accuracy: 0.7466666666666667,
    per_class: { a: [0.7551020408163265, 0.74, 0.7474747474747475], b: [0.74, 0.74, 0.74], c: [0.7450980392156863, 0.76, 0.7524752475247525] },
    precision_macro: 0.7467333600106709,
    recall_macro: 0.7466666666666667,
    f1_macro: 0.7466499983331666,
    roc_auc: 0.8670333333333334,
    log_loss: 0.6905832078360536,
    ece: 0.25400000000000006,
  },
  reg_cur: { mae: 0.9108910891089116, rmse: 1.074916529110264, mape: 0.12413123665307714 },
  reg_ref: { mae: 0.0669999999999999, rmse: 0.08185352771872438, mape: 0.013699386561151255 },
} as const;

const CUR = win('2026-11-23T10:00:00Z', '2026-11-23T11:00:00Z');
const DAY = 86_400_000;
let store: Store;
let cleanup: () => Promise<void>;
let rows: ScoreRow[];
const qctx = (over: Partial<QualityContext> = {}): QualityContext => ({ ...context({ window: CUR }), labelHorizonMs: DAY, ...over });

// Binary classifier: y = (7i mod 10 < 4); score p1 = y ? 0.3 + k/100 : k/100, k = 13i mod 70 (ties on purpose).
const Y = '((number * 7) % 10 < 4)';
const P1 = (k: string, shift: string) => `if(${Y}, ${shift} + (${k}) / 100, (${k}) / 100)`;

async function insertLabelsSql(sql: string): Promise<void> {
  await store.command(`INSERT INTO labels (event_id, model, label, label_num, ts, ingested_at, source, kafka_topic, kafka_partition, kafka_offset) ${sql}`);
}

async function binaryModel(model: string, start: string, opts: { k: string; shift: string; withMap: boolean; n: number; idPrefix: string }): Promise<void> {
  const p1 = P1(opts.k, opts.shift);
  await generatePredictions(store, {
    model,
    version: 'v1',
    start,
    n: opts.n,
    stepMs: 10_000,
    eventId: `concat('${opts.idPrefix}', toString(number))`,
    prediction: `if(${p1} >= 0.5, '1', '0')`,
    predictionNum: `toFloat64(${p1} >= 0.5)`,
    confidence: `greatest(${p1}, 1 - ${p1})`,
    probabilities: opts.withMap ? `map('1', ${p1}, '0', 1 - ${p1})` : undefined,
  });
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const cur = Date.parse('2026-11-23T10:00:00Z');
  const ref = Date.parse('2026-11-23T09:00:00Z');
  // clf: current hour (200 events) and the baseline hour (200, a better model).
  await binaryModel('clf', '2026-11-23T10:00:00Z', { k: '(number * 13) % 70', shift: '0.3', withMap: true, n: 200, idPrefix: 'clf-cur-' });
  await binaryModel('clf', '2026-11-23T09:00:00Z', { k: '(number * 13) % 50', shift: '0.5', withMap: true, n: 200, idPrefix: 'clf-ref-' });
  // Labels 60 s after each prediction: 190..194 late (2 days), 195..196 empty, 197..199 none.
  await insertLabelsSql(
    `SELECT concat('clf-cur-', toString(number)), 'clf', if(number IN (195, 196), '', toString(toUInt8(${Y}))), if(number IN (195, 196), NULL, toFloat64(${Y})),
            fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + if(number BETWEEN 190 AND 194, 2 * ${DAY}, 60000)), 'UTC'),
            toDateTime64('2026-11-23 12:00:00', 3, 'UTC'), 'test', '', -1, -1
     FROM numbers(197)`,
  );
  // A second, flipped label for every 20th event, arriving later: it wins.
  await insertLabelsSql(
    `SELECT concat('clf-cur-', toString(number)), 'clf', toString(1 - toUInt8(${Y})), toFloat64(1 - toUInt8(${Y})),
            fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 120000), 'UTC'), toDateTime64('2026-11-23 13:00:00', 3, 'UTC'), 'test', '', -1, -1
     FROM numbers(190) WHERE number % 20 = 0`,
  );
  await insertLabelsSql(
    `SELECT concat('clf-ref-', toString(number)), 'clf', toString(toUInt8(${Y})), toFloat64(${Y}),
            fromUnixTimestamp64Milli(toInt64(${ref} + number * 10000 + 60000), 'UTC'), toDateTime64('2026-11-23 12:00:00', 3, 'UTC'), 'test', '', -1, -1
     FROM numbers(200)`,
  );
  // Five labels for events nobody predicted.
  await insertLabelsSql(
    `SELECT concat('ghost-', toString(number)), 'clf', '1', 1, fromUnixTimestamp64Milli(toInt64(${cur} + 1000 * number), 'UTC'), now64(3), 'test', '', -1, -1 FROM numbers(5)`,
  );

  // clfconf: the same current data with a confidence but no probabilities map.
  await binaryModel('clfconf', '2026-11-23T10:00:00Z', { k: '(number * 13) % 70', shift: '0.3', withMap: false, n: 190, idPrefix: 'clfconf-' });
  await insertLabelsSql(
    `SELECT concat('clfconf-', toString(number)), 'clfconf', toString(L), toFloat64(L), fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 60000), 'UTC'), now64(3), 'test', '', -1, -1
     FROM (SELECT number, if(number % 20 = 0, 1 - toUInt8(${Y}), toUInt8(${Y})) AS L FROM numbers(190))`,
  );

  // mc: three classes, y = [a, b, c][i mod 3]; every 4th prediction puts 0.6 on the next class.
  const T = '(number % 3)';
  const PT = '(0.5 + ((number * 11) % 5) / 10)';
  const prob = (x: number) => `if(number % 4 = 0, if(${T} = ${x}, 0.2, if((${T} + 1) % 3 = ${x}, 0.6, 0.2)), if(${T} = ${x}, ${PT}, (1 - ${PT}) / 2))`;
  await generatePredictions(store, {
    model: 'mc',
    version: 'v1',
    start: '2026-11-23T10:00:00Z',
    n: 150,
    stepMs: 10_000,
    eventId: "concat('mc-', toString(number))",
    prediction: `if(number % 4 = 0, ['a', 'b', 'c'][(${T} + 1) % 3 + 1], ['a', 'b', 'c'][${T} + 1])`,
    confidence: `if(number % 4 = 0, 0.6, ${PT})`,
    probabilities: `map('a', ${prob(0)}, 'b', ${prob(1)}, 'c', ${prob(2)})`,
  });
  await insertLabelsSql(
    `SELECT concat('mc-', toString(number)), 'mc', ['a', 'b', 'c'][${T} + 1], NULL, fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 60000), 'UTC'), now64(3), 'test', '', -1, -1 FROM numbers(150)`,
  );

  // reg: y = 1 + i mod 17, ŷ = 1.1 y + ((i mod 3) - 1) / 2; event 100 is y = 0 = ŷ; 101..104 have labels that are not numbers.
  const YR = '(1 + number % 17)';
  await generatePredictions(store, {
    model: 'reg',
    version: 'v1',
    start: '2026-11-23T10:00:00Z',
    n: 105,
    stepMs: 10_000,
    eventId: "concat('reg-', toString(number))",
    predictionNum: `toNullable(if(number = 100, 0., ${YR} * 1.1 + (toInt64(number % 3) - 1) * 0.5))`,
    prediction: "'x'",
  });
  await generatePredictions(store, {
    model: 'reg',
    version: 'v1',
    start: '2026-11-23T09:00:00Z',
    n: 100,
    stepMs: 10_000,
    eventId: "concat('reg-ref-', toString(number))",
    predictionNum: `toNullable(${YR} + (toInt64(number % 3) - 1) * 0.1)`,
  });
  await insertLabelsSql(
    `SELECT concat('reg-', toString(number)), 'reg', if(number > 100, 'abc', toString(L)), if(number > 100, NULL, L),
            fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 60000), 'UTC'), now64(3), 'test', '', -1, -1
     FROM (SELECT number, if(number = 100, 0., toFloat64(${YR})) AS L FROM numbers(105))`,
  );
  await insertLabelsSql(
    `SELECT concat('reg-ref-', toString(number)), 'reg', toString(${YR}), toFloat64(${YR}), fromUnixTimestamp64Milli(toInt64(${ref} + number * 10000 + 60000), 'UTC'), now64(3), 'test', '', -1, -1 FROM numbers(100)`,
  );

  // nolab: predictions, no labels yet. few: 10 labels, below minCount.
  await generatePredictions(store, { model: 'nolab', version: 'v1', start: '2026-11-23T10:00:00Z', n: 100, prediction: "'a'", confidence: '0.9' });
  await generatePredictions(store, { model: 'few', version: 'v1', start: '2026-11-23T10:00:00Z', n: 100, stepMs: 10_000, eventId: "concat('few-', toString(number))", prediction: "'a'", confidence: '0.9' });
  await insertLabelsSql(`SELECT concat('few-', toString(number)), 'few', 'a', NULL, fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 60000), 'UTC'), now64(3), 'test', '', -1, -1 FROM numbers(10)`);

  rows = await qualityMonitor(store, qctx());
});
afterAll(async () => cleanup());

const near = (actual: number | null, expected: number) => {
  expect(actual).not.toBeNull();
  expect(Math.abs((actual as number) - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
};

describe('binary classification (sklearn, zero_division=0, macro over y_true ∪ y_pred)', () => {
  it('matches accuracy, macro P/R/F1, ROC AUC with ties, log loss, Brier and ECE', () => {
    for (const m of ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'roc_auc', 'log_loss', 'brier', 'ece'] as const) {
      const r = pick(rows, 'v1', m, '', 'clf');
      near(r.value, EXPECTED.clf_cur[m]);
      near(details(r).ref as number, EXPECTED.clf_ref[m]);
      expect(r).toMatchObject({ n_cur: 190, n_ref: 200, detector: 'quality' });
    }
  });

  it('per-class precision, recall and F1 as feature class=<label>', () => {
    for (const [cls, [p, r, f]] of Object.entries(EXPECTED.clf_cur.per_class)) {
      near(pick(rows, 'v1', 'precision', `class=${cls}`, 'clf').value, p);
      near(pick(rows, 'v1', 'recall', `class=${cls}`, 'clf').value, r);
      near(pick(rows, 'v1', 'f1', `class=${cls}`, 'clf').value, f);
      expect(pick(rows, 'v1', 'f1', `class=${cls}`, 'clf').status).toBe('ok');
    }
  });

  it('flags the drop against the baseline window (accuracy: statsmodels proportions_ztest smaller p 2.8227e-18)', () => {
    const acc = pick(rows, 'v1', 'accuracy', '', 'clf');
    expect(acc.status).toBe('alert');
    expect(acc.threshold).toBeCloseTo(0.95, 12);
    expect(acc.p_value! / 2.822709326048227e-18).toBeCloseTo(1, 8);
    expect(pick(rows, 'v1', 'f1_macro', '', 'clf').status).toBe('alert');
    expect(pick(rows, 'v1', 'roc_auc', '', 'clf').status).toBe('alert');
    const ll = pick(rows, 'v1', 'log_loss', '', 'clf');
    expect(ll.status).toBe('alert');
    near(ll.threshold, EXPECTED.clf_ref.log_loss * 1.25);
    // ECE fell (0.237 -> 0.108): an improvement is no alert.
    expect(pick(rows, 'v1', 'ece', '', 'clf').status).toBe('ok');
  });

  it('counts bad input: late, invalid, duplicate (last wins) and unknown labels', () => {
    expect(pick(rows, 'v1', 'labels_matched', '', 'clf')).toMatchObject({ value: 190, status: 'ok' });
    expect(details(pick(rows, 'v1', 'labels_matched', '', 'clf'))).toMatchObject({ ref: 200, predictions: 200, coverage: 0.95 });
    expect(pick(rows, 'v1', 'labels_late', '', 'clf')).toMatchObject({ value: 5 });
    expect(pick(rows, 'v1', 'labels_invalid', '', 'clf')).toMatchObject({ value: 2 });
    expect(pick(rows, 'v1', 'labels_duplicate', '', 'clf')).toMatchObject({ value: 10 });
    const unknown = pick(rows, '', 'labels_unknown', '', 'clf');
    expect(unknown).toMatchObject({ value: 5, status: 'ok' });
    expect(details(unknown).sample).toEqual(['ghost-0', 'ghost-1', 'ghost-2', 'ghost-3', 'ghost-4']);
  });

  it('a label message stored twice (retried insert, redelivery) is no duplicate; counts survive merges', async () => {
    const cur = Date.parse('2026-11-23T10:00:00Z');
    await insertLabelsSql(
      `SELECT concat('clf-cur-', toString(number)), 'clf', toString(toUInt8(${Y})), toFloat64(${Y}),
              fromUnixTimestamp64Milli(toInt64(${cur} + number * 10000 + 60000), 'UTC'), toDateTime64('2026-11-23 12:00:01', 3, 'UTC'), 'test', '', -1, -1
       FROM numbers(1, 3)`,
    );
    await store.command('OPTIMIZE TABLE labels FINAL');
    await store.command('OPTIMIZE TABLE label_arrivals FINAL');
    const again = await qualityMonitor(store, qctx({ model: 'clf' }));
    expect(pick(again, 'v1', 'labels_duplicate', '', 'clf').value).toBe(10);
    near(pick(again, 'v1', 'accuracy', '', 'clf').value, EXPECTED.clf_cur.accuracy);
  });

  it('a confidence without probabilities gives the positive score for binary metrics', () => {
    near(pick(rows, 'v1', 'accuracy', '', 'clfconf').value, EXPECTED.clf_cur.accuracy);
    expect(pick(rows, 'v1', 'log_loss', '', 'clfconf').value).toBeCloseTo(EXPECTED.clf_cur.log_loss, 10);
    expect(pick(rows, 'v1', 'brier', '', 'clfconf').value).toBeCloseTo(EXPECTED.clf_cur.brier, 10);
    near(pick(rows, 'v1', 'roc_auc', '', 'clfconf').value, EXPECTED.clf_cur.roc_auc);
    // No baseline for clfconf: values are reported, nothing is judged.
    expect(pick(rows, 'v1', 'accuracy', '', 'clfconf')).toMatchObject({ status: 'ok', threshold: null });
    expect(details(pick(rows, 'v1', 'accuracy', '', 'clfconf'))).toMatchObject({ baseline: 'no_labels' });
  });
});

describe('multi-class classification', () => {
  it('matches sklearn: macro P/R/F1, ROC AUC one-vs-rest macro, log loss, ECE; no Brier', () => {
    for (const m of ['accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'roc_auc', 'log_loss', 'ece'] as const) near(pick(rows, 'v1', m, '', 'mc').value, EXPECTED.mc_cur[m]);
    for (const [cls, [p, r, f]] of Object.entries(EXPECTED.mc_cur.per_class)) {
      near(pick(rows, 'v1', 'precision', `class=${cls}`, 'mc').value, p);
      near(pick(rows, 'v1', 'recall', `class=${cls}`, 'mc').value, r);
      near(pick(rows, 'v1', 'f1', `class=${cls}`, 'mc').value, f);
    }
    const brier = pick(rows, 'v1', 'brier', '', 'mc');
    expect(brier).toMatchObject({ value: null, status: 'no_data' });
    expect(details(brier).reason).toMatch(/binary/);
  });
});

describe('regression', () => {
  it('matches MAE, RMSE and MAPE (eps floor for y = 0); non-numeric labels are counted and excluded', () => {
    for (const m of ['mae', 'rmse', 'mape'] as const) {
      const r = pick(rows, 'v1', m, '', 'reg');
      near(r.value, EXPECTED.reg_cur[m]);
      near(details(r).ref as number, EXPECTED.reg_ref[m]);
      expect(r).toMatchObject({ status: 'alert', n_cur: 101, n_ref: 100 });
    }
    expect(pick(rows, 'v1', 'labels_invalid', '', 'reg').value).toBe(4);
    expect(rows.some((r) => r.model === 'reg' && r.metric === 'accuracy')).toBe(false);
  });

  it('the task can be forced per model', async () => {
    const forced = await qualityMonitor(store, qctx({ model: 'reg', tasks: { reg: 'classification' } }));
    expect(forced.some((r) => r.metric === 'accuracy')).toBe(true);
    expect(forced.some((r) => r.metric === 'mae')).toBe(false);
  });
});

describe('no labels and too few labels', () => {
  it('no labels yet: every metric is no_labels with no value', () => {
    const nolab = rows.filter((r) => r.model === 'nolab' && r.model_version === 'v1');
    const metrics = nolab.filter((r) => !r.metric.startsWith('labels_'));
    expect(metrics.map((r) => r.metric).sort()).toEqual(['accuracy', 'brier', 'ece', 'f1_macro', 'log_loss', 'precision_macro', 'recall_macro', 'roc_auc']);
    expect(metrics.every((r) => r.status === 'no_labels' && r.value === null)).toBe(true);
    expect(pick(rows, 'v1', 'labels_matched', '', 'nolab')).toMatchObject({ value: 0, status: 'no_labels' });
  });

  it('below minCount: values are reported as insufficient_data', () => {
    expect(pick(rows, 'v1', 'accuracy', '', 'few')).toMatchObject({ value: 1, status: 'insufficient_data', n_cur: 10 });
  });
});
