// CBPE against NannyML: the same small data sets, calibration off on both
// sides. The expected numbers were computed once with NannyML 0.13.1 by
// test/detectors/estimated/nannyml_expected.py (its printout, pasted below);
// the engine computes ours from the rows inserted here.
// Sampling errors: NannyML reports σ/sqrt(m) per chunk; driftwatch's band
// adds the window's and the reference's variance. For binary accuracy,
// precision, recall and F1 the reference part equals NannyML's reference
// chunk sampling error, and for accuracy the window part equals NannyML's
// analysis chunk error (precision, recall and F1 take the window's own
// counts where NannyML scales the reference's shares; ROC AUC uses Hanley &
// McNeil where NannyML uses the positives' rank spread: not compared).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadArtifact } from '../../../detectors/estimated/artifact.ts';
import { varianceParts } from '../../../detectors/estimated/band.ts';
import { estimatedJobSchema } from '../../../detectors/estimated/config.ts';
import { estimatedQuality } from '../../../detectors/estimated/estimated.ts';
import { rangeSource } from '../../../detectors/estimated/source.ts';
import { classifierSums } from '../../../detectors/estimated/sums.ts';
import type { ClassifierReference } from '../../../detectors/estimated/artifact.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import type { ScoreRow } from '../../../src/core/score.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { details, insertLabels, pick } from '../operational/fixtures.ts';

// NannyML 0.13.1, nannyml_expected.py (pasted as printed).
const NML = {
  binary: {
    reference: {
      accuracy: { value: 0.763, sampling_error: 0.09682458365518541, realized: 0.75 },
      precision: { value: 0.763, sampling_error: 0.12649110640673517, realized: 0.8 },
      recall: { value: 0.763, sampling_error: 0.13428162652290843, realized: 0.7272727272727273 },
      f1: { value: 0.763, sampling_error: 0.16705867034419605, realized: 0.7619047619047619 },
      roc_auc: { value: 0.8365, sampling_error: 0.04948464126834703, realized: 0.8787878787878788 },
    },
    analysis: {
      accuracy: { value: 0.635, sampling_error: 0.125 },
      precision: { value: 0.6228571428571429, sampling_error: 0.16329931618554522 },
      recall: { value: 0.7147540983606557, sampling_error: 0.1733568344082895 },
      f1: { value: 0.665648854961832, sampling_error: 0.21567181602754204 },
      roc_auc: { value: 0.7056126701861629, sampling_error: 0.06388439717511876 },
    },
  },
  multiclass: {
    reference: {
      accuracy: { value: 0.5575, realized: 0.5833333333333334 },
      precision: { value: 0.5575, realized: 0.5833333333333334 },
      recall: { value: 0.5599471288214543, realized: 0.5833333333333334 },
      f1: { value: 0.556947366739458, realized: 0.5833333333333334 },
      roc_auc: { value: 0.7302867407327419, realized: 0.828125 },
    },
    analysis: {
      accuracy: { value: 0.56125 },
      precision: { value: 0.5741666666666667 },
      recall: { value: 0.5530895107220083 },
      f1: { value: 0.529464545209377 },
      roc_auc: { value: 0.7549601469689801 },
    },
  },
} as const;

const REF_P = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.12, 0.88];
const REF_Y = [0, 0, 0, 1, 0, 0, 1, 0, 1, 0, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1];
const CUR_P = [0.3, 0.42, 0.48, 0.51, 0.52, 0.58, 0.61, 0.66, 0.07, 0.93, 0.47, 0.55];
const CLS = ['a', 'b', 'c'];
const REF_MC: Array<[number[], string]> = [
  [[0.7, 0.2, 0.1], 'a'], [[0.6, 0.3, 0.1], 'b'], [[0.5, 0.25, 0.25], 'a'], [[0.2, 0.7, 0.1], 'b'],
  [[0.3, 0.5, 0.2], 'c'], [[0.1, 0.8, 0.1], 'b'], [[0.2, 0.2, 0.6], 'c'], [[0.1, 0.3, 0.6], 'c'],
  [[0.25, 0.25, 0.5], 'a'], [[0.4, 0.35, 0.25], 'a'], [[0.15, 0.45, 0.4], 'c'], [[0.33, 0.33, 0.34], 'b'],
];
const CUR_MC = [[0.8, 0.1, 0.1], [0.45, 0.45, 0.1], [0.2, 0.3, 0.5], [0.1, 0.6, 0.3], [0.34, 0.33, 0.33], [0.3, 0.2, 0.5], [0.5, 0.4, 0.1], [0.05, 0.15, 0.8]];

const REF = { start: new Date('2026-10-01T00:00:00Z'), end: new Date('2026-10-01T01:00:00Z') };
const CUR = { start: new Date('2026-10-02T00:00:00Z'), end: new Date('2026-10-02T01:00:00Z') };
const argmax = (p: number[]) => CLS[p.indexOf(Math.max(...p))]!;

let store: Store;
let cleanup: () => Promise<void>;

