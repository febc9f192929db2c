// Correctness on simulated data where the truth is known: a calibrated
// binary model (it logs the true P(y = 1 | x)) whose input x drifts
// (covariate shift, no concept drift). The reference is three days at
// x ~ N(0, 1); the checked day holds 40 sub-windows (one tag segment each,
// one detector run computes them all) whose x ~ N(shift, 1) sweeps from
// -2.5 to 2.5, so accuracy and ROC AUC move well away from the reference.
// The realized metric must land within the estimate's band in at least
// 90% of the sub-windows, with the default band (3 standard errors) and
// with a tighter one (2). The same day under concept drift (the world's
// relation changed, the model did not) must be flagged by estimate_error.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { estimatedJobSchema } from '../../../detectors/estimated/config.ts';
import { estimatedQuality } from '../../../detectors/estimated/estimated.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details } from '../operational/fixtures.ts';
import { simulateWindow } from '../../../testkit/simulated-model.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2026-09-01T00:00:00Z');
const CHECKED = T0 + 5 * DAY;
const SUB = 40;
const PER_SUB = 500;

let store: Store;
let cleanup: () => Promise<void>;

async function model(name: string, concept?: { a: number; b: number }): Promise<void> {
  await simulateWindow(store, { model: name, version: 'v1', start: new Date(T0), n: 9000, lengthMs: 3 * DAY, shift: 0, seed: 11, labels: { delayMs: 3_600_000 } });
  // Rows are in time order: sub-window i holds rows [i × PER_SUB, (i + 1) × PER_SUB).
  const i = `intDiv(number, ${PER_SUB})`;
  await simulateWindow(store, {
    model: name,
    version: 'v1',
    start: new Date(CHECKED),
    n: SUB * PER_SUB,
    lengthMs: DAY,
    shift: `-2.5 + 5 * ${i} / ${SUB - 1}`,
    seed: 100,
    labels: { delayMs: 3_600_000 },
    tags: `map('w', leftPad(toString(${i}), 2, '0'))`,
    ...(concept ? { concept } : {}),
  });
}

async function check(name: string, bandSigmas: number): Promise<ScoreRow[]> {
  const job = estimatedJobSchema.parse({
    kind: 'estimated_quality',
    name: `sim-${name}-${bandSigmas}`,
    model: name,
    window: '1d',
    reference: { type: 'range', from: new Date(T0).toISOString(), to: new Date(T0 + 3 * DAY).toISOString() },
    label_horizon: '2d',
    realized_after: '1d',
    segment_by: 'w',
    max_segments: SUB,
    thresholds: { band_sigmas: bandSigmas },
  });
  const window = { start: new Date(CHECKED + DAY), end: new Date(CHECKED + 2 * DAY) };
  const rows = await estimatedQuality(store, job, { runId: 'sim', runAt: new Date(CHECKED + 30 * DAY), window, signal: new AbortController().signal, minSamples: 100, logger: silentLogger });
  return rows.filter((r) => r.segment !== '' && r.metric === 'estimate_error');
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await model('calibrated');
  await model('concept', { a: 0.4, b: 0.6 });
});
afterAll(async () => cleanup?.());

function pearson(a: number[], b: number[]): number {
  const ma = a.reduce((s, v) => s + v, 0) / a.length;
  const mb = b.reduce((s, v) => s + v, 0) / b.length;
  let num = 0;
  let da = 0;
  let db = 0;
  a.forEach((v, i) => {
    num += (v - ma) * (b[i]! - mb);
    da += (v - ma) ** 2;
    db += (b[i]! - mb) ** 2;
  });
  return num / Math.sqrt(da * db);
}

const within = (rows: ScoreRow[], metric: string) => {
  const mine = rows.filter((r) => r.feature === metric);
  return { n: mine.length, inside: mine.filter((r) => r.status === 'ok').length };
};

describe('CBPE under covariate shift, truth known', () => {
  it('the realized accuracy and ROC AUC land within their bands in at least 90% of the windows', async () => {
    for (const sigmas of [3, 2]) {
      const rows = await check('calibrated', sigmas);
      for (const metric of ['accuracy', 'roc_auc']) {
        const { n, inside } = within(rows, metric);
        expect(n, metric).toBe(SUB);
        expect(inside / n, `${metric} at ${sigmas} sigma: ${inside}/${n}`).toBeGreaterThanOrEqual(0.9);
      }
    }
  });

  it('the shift is real and the estimate tracks it: realized accuracy spans several bands, estimate and realized move together', async () => {
    const rows = await check('calibrated', 3);
    const acc = rows.filter((r) => r.feature === 'accuracy').map((r) => details(r));
    const realized = acc.map((d) => d.realized as number);
    const estimate = acc.map((d) => d.estimate as number);
    expect(Math.max(...realized) - Math.min(...realized)).toBeGreaterThan(3 * (acc[0]!.band as number));
    expect(pearson(estimate, realized)).toBeGreaterThan(0.8);
  });

  it('under concept drift the estimates miss and estimate_error alerts, telling the user to recalibrate', async () => {
    const rows = await check('concept', 3);
    const { n, inside } = within(rows, 'accuracy');
    expect(n).toBe(SUB);
    expect(inside / n).toBeLessThan(0.5);
    const alert = rows.find((r) => r.feature === 'accuracy' && r.status === 'alert')!;
    expect(details(alert).advice).toMatch(/calibration no longer holds/);
  });
});
