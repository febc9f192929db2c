// Quality before labels (CBPE) as a registry entry.
import { defineDetector } from '../../src/core/detector.ts';
import { estimatedJobSchema } from './config.ts';
import { estimatedQuality } from './estimated.ts';

export const estimatedQualityDetector = defineDetector({
  kind: 'estimated_quality',
  summary: 'Quality estimated before labels arrive (CBPE on calibrated probabilities; residual bins for regressors), checked against the labels once they do.',
  configSchema: estimatedJobSchema,
  run: (store, job, ctx) => estimatedQuality(store, job, ctx),
});
