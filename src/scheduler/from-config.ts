// The one way a Scheduler is built from config, for the daemon and for the
// CLI's `detect --once` / `backfill` alike: the same jobs, catch-up, lateness
// and lateness. The daemon passes its scheduler role (src/instances/roles.ts);
// the CLI runs explicit requests, which need no role.
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { buildJobs } from './build-jobs.ts';
import { soleOwner, type Ownership } from '../core/ownership.ts';
import { Scheduler } from './scheduler.ts';

export function schedulerFromConfig(config: Config, store: () => Store, logger: Logger, registry: Registry, owner: Ownership = soleOwner('scheduler')): Scheduler {
  return new Scheduler({
    store,
    jobs: buildJobs(config, store, logger),
    logger,
    registry,
    owner,
    maxCatchup: config.scheduler.max_catchup,
    maxLatenessMs: parseDuration(config.detectors.max_lateness),
  });
}
