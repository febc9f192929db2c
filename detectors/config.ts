// The `detectors` section of driftwatch.yaml: one list of jobs, each of a
// kind from the registry (drift when `kind` is left out), and `monitors`, the
// same list under its older name (there `kind` is required).
import { z } from 'zod';
import { durationSchema } from '../src/core/util/duration.ts';
import { DEPLOYMENT_TAG } from './operational/tags.ts';
import { detectorJobSchema, type DetectorJobConfig } from './registry.ts';

/** Jobs written before `kind` existed are drift jobs. */
const jobWithDefaultKind = z.preprocess((v) => (v && typeof v === 'object' && !Array.isArray(v) && !('kind' in v) ? { kind: 'drift', ...v } : v), detectorJobSchema);

const uniqueNames = (jobs: readonly { name: string }[]) => new Set(jobs.map((j) => j.name)).size === jobs.length;

export const detectorsSchema = z
  .strictObject({
    min_samples: z.number().int().min(1).default(500).describe('Below this many values on either side a metric reports insufficient_data.'),
    max_lateness: durationSchema('6h').describe(
      'A window that receives predictions after it was scored, and ended at most this long ago, is scored again; the new scores supersede the old. 0s turns re-scoring off.',
    ),
    jobs: z
      .array(jobWithDefaultKind)
      .default([])
      .refine(uniqueNames, 'job names must be unique')
      .describe('Detector jobs: one scheduled detector per entry; `kind` (default drift) picks the detector.'),
    monitors: z
      .array(detectorJobSchema)
      .default([])
      .refine(uniqueNames, 'monitor names must be unique')
      .describe('More jobs, as in `jobs` but with `kind` required (operational, quality, shadow, ...).'),
  })
  .refine((d) => !d.monitors.some((m) => d.jobs.some((j) => j.name === m.name)), { message: 'a monitor and a drift job share a name; detector names must be unique', path: ['monitors'] })
  .prefault({});

export type DetectorsConfig = z.output<typeof detectorsSchema>;

/** Every configured job, jobs first, in config order. */
export function allJobs(d: DetectorsConfig): DetectorJobConfig[] {
  return [...d.jobs, ...d.monitors];
}

/**
 * The tag names score rows can carry with this config (detectors/operational/tags.ts):
 * `deployment` on every detector's rows, and the `segment_by` tag of each job
 * that segments (on its segment rows). Alert rules, routes and inhibition can
 * name no other tag.
 */
export function scoreTagNames(d: DetectorsConfig): string[] {
  const names = new Set<string>([DEPLOYMENT_TAG]);
  for (const j of allJobs(d)) if ('segment_by' in j && typeof j.segment_by === 'string') names.add(j.segment_by);
  return [...names];
}
