// The `metrics` section of driftwatch.yaml: what /metrics keeps.
import { z } from 'zod';
import { durationSchema } from '../core/util/duration.ts';

export const metricsSchema = z
  .strictObject({
    version_ttl: durationSchema('7d').describe(
      'A model version with no prediction and no score for this long has all its series (traffic, latency, errors, scores, statuses, ages) removed from /metrics, so retired versions do not stay forever; 0s keeps them.',
    ),
  })
  .prefault({});

export type MetricsConfig = z.output<typeof metricsSchema>;
