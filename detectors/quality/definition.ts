// Label-based quality as a registry entry.
import { z } from 'zod';
import { defineDetector, jobFields } from '../../src/core/detector.ts';
import { durationSchema, parseDuration } from '../../src/core/util/duration.ts';
import { monitorContext, monitorFields, monitorThresholdsSchema } from '../monitor-config.ts';
import { qualityMonitor } from './quality.ts';

export const qualityJobSchema = z.strictObject({
  kind: z.literal('quality').describe('quality: label-based accuracy, ROC AUC, log loss, calibration, MAE... once labels arrive.'),
  ...jobFields,
  ...monitorFields,
  label_horizon: durationSchema('7d').describe('A label counts when it arrives at most this long after the prediction.'),
  thresholds: monitorThresholdsSchema(['quality_drop', 'quality_error_ratio', 'alpha']),
});

export const qualityDetector = defineDetector({
  kind: 'quality',
  summary: 'Model quality from ground-truth labels joined to predictions by event_id.',
  configSchema: qualityJobSchema,
  run: (store, job, ctx) => qualityMonitor(store, { ...monitorContext(job, ctx), labelHorizonMs: parseDuration(job.label_horizon) }),
});
