// Pieces every monitor job (operational, quality, shadow) shares in
// driftwatch.yaml: the baseline, the model filter, the minimum count, and
// the thresholds, turned into the MonitorContext the monitors run with.
import { z } from 'zod';
import type { DetectorContext } from '../src/core/detector.ts';
import { DEFAULT_MONITOR_THRESHOLDS, type Baseline, type MonitorContext, type MonitorThresholds } from './operational/context.ts';

export const monitorBaselineSchema = z
  .discriminatedUnion('type', [
    z.strictObject({ type: z.literal('previous').describe('The window just before the current one.') }),
    z.strictObject({ type: z.literal('same_hour_last_week').describe('The current window shifted back seven days.') }),
    z.strictObject({ type: z.literal('range'), from: z.iso.datetime({ offset: true }), to: z.iso.datetime({ offset: true }) }).describe('A pinned time range.'),
    z.strictObject({ type: z.literal('version'), version: z.string().min(1) }).describe('Another version of the model over the same window (champion vs canary).'),
  ])
  .default({ type: 'previous' })
  .describe('What the current window is compared with.');

export type MonitorBaselineConfig = z.output<typeof monitorBaselineSchema>;

/** snake_case config key -> MonitorThresholds field, with its description. */
const THRESHOLD_KEYS = {
  volume_drop: ['volumeDrop', 'volume_ratio at or below this is a traffic drop.'],
  volume_spike: ['volumeSpike', 'volume_ratio at or above this is a traffic spike.'],
  latency_ratio: ['latencyRatio', 'latency_p95_ratio at or above this is a latency spike.'],
  error_rate_delta: ['errorRateDelta', 'error_rate_delta at or above this (and significant at alpha) alerts.'],
  alpha: ['alpha', 'Significance level of the monitor tests (error rate, accuracy).'],
  missing_warn: ['missingWarn', '|missing_share(cur) - missing_share(ref)| at or above this is warn.'],
  missing_alert: ['missingAlert', '|missing_share(cur) - missing_share(ref)| at or above this is alert.'],
  quality_drop: ['qualityDrop', 'Absolute drop of a score metric (accuracy, macro precision/recall/F1, ROC AUC) that alerts.'],
  quality_error_ratio: ['qualityErrorRatio', 'Ratio of an error metric (log loss, Brier, ECE, MAE, RMSE, MAPE) to the baseline that alerts.'],
} as const satisfies Record<string, readonly [keyof MonitorThresholds, string]>;

type ThresholdKey = keyof typeof THRESHOLD_KEYS;

/** A strict `thresholds` section holding the given keys, each defaulting to DEFAULT_MONITOR_THRESHOLDS. */
export function monitorThresholdsSchema<K extends ThresholdKey>(keys: readonly K[]) {
  const shape = Object.fromEntries(
    keys.map((k) => {
      const [field, description] = THRESHOLD_KEYS[k];
      return [k, z.number().min(0).default(DEFAULT_MONITOR_THRESHOLDS[field]).describe(description)];
    }),
  ) as Record<K, z.ZodDefault<z.ZodNumber>>;
  return z.strictObject(shape).prefault({} as never).describe('Thresholds of this monitor (defaults shown).');
}

/** Fields of every monitor job besides jobFields. */
export const monitorFields = {
  baseline: monitorBaselineSchema,
  model: z.string().min(1).optional().describe('Only this model (default: every model with traffic).'),
  min_count: z.number().int().min(1).optional().describe('Per-job override of detectors.min_samples.'),
} as const;

export interface MonitorJobCommon {
  name: string;
  baseline: MonitorBaselineConfig;
  model?: string | undefined;
  min_count?: number | undefined;
  thresholds?: Partial<Record<ThresholdKey, number>>;
}

export function monitorBaseline(b: MonitorBaselineConfig): Baseline {
  switch (b.type) {
    case 'previous':
      return { kind: 'previous' };
    case 'same_hour_last_week':
      return { kind: 'same_hour_last_week' };
    case 'range':
      return { kind: 'range', start: new Date(b.from), end: new Date(b.to) };
    case 'version':
      return { kind: 'version', version: b.version };
  }
}

/** The MonitorContext of one run of a monitor job. */
export function monitorContext(job: MonitorJobCommon, ctx: DetectorContext): MonitorContext {
  const thresholds: MonitorThresholds = { ...DEFAULT_MONITOR_THRESHOLDS };
  for (const [key, value] of Object.entries(job.thresholds ?? {}) as [ThresholdKey, number][]) thresholds[THRESHOLD_KEYS[key][0]] = value;
  return {
    runId: ctx.runId,
    runAt: ctx.runAt,
    window: ctx.window,
    signal: ctx.signal,
    baseline: monitorBaseline(job.baseline),
    ...(job.model ? { model: job.model } : {}),
    thresholds,
    minCount: job.min_count ?? ctx.minSamples,
  };
}
