// The `kind: trend` job in driftwatch.yaml.
import { z } from 'zod';
import { jobFields } from '../../src/core/detector.ts';
import { durationSchema } from '../../src/core/util/duration.ts';

const globs = z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]);

export const trendJobSchema = z.strictObject({
  kind: z.literal('trend').describe('trend: CUSUM or Page-Hinkley over each score\'s history (one point per window): a slow, steady change no single window flags.'),
  ...jobFields,
  metrics: globs.describe('Metric names or globs to watch, e.g. [accuracy, estimated_accuracy, psi].'),
  models: globs.optional().describe('Model name globs (default: every model).'),
  features: globs.default('*').describe('Feature globs ("" is a model-level metric, matched by "*").'),
  detectors: globs.default('*').describe('Globs on the detector that wrote the scores.'),
  lookback: durationSchema('90d').describe('How much history each run reads (window ends within it).'),
  reference: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('leading'), windows: z.number().int().min(2).default(7).describe('How many points.') }).describe("The first points of each series within the lookback."),
      z.strictObject({ type: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).describe('A pinned time range (points whose window ends in it).'),
    ])
    .default({ type: 'leading', windows: 7 })
    .describe('The period whose mean and standard deviation define "no change".'),
  method: z.enum(['cusum', 'page_hinkley']).default('cusum').describe('Change detector.'),
  direction: z
    .enum(['auto', 'decrease', 'increase', 'both'])
    .default('auto')
    .describe('auto: accuracy, precision, recall, F1 and AUC-like metrics are watched for a decrease, the rest (drift, errors, latency) for an increase.'),
  slack: z.number().min(0).default(0.5).describe('k: the change per window, in reference standard deviations, that is ignored (CUSUM slack; Page-Hinkley delta).'),
  threshold: z.number().positive().default(5).describe('h: the statistic, in reference standard deviations, above which a change alerts.'),
  min_sigma: z.number().min(0).default(0).describe('Floor of the reference standard deviation (absolute), for metrics whose reference is nearly constant.'),
  min_points: z.number().int().min(1).default(3).describe('Points after the reference needed before a series is judged.'),
});

export type TrendJob = z.output<typeof trendJobSchema>;
