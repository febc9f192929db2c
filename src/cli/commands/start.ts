// `driftwatch start`: run the daemon until SIGINT/SIGTERM.
import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { describeError } from '../../core/errors.ts';
import { findRunningDaemon } from '../../lifecycle/daemon-file.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, type GlobalOptions } from '../common.ts';
import type { Config } from '../../config/schema.ts';
import type { Logger } from '../../core/log/logger.ts';

export async function runDaemon(config: Config, logger: Logger, banner?: (port: number) => void): Promise<number> {
  if (!config.clickhouse.url) {
    const other = findRunningDaemon(config.data_dir);
    if (other) {
      logger.error('another daemon holds this data directory', { pid: other.pid, port: other.port, data_dir: config.data_dir, code: 'DW_STORE_LOCKED' });
      return EXIT.ERROR;
    }
  }
  const app = createApp(config, { logger });
  app.daemon.installSignalHandlers();
  try {
    await app.daemon.start();
  } catch (e) {
    // A signal during start aborts slow steps (waiting for ClickHouse); the
    // signal handler owns the exit then.
    if (app.daemon.startSignal.aborted) return new Promise<number>(() => undefined);
    logger.error('start failed', { error: describeError(e), code: (e as { code?: string }).code });
    await app.daemon.stop();
    return EXIT.ERROR;
  }
  if (app.daemon.getState() === 'running') banner?.(app.http.port);
  // The process now lives on its servers and timers; the daemon's signal
  // handler decides the exit code.
  return new Promise<number>(() => undefined);
}

export function registerStart(program: Command): void {
  addConfigOption(
    program
      .command('start')
      .description('run the daemon: ingest, detectors, alerts, HTTP API and /metrics, until SIGINT/SIGTERM')
      .option('--port <port>', 'override http.port', (v) => Number(v)),
  ).action(
    action(async (opts: GlobalOptions & { port?: number }) => {
      const config = loadCliConfig(opts, opts.port === undefined ? undefined : { http: { port: opts.port } });
      const logger = cliLogger(config);
      logger.info('driftwatch starting', { pid: process.pid, store: config.clickhouse.url ? 'server' : 'embedded', data_dir: config.data_dir });
      return runDaemon(config, logger);
    }),
  );
}
