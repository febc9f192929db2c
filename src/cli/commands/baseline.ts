// `driftwatch baseline import --model m --version v [--name training] FILE`
// and `driftwatch baseline list`: imported baselines (e.g. training data) for
// the drift detectors (`baseline: {type: dataset, name}`). Through the running
// daemon's API when it holds the embedded store (the daemon reads the file,
// so it must be on the same machine); else straight into the store.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { importBaseline, listBaselines, type BaselineDataset } from '../../../detectors/baselines/import.ts';
import type { InputFormat } from '../../../detectors/compare/formats.ts';
import type { ImportBody } from '../../api/baseline-routes.ts';
import { migrate } from '../../core/store/migrate.ts';
import { accessStore, releaseAccess } from '../daemon-client.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';

interface ImportCliOptions extends GlobalOptions {
  model: string;
  version: string;
  name: string;
  inputFormat?: string;
  format: string;
}

const FORMATS = ['csv', 'jsonl', 'parquet', 'arrow'];

export function registerBaseline(program: Command): void {
  const baseline = program.command('baseline').description('imported baselines (training data) for the drift detectors');
  addConfigOption(
    baseline
      .command('import')
      .description('import a CSV, JSONL, Parquet or Arrow file as the baseline dataset of a model version')
      .argument('<file>', 'the file (read by the engine; by the daemon when one holds the store)')
      .requiredOption('--model <name>', 'the model')
      .requiredOption('--version <version>', 'the model version')
      .option('--name <dataset>', 'dataset name, referenced by detectors.jobs[].baseline.name', 'training')
      .option('--input-format <format>', 'csv, jsonl, parquet or arrow (default: from the extension)')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (file: string, opts: ImportCliOptions) => {
      if (opts.inputFormat && !FORMATS.includes(opts.inputFormat)) throw usageError(`--input-format must be one of ${FORMATS.join(', ')}`);
      const config = loadCliConfig(opts);
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const path = resolve(file);
      const access = await accessStore(config, logger);
      let ds: BaselineDataset;
      try {
        if (access.kind === 'daemon') {
          const body: ImportBody = { model: opts.model, version: opts.version, name: opts.name, path, ...(opts.inputFormat ? { format: opts.inputFormat as InputFormat } : {}) };
          ds = await access.api.request<BaselineDataset>('POST', '/v1/baselines', body);
        } else {
          await migrate(access.store, logger);
          ds = await importBaseline(access.store, { model: opts.model, version: opts.version, name: opts.name, path, ...(opts.inputFormat ? { format: opts.inputFormat as InputFormat } : {}) });
        }
      } finally {
        await releaseAccess(access);
      }
      process.stdout.write(opts.format === 'json' ? JSON.stringify(ds, null, 2) + '\n' : `imported ${ds.rows} rows x ${ds.features.length} features as ${ds.model}/${ds.version} dataset "${ds.name}"\n`);
      return EXIT.OK;
    }),
  );
  addConfigOption(baseline.command('list').description('imported baseline datasets').option('-f, --format <format>', 'table or json', 'table')).action(
    action(async (opts: GlobalOptions & { format: string }) => {
      const config = loadCliConfig(opts);
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const access = await accessStore(config, logger);
      let list: BaselineDataset[];
      try {
        if (access.kind === 'daemon') list = (await access.api.request<{ baselines: BaselineDataset[] }>('GET', '/v1/baselines')).baselines;
        else {
          await migrate(access.store, logger);
          list = await listBaselines(access.store);
        }
      } finally {
        await releaseAccess(access);
      }
      if (opts.format === 'json') process.stdout.write(JSON.stringify(list, null, 2) + '\n');
      else
        process.stdout.write(
          formatTable(
            ['model', 'version', 'name', 'rows', 'features', 'imported_at', 'path'],
            list.map((b) => ({ model: b.model, version: b.version, name: b.name, rows: b.rows, features: b.features.length, imported_at: b.imported_at, path: b.path })),
          ),
        );
      return EXIT.OK;
    }),
  );
}
