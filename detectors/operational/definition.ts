// Operational monitors as a registry entry: volume, latency, error rate,
// schema and missing values of every model version in one run.
import { z } from 'zod';
import { defineDetector, jobFields } from '../../src/core/detector.ts';
import { monitorContext, monitorFields, monitorThresholdsSchema } from '../monitor-config.ts';
import { runOperationalMonitors } from './monitors.ts';

export const operationalJobSchema = z.strictObject({
  kind: z.literal('operational').describe('operational: volume, latency, error rate, schema and missing values per model version.'),
  ...jobFields,
  ...monitorFields,
  thresholds: monitorThresholdsSchema(['volume_drop', 'volume_spike', 'latency_ratio', 'error_rate_delta', 'alpha', 'missing_warn', 'missing_alert']),
});

export const operationalDetector = defineDetector({
  kind: 'operational',
  summary: 'Volume, latency quantiles, error rate, schema changes and missing values per model version.',
  configSchema: operationalJobSchema,
  // Rows keep the monitors' own detector names (volume, latency, ...); the
  // run id ties them to this job's run.
  run: (store, job, ctx) => runOperationalMonitors(store, monitorContext(job, ctx)),
});
