// `driftwatch sql "SELECT ..."`: read-only SQL against the stored data.
import type { Command } from 'commander';
import { runReadOnlySql, type SqlResult } from '../../api/sql.ts';
import { sqlRouteOptions } from '../../api/sql-routes.ts';
import { sqlStore } from '../../api/sql-store.ts';
import { accessStore, releaseAccess } from '../daemon-client.ts';
import { formatCsv, formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';

interface SqlCliOptions extends GlobalOptions {
  format: string;
  limit: number;
  timeout: number;
}

export function registerSql(program: Command): void {
  addConfigOption(
    program
      .command('sql')
      .argument('<query>', 'a read-only query, e.g. "SELECT model, count() FROM predictions GROUP BY model"')
      .description('run read-only SQL for retro analysis (through the running daemon when it holds the embedded store)')
      .option('-f, --format <format>', 'table, json or csv', 'table')
      .option('--limit <rows>', 'return at most this many rows', (v) => Number(v), 10_000)
      .option('--timeout <seconds>', 'engine time limit (at most http.sql.max_timeout)', (v) => Number(v), 30),
  ).action(
    action(async (query: string, opts: SqlCliOptions) => {
      if (!['table', 'json', 'csv'].includes(opts.format)) throw usageError(`--format must be table, json or csv (got ${opts.format})`);
      if (!Number.isInteger(opts.limit) || opts.limit < 1) throw usageError('--limit must be a positive integer');
      if (!Number.isInteger(opts.timeout) || opts.timeout < 1) throw usageError('--timeout must be a positive number of seconds');
      const config = loadCliConfig(opts);
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const access = await accessStore(config, logger);
      let res: SqlResult;
      try {
        res =
          access.kind === 'daemon'
            ? await access.api.request<SqlResult>('POST', '/v1/sql', { query, limit: opts.limit, timeout_seconds: opts.timeout })
            : await runReadOnlySql(sqlStore(config, () => access.store)(), query, { ...sqlRouteOptions(config.http.sql).limits, limit: opts.limit, timeoutSeconds: opts.timeout });
      } finally {
        await releaseAccess(access);
      }
      const out = opts.format === 'json' ? JSON.stringify(res.rows, null, 2) + '\n' : opts.format === 'csv' ? formatCsv(res.columns, res.rows) : formatTable(res.columns, res.rows);
      process.stdout.write(out);
      if (res.truncated) process.stderr.write(`driftwatch: output truncated at ${opts.limit} rows (--limit)\n`);
      return EXIT.OK;
    }),
  );
}
