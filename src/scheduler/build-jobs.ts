// Scheduled jobs from config: every `detectors.jobs` / `detectors.monitors`
// entry becomes a DetectorJob that runs its kind's detector from the
// registry. Nothing here names a kind.
import { allJobs } from '../../detectors/config.ts';
import { runJob, type DetectorJobConfig } from '../../detectors/registry.ts';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import type { DetectorJob } from './job.ts';

export function detectorJob(job: DetectorJobConfig, defaults: { minSamples: number }, store: () => Store, logger: Logger): DetectorJob {
  return {
    name: job.name,
    schedule: job.schedule,
    windowMs: parseDuration(job.window),
    delayMs: parseDuration(job.delay),
    timeoutMs: parseDuration(job.timeout),
    run: (ctx) => runJob(store(), job, { runId: ctx.runId, runAt: ctx.runAt, window: ctx.window, signal: ctx.signal, minSamples: defaults.minSamples, logger }),
  };
}

export function buildJobs(config: Config, store: () => Store, logger: Logger): DetectorJob[] {
  const defaults = { minSamples: config.detectors.min_samples };
  return allJobs(config.detectors).map((j) => detectorJob(j, defaults, store, logger));
}