async function predictions(model: string, start: Date, rows: Array<{ prediction: string; probabilities: Record<string, number> }>, prefix: string): Promise<void> {
  await store.insert(
    'predictions',
    rows.map((r, i) => ({
      event_id: `${prefix}-${i}`,
      ts: new Date(start.getTime() + i * 60_000).toISOString().replace('T', ' ').replace('Z', ''),
      model,
      model_version: 'v1',
      prediction: r.prediction,
      prediction_num: /^\d+$/.test(r.prediction) ? Number(r.prediction) : null,
      confidence: null,
      probabilities: r.probabilities,
      tags: {},
      features: '{}',
      error: '',
      source: 'test',
      kafka_topic: '',
      kafka_partition: -1,
      kafka_offset: -1,
    })),
  );
}

function job(model: string) {
  return estimatedJobSchema.parse({
    kind: 'estimated_quality',
    name: `nml-${model}`,
    model,
    window: '1h',
    reference: { type: 'range', from: REF.start.toISOString(), to: REF.end.toISOString() },
    calibration: 'none',
    label_horizon: '1d',
    min_count: 5,
  });
}

async function run(model: string): Promise<ScoreRow[]> {
  return estimatedQuality(store, job(model), { runId: 'r', runAt: new Date('2026-11-01T00:00:00Z'), window: CUR, signal: new AbortController().signal, minSamples: 5, logger: silentLogger });
}

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  await predictions('bin', REF.start, REF_P.map((p) => ({ prediction: p >= 0.5 ? '1' : '0', probabilities: { '1': p, '0': 1 - p } })), 'bref');
  await predictions('bin', CUR.start, CUR_P.map((p) => ({ prediction: p >= 0.5 ? '1' : '0', probabilities: { '1': p, '0': 1 - p } })), 'bcur');
  await insertLabels(store, REF_Y.map((y, i) => ({ event_id: `bref-${i}`, model: 'bin', label: String(y), label_num: y, ts: '2026-10-01T02:00:00Z' })));
  const probs = (p: number[]) => Object.fromEntries(CLS.map((c, i) => [c, p[i]!]));
  await predictions('mc', REF.start, REF_MC.map(([p]) => ({ prediction: argmax(p), probabilities: probs(p) })), 'mref');
  await predictions('mc', CUR.start, CUR_MC.map((p) => ({ prediction: argmax(p), probabilities: probs(p) })), 'mcur');
  await insertLabels(store, REF_MC.map(([, y], i) => ({ event_id: `mref-${i}`, model: 'mc', label: y, ts: '2026-10-01T02:00:00Z' })));
});
afterAll(async () => cleanup?.());

const METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc'] as const;

describe('CBPE against NannyML 0.13.1 (calibration off)', () => {
  it('binary: the same estimates, reference estimates and realized reference metrics', async () => {
    const rows = await run('bin');
    for (const m of METRICS) {
      const r = pick(rows, 'v1', `estimated_${m}`, '', 'bin');
      // NannyML rounds the cumulative TP/FP to 5 decimals inside its ROC AUC.
      const tol = m === 'roc_auc' ? 1e-5 : 1e-12;
      expect(Math.abs(r.value! - NML.binary.analysis[m].value), m).toBeLessThan(tol);
      expect(Math.abs((details(r).reference_estimate as number) - NML.binary.reference[m].value), m).toBeLessThan(tol);
      expect(details(r).reference).toBeCloseTo(NML.binary.reference[m].realized, 12);
    }
  });

  it('binary: the calibration part of the band is NannyML\'s reference sampling error, the window part of accuracy its analysis error', async () => {
    const a = await loadArtifact(store, { detector: 'nml-bin', model: 'bin', version: 'v1', referenceFrom: REF.start, referenceTo: REF.end });
    const ref = a!.reference as ClassifierReference;
    const layout = { task: ref.task, classes: ref.classes, positive: ref.positive, negative: ref.negative };
    const sums = (await classifierSums(store, rangeSource({ model: 'bin', version: 'v1', ...CUR }), layout, a!.calibrations)).get('')!;
    const parts = varianceParts({ task: ref.task, confusion: ref.confusion, auc: ref.auc }, sums.expected, sums.auc);
    for (const m of ['accuracy', 'precision', 'recall', 'f1'] as const) expect(Math.sqrt(parts.get(m)!.calibration), m).toBeCloseTo(NML.binary.reference[m].sampling_error, 12);
    expect(Math.sqrt(parts.get('accuracy')!.window)).toBeCloseTo(NML.binary.analysis.accuracy.sampling_error, 12);
    // Precision's window part uses the window's 7 predicted positives, NannyML 12 × the reference's share 0.5.
    expect(Math.sqrt(parts.get('precision')!.window)).toBeCloseTo(0.4 / Math.sqrt(7), 12);
  });

  it('multi-class: the same estimates (macro over a, b, c) and realized reference metrics', async () => {
    const rows = await run('mc');
    const names = { accuracy: 'accuracy', precision: 'precision_macro', recall: 'recall_macro', f1: 'f1_macro', roc_auc: 'roc_auc' } as const;
    for (const m of METRICS) {
      const r = pick(rows, 'v1', `estimated_${names[m]}`, '', 'mc');
      const tol = m === 'roc_auc' ? 1e-5 : 1e-12;
      expect(Math.abs(r.value! - NML.multiclass.analysis[m].value), m).toBeLessThan(tol);
      expect(Math.abs((details(r).reference_estimate as number) - NML.multiclass.reference[m].value), m).toBeLessThan(tol);
      expect(details(r).reference).toBeCloseTo(NML.multiclass.reference[m].realized, 12);
    }
  });
});
