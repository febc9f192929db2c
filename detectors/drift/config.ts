// A drift job in driftwatch.yaml (`detectors.jobs[]` with kind drift, the
// default kind): its baseline, thresholds and which features it scores.
import { z } from 'zod';
import { jobFields } from '../../src/core/detector.ts';

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');

export const baselineSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('previous').describe('The window just before the current one, same length, same model and version.') }),
    z
      .strictObject({
        type: z.literal('range').describe('A pinned time range of the same model and version.'),
        from: isoTime.describe('Start of the range (inclusive), ISO 8601.'),
        to: isoTime.describe('End of the range (exclusive), ISO 8601.'),
      })
      .refine((r) => Date.parse(r.from) < Date.parse(r.to), { message: 'from must be before to', path: ['to'] }),
    z.strictObject({
      type: z.literal('version').describe('Champion vs canary: another version of the same model over the same window.'),
      version: z.string().min(1).describe('The champion version every other version is compared with.'),
    }),
    z.strictObject({
      type: z.literal('dataset').describe('A dataset imported with `driftwatch baseline import` for the same model and version.'),
      name: z.string().min(1).default('training').describe('Dataset name given at import (--name).'),
    }),
  ])
  .describe('What the current window is compared with.');

export const driftThresholdsSchema = z
  .strictObject({
    psi_warn: z.number().min(0).default(0.1).describe('psi at or above this is warn.'),
    psi_alert: z.number().min(0).default(0.25).describe('psi at or above this is alert.'),
    missing_warn: z.number().min(0).max(1).default(0.05).describe('|missing_cur - missing_ref| at or above this is warn.'),
    missing_alert: z.number().min(0).max(1).default(0.2).describe('|missing_cur - missing_ref| at or above this is alert.'),
    p_value: z.number().gt(0).max(1).default(0.05).describe('Benjamini-Hochberg FDR level q for the KS and chi-square tests of one run; a rejected test is warn.'),
    confidence_floor: z.number().default(0.5).describe('confidence_below_floor_share counts predictions whose confidence is below this.'),
    confidence_drop_warn: z.number().min(0).default(0.05).describe('confidence_mean_drop (mean_ref - mean_cur) at or above this is warn.'),
    confidence_drop_alert: z.number().min(0).default(0.1).describe('confidence_mean_drop at or above this is alert.'),
    below_floor_warn: z.number().min(0).max(1).default(0.05).describe('Increase of the share below the floor (cur - ref) at or above this is warn.'),
    below_floor_alert: z.number().min(0).max(1).default(0.15).describe('Increase of the share below the floor at or above this is alert.'),
  })
  .refine((t) => t.psi_warn <= t.psi_alert, { message: 'psi_warn must not exceed psi_alert', path: ['psi_warn'] })
  .refine((t) => t.missing_warn <= t.missing_alert, { message: 'missing_warn must not exceed missing_alert', path: ['missing_warn'] })
  .prefault({})
  .describe('Thresholds of the drift metrics (docs/statistics.md defaults).');

export const DRIFT_METRIC_GROUPS = ['features', 'missing', 'confidence', 'prediction'] as const;

export const driftJobSchema = z.strictObject({
  kind: z.literal('drift').describe('drift: PSI, JS, KS, Wasserstein, chi-square, missing values, confidence and prediction shift per feature.'),
  ...jobFields,
  baseline: baselineSchema.default({ type: 'previous' }),
  models: z.array(z.string().min(1)).optional().describe('Model name globs (* and ?); all models when absent.'),
  features: z.array(z.string().min(1)).optional().describe('Feature name globs (* and ?); all features when absent.'),
  categorical: z.array(z.string().min(1)).default([]).describe('Feature name globs always treated as categorical.'),
  metrics: z
    .array(z.enum(DRIFT_METRIC_GROUPS))
    .min(1)
    .default([...DRIFT_METRIC_GROUPS])
    .describe('Metric groups: features (psi, js, ks_d, wasserstein, chi2, new_categories, severity), missing (missing_share_delta), confidence (confidence_*), prediction (prediction_*).'),
  segment_by: z.string().min(1).optional().describe('Tag name: also score each value of this tag (segment "tag=value") besides the whole traffic.'),
  max_segments: z.number().int().min(1).default(20).describe('At most this many segment values (the busiest) per model version.'),
  thresholds: driftThresholdsSchema,
  min_samples: z.number().int().min(1).optional().describe('Per-job override of detectors.min_samples.'),
  exact_limit: z
    .number()
    .int()
    .min(0)
    .default(200_000)
    .describe('Numeric columns with at most this many values (both sides) get KS and Wasserstein exactly; larger ones from grid cells refined in the engine (D exact, Wasserstein within its reported bound, at most 9e-4 relative).'),
});

export type DriftJobConfig = z.output<typeof driftJobSchema>;
export type DriftThresholds = z.output<typeof driftThresholdsSchema>;
export type BaselineConfig = z.output<typeof baselineSchema>;
