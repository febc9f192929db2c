// Operational, quality and shadow monitors in driftwatch.yaml
// (`detectors.monitors`): each entry is one scheduled job.
import { z } from 'zod';

const duration = (d: string) =>
  z
    .string()
    .regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 30s, 5m, 1h or 7d')
    .default(d);

export const monitorBaselineSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('previous').describe('The window just before the current one.') }),
  z.strictObject({ type: z.literal('same_hour_last_week').describe('The current window shifted back seven days.') }),
  z.strictObject({ type: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).describe('A pinned time range.'),
  z.strictObject({ type: z.literal('version'), version: z.string().min(1) }).describe('Another version of the model over the same window (champion vs canary).'),
]);

export const MONITOR_KINDS = ['operational', 'quality', 'shadow'] as const;

export const monitorJobSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only').describe('Detector name (drift_scores.detector).'),
  kind: z.enum(MONITOR_KINDS).describe('operational: volume, latency, error rate, schema, missing values; quality: label-based metrics; shadow: agreement with a shadow version.'),
  schedule: z.string().min(1).default('*/5 * * * *').describe('node-cron expression: when to look for due windows.'),
  window: duration('1h').describe('Length of the current window.'),
  delay: duration('1m').describe('Wait this long after a window ends before evaluating it.'),
  timeout: duration('5m').describe('Time limit of one run.'),
  baseline: monitorBaselineSchema.default({ type: 'previous' }),
  model: z.string().min(1).optional().describe('Only this model (default: every model with traffic).'),
  label_horizon: duration('7d').describe('quality: a label counts when it arrives at most this long after the prediction.'),
  min_count: z.number().int().min(1).optional().describe('Per-monitor override of detectors.min_samples.'),
});

export type MonitorJobConfig = z.output<typeof monitorJobSchema>;
