// Judging estimates, on sums built by hand (no engine): the drop rule, the
// band, a window with nothing to average over, and estimate_error.
import { describe, expect, it } from 'vitest';
import type { Artifact } from '../../../detectors/estimated/artifact.ts';
import { classifierEstimateRows, classifierRealizedRows, type RowContext } from '../../../detectors/estimated/rows.ts';
import type { SegmentSums } from '../../../detectors/estimated/sums.ts';

// Reference: 1000 rows, 400 predicted positive, 450 positive, TP 350: accuracy 0.85, precision 0.875, recall 0.778.
const artifact: Artifact = {
  key: { detector: 'j', model: 'm', version: 'v1', referenceFrom: new Date(0), referenceTo: new Date(86_400_000) },
  artifactVersion: 3,
  task: 'binary',
  calibrations: [{ cls: '1', method: 'none', edges: [], values: [], nRef: 1000, positives: 450, cvBrier: null }],
  reference: {
    task: 'binary',
    classes: ['1'],
    positive: '1',
    negative: '0',
    confusion: { n: 1000, classes: [{ pred: 400, trueW: 450, tp: 350 }] },
    auc: [{ num: 0.9 * 450 * 550, pos: 450, neg: 550 }],
    values: { accuracy: 0.85, precision: 0.875, recall: 350 / 450, f1: 700 / 850, roc_auc: 0.9 },
    estimates: {},
  },
  createdAt: '',
};
const ctx: RowContext = { runId: 'r', runAt: new Date(0), window: { start: new Date(0), end: new Date(1) }, model: 'm', version: 'v1', minCount: 100, drop: 0.05, errorRatio: 1.25, bandSigmas: 3 };

function sums(c: { n: number; pred: number; trueW: number; tp: number }, real?: { pred: number; trueW: number; tp: number; n: number }): SegmentSums {
  const auc = [{ num: 0.8 * c.trueW * (c.n - c.trueW), pos: c.trueW, neg: c.n - c.trueW }];
  const r = real ?? { n: 0, pred: 0, trueW: 0, tp: 0 };
  return {
    segment: '',
    rows: c.n,
    labelledRows: r.n,
    expected: { n: c.n, classes: [{ pred: c.pred, trueW: c.trueW, tp: c.tp }] },
    expectedLabelled: { n: r.n ? c.n : 0, classes: [{ pred: c.pred, trueW: c.trueW, tp: c.tp }] },
    realized: { n: r.n, classes: [{ pred: r.pred, trueW: r.trueW, tp: r.tp }] },
    auc,
    aucLabelled: auc,
    aucRealized: [{ num: 0.8 * r.trueW * (r.n - r.trueW), pos: r.trueW, neg: r.n - r.trueW }],
  };
}

const get = (rows: ReturnType<typeof classifierEstimateRows>, metric: string, feature = '') => rows.find((r) => r.metric === metric && r.feature === feature)!;

describe('judging estimates', () => {
  it('alerts when the estimate is drop below the reference and beyond the band', () => {
    // 2000 rows, expected accuracy (TP 590 + TN 990) / 2000 = 0.79: 0.06 below 0.85; band 3 × sqrt(.85 × .15 × (1/2000 + 1/1000)) = 0.0415.
    const rows = classifierEstimateRows(ctx, artifact, sums({ n: 2000, pred: 800, trueW: 800, tp: 590 }));
    const acc = get(rows, 'estimated_accuracy');
    expect(acc.value).toBeCloseTo(0.79, 12);
    expect(JSON.parse(acc.details).band).toBeCloseTo(3 * Math.sqrt(0.85 * 0.15 * (1 / 2000 + 1 / 1000)), 12);
    expect(acc.threshold).toBeCloseTo(0.8, 12);
    expect(acc.status).toBe('alert');
    expect(JSON.parse(acc.details)).toMatchObject({ calibration_version: 3, methods: { '1': 'none' } });
  });

  it('a drop within the band is ok; so is a window with nothing predicted positive (no band to judge precision by)', () => {
    // 200 rows: band 3 × sqrt(.1275 × (1/200 + 1/1000)) = 0.083 > the 0.05 drop.
    expect(get(classifierEstimateRows(ctx, artifact, sums({ n: 200, pred: 80, trueW: 80, tp: 60 })), 'estimated_accuracy').status).toBe('ok');
    const none = get(classifierEstimateRows(ctx, artifact, sums({ n: 500, pred: 0, trueW: 100, tp: 0 })), 'estimated_precision');
    expect([none.value, none.status, JSON.parse(none.details).band]).toEqual([0, 'ok', null]);
  });

  it('below min_count the estimate is insufficient_data', () => {
    expect(get(classifierEstimateRows(ctx, artifact, sums({ n: 50, pred: 20, trueW: 20, tp: 15 })), 'estimated_accuracy').status).toBe('insufficient_data');
  });
});

describe('realized vs estimated', () => {
  it('estimate_error is realized - estimate, alerting outside the band with the advice to recalibrate', () => {
    const est = { n: 1000, pred: 400, trueW: 450, tp: 350 };
    const close = classifierRealizedRows(ctx, artifact, sums(est, { n: 1000, pred: 400, trueW: 450, tp: 345 }));
    expect(get(close, 'estimate_error', 'accuracy').value).toBeCloseTo(-0.01, 12);
    expect(get(close, 'estimate_error', 'accuracy').status).toBe('ok');
    const far = classifierRealizedRows(ctx, artifact, sums(est, { n: 1000, pred: 400, trueW: 450, tp: 250 }));
    const err = get(far, 'estimate_error', 'accuracy');
    expect(err.value).toBeCloseTo(-0.2, 12);
    expect(err.status).toBe('alert');
    expect(JSON.parse(err.details).advice).toMatch(/recalibrate|refit/);
    expect(get(far, 'realized_accuracy').value).toBeCloseTo(0.65, 12);
  });

  it('no labels yet: no_labels, no value', () => {
    const rows = classifierRealizedRows(ctx, artifact, sums({ n: 1000, pred: 400, trueW: 450, tp: 350 }));
    expect([get(rows, 'realized_accuracy').status, get(rows, 'estimate_error', 'accuracy').value]).toEqual(['no_labels', null]);
  });
});
