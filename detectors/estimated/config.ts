// The `kind: estimated_quality` job in driftwatch.yaml.
import { z } from 'zod';
import { jobFields } from '../../src/core/detector.ts';
import { durationSchema, durationString } from '../../src/core/util/duration.ts';

export const estimatedReferenceSchema = z
  .discriminatedUnion('type', [
    z
      .strictObject({ type: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) })
      .describe('A pinned labelled range, the same for every version (pin a newer one to recalibrate).'),
    z
      .strictObject({ type: z.literal('version_start'), length: durationSchema('7d').describe('How much of each version\'s first traffic.') })
      .describe("Each version's first `length` of traffic, from its first prediction (rounded down to the window)."),
  ])
  .default({ type: 'version_start', length: '7d' })
  .describe('The labelled range the calibration is fitted on; fitted once its labels are due (its end + label_horizon).');

export const estimatedThresholdsSchema = z
  .strictObject({
    drop: z.number().min(0).default(0.05).describe('An estimated accuracy, precision, recall, F1 or ROC AUC this far below its reference value (and beyond the band) alerts.'),
    error_ratio: z.number().min(1).default(1.25).describe('An estimated MAE or RMSE at this ratio to its reference value (and beyond the band) alerts.'),
    band_sigmas: z.number().positive().default(3).describe('Half-width of the confidence band in standard errors; estimate_error alerts outside it.'),
  })
  .prefault({})
  .describe('When estimates alert (defaults shown).');

export const estimatedJobSchema = z.strictObject({
  kind: z
    .literal('estimated_quality')
    .describe('estimated_quality: CBPE: accuracy, precision, recall, F1, ROC AUC (MAE, RMSE for regressors) estimated before labels arrive, checked against them once they do.'),
  ...jobFields,
  model: z.string().min(1).optional().describe('Only this model (default: every model with traffic).'),
  reference: estimatedReferenceSchema,
  calibration: z
    .enum(['auto', 'isotonic', 'histogram', 'none'])
    .default('auto')
    .describe('Calibration per class: auto picks the lowest cross-validated Brier score among none, histogram and isotonic.'),
  calibration_bins: z.number().int().min(2).max(1000).default(100).describe('Fine bins of each score (reference quantiles) isotonic regression is fitted on.'),
  histogram_bins: z.number().int().min(2).max(100).default(10).describe('Equal-mass bins of histogram binning.'),
  residual_bins: z.number().int().min(2).max(100).default(10).describe('Regressors: prediction bins (reference quantiles) of the residual table.'),
  task: z.enum(['auto', 'classification', 'regression']).default('auto').describe('auto: a model logging probabilities, a confidence or non-numeric predictions is a classifier.'),
  positive_class: z.string().min(1).optional().describe('Binary classifiers: the positive class (default: the greater of the two, as scikit-learn).'),
  label_horizon: durationSchema('7d').describe('A label counts when it arrives at most this long after its prediction.'),
  realized_after: durationString()
    .optional()
    .describe('Realized metrics of a window are computed this long after it ends (default label_horizon): each run also checks the window that many windows back.'),
  segment_by: z.string().min(1).optional().describe('Tag name: also estimate each value of this tag (segment "tag=value").'),
  max_segments: z.number().int().min(1).default(20).describe('At most this many segment values (the busiest) per model version.'),
  min_count: z.number().int().min(1).optional().describe('Per-job override of detectors.min_samples: fewer rows (or labels) report insufficient_data.'),
  thresholds: estimatedThresholdsSchema,
});

export type EstimatedJob = z.output<typeof estimatedJobSchema>;
