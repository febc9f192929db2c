// `driftwatch detect --once` and `driftwatch backfill`: run detectors now,
// through the running daemon when it holds the embedded store.
import type { Command } from 'commander';
import { createRegistry } from '../../metrics/registry.ts';
import type { RunSummary } from '../../scheduler/job.ts';
import { schedulerFromConfig } from '../../scheduler/from-config.ts';
import type { Scheduler } from '../../scheduler/scheduler.ts';
import { migrate } from '../../core/store/migrate.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { accessStore, releaseAccess } from '../daemon-client.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../core/log/logger.ts';

type Runner = (s: Scheduler) => Promise<RunSummary[]>;

async function run(config: Config, logger: Logger, viaApi: { path: string; body: unknown }, local: Runner): Promise<RunSummary[]> {
  const access = await accessStore(config, logger);
  try {
    if (access.kind === 'daemon') return (await access.api.request<{ runs: RunSummary[] }>('POST', viaApi.path, viaApi.body)).runs;
    const store = access.store;
    await migrate(store, logger);
    const scheduler = schedulerFromConfig(config, () => store, logger, createRegistry({ defaultMetrics: false }));
    return await local(scheduler);
  } finally {
    await releaseAccess(access);
  }
}

function report(runs: RunSummary[], format: string): number {
  if (format === 'json') process.stdout.write(JSON.stringify(runs, null, 2) + '\n');
  else
    process.stdout.write(
      formatTable(
        ['detector', 'window_end', 'status', 'scores', 'findings', 'duration_ms', 'error'],
        runs.map((r) => ({ ...r })),
      ),
    );
  if (runs.some((r) => r.status !== 'ok')) return EXIT.ERROR;
  return runs.some((r) => r.findings > 0) ? EXIT.FINDING : EXIT.OK;
}

function isoOption(name: string): (v: string) => string {
  return (v) => {
    if (Number.isNaN(Date.parse(v))) throw usageError(`${name} must be an ISO time like 2026-11-23T10:00:00Z (got ${v})`);
    return new Date(v).toISOString();
  };
}

export function registerDetect(program: Command): void {
  addConfigOption(
    program
      .command('detect')
      .description('run detectors now over their newest complete window; exit 1 when a score is warn or alert')
      .requiredOption('--once', 'run once and exit (the daemon runs detectors on their schedules)')
      .option('--detector <name>', 'only this detector (default: all configured)')
      .option('--window-end <iso>', 'evaluate the window ending here instead of the newest', isoOption('--window-end'))
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (opts: GlobalOptions & { detector?: string; windowEnd?: string; format: string }) => {
      const config = loadCliConfig(opts);
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const runs = await run(config, logger, { path: '/v1/detect', body: { detector: opts.detector, window_end: opts.windowEnd } }, (s) =>
        s.runOnce({ detector: opts.detector, windowEnd: opts.windowEnd ? new Date(opts.windowEnd) : undefined }),
      );
      if (runs.length === 0) process.stderr.write('driftwatch: no detectors are configured (detectors.jobs)\n');
      return report(runs, opts.format);
    }),
  );

  addConfigOption(
    program
      .command('backfill')
      .description('run detectors over every window in a past time range, oldest first')
      .requiredOption('--from <iso>', 'start of the range', isoOption('--from'))
      .requiredOption('--to <iso>', 'end of the range', isoOption('--to'))
      .option('--every <duration>', 'window length and step, e.g. 1h (default: each detector’s window)')
      .option('--detector <name>', 'only this detector')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (opts: GlobalOptions & { from: string; to: string; every?: string; detector?: string; format: string }) => {
      const everyMs = opts.every === undefined ? undefined : parseDuration(opts.every);
      if (new Date(opts.to) <= new Date(opts.from)) throw usageError('--to must be after --from');
      const config = loadCliConfig(opts);
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const runs = await run(config, logger, { path: '/v1/backfill', body: { from: opts.from, to: opts.to, every: opts.every, detector: opts.detector } }, (s) =>
        s.backfill({ from: new Date(opts.from), to: new Date(opts.to), everyMs, detector: opts.detector }),
      );
      return report(runs, opts.format);
    }),
  );
}
