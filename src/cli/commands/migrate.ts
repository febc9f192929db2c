// `driftwatch migrate`: apply the schema migrations and exit.
import type { Command } from 'commander';
import { findRunningDaemon } from '../../lifecycle/daemon-file.ts';
import { applyRetention, migrate } from '../../core/store/migrate.ts';
import { openStore } from '../../store/open.ts';
import { clusterOptions } from '../../store/cluster.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, type GlobalOptions } from '../common.ts';

export function registerMigrate(program: Command): void {
  addConfigOption(program.command('migrate').description('apply schema migrations (sql/NNN_*.sql) to the configured store and exit')).action(
    action(async (opts: GlobalOptions) => {
      const config = loadCliConfig(opts);
      const logger = cliLogger(config);
      if (!config.clickhouse.url) {
        const daemon = findRunningDaemon(config.data_dir);
        if (daemon) {
          // The daemon migrated the embedded store when it started and holds its lock.
          process.stdout.write(`a daemon (pid ${daemon.pid}, port ${daemon.port}) holds ${config.data_dir}; it applied all migrations at start\n`);
          return EXIT.OK;
        }
      }
      const store = await openStore(config, { logger, attempts: 5 });
      try {
        const res = await migrate(store, logger, undefined, clusterOptions(config));
        await applyRetention(store, config.clickhouse.ttl_days, clusterOptions(config));
        process.stdout.write(`applied ${res.applied.length} migration(s)${res.applied.length ? ': ' + res.applied.join(', ') : ''}; ${res.alreadyApplied.length} already applied\n`);
      } finally {
        await store.close();
      }
      return EXIT.OK;
    }),
  );
}
