// Detector jobs from config. The detectors themselves live in detectors/;
// this is the one place that turns `detectors.jobs` into DetectorJob objects.
import type { Config } from '../config/schema.ts';
import type { Logger } from '../log/logger.ts';
import type { Store } from '../store/store.ts';
import type { DetectorJob } from './job.ts';

export function buildJobs(_config: Config, _store: () => Store, _logger: Logger): DetectorJob[] {
  return [];
}
