// The one way a Scheduler is built from config, for the daemon and for the
// CLI's `detect --once` / `backfill` alike: the same jobs, catch-up, lateness
// and lease rule (a lease in ClickHouse whenever the store is a server that
// other instances may share; alone on an embedded store).
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { buildJobs } from './build-jobs.ts';
import { clickhouseLease, soleLeader } from './lease.ts';
import { Scheduler } from './scheduler.ts';

export function schedulerFromConfig(config: Config, store: () => Store, logger: Logger, registry: Registry): Scheduler {
  return new Scheduler({
    store,
    jobs: buildJobs(config, store, logger),
    logger,
    registry,
    lease: config.clickhouse.url ? clickhouseLease(store) : soleLeader,
    maxCatchup: config.scheduler.max_catchup,
    maxLatenessMs: parseDuration(config.detectors.max_lateness),
  });
}
