// `driftwatch baseline import --model m --version v [--name training] FILE`
// and `driftwatch baseline list`: imported baselines (e.g. training data) for
// the drift detectors (`baseline: {type: dataset, name}`). Through the running
// daemon's API when it holds the embedded store: the CLI reads the local file
// and uploads it in the request body (the daemon never opens a path the CLI
// names); else straight into the store.
import { statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { Command } from 'commander';
import { importBaseline, listBaselines, type BaselineDataset } from '../../../detectors/baselines/import.ts';
import { inputError } from '../../../detectors/compare/errors.ts';
import { formatFromPath, type InputFormat } from '../../../detectors/compare/formats.ts';
import type { UploadQuery } from '../../api/baseline-routes.ts';
import { compressionOf } from '../../api/baseline-spool.ts';
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
      .argument('<file>', 'the local file (uploaded to the daemon when one holds the store)')
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
          const format = (opts.inputFormat as InputFormat | undefined) ?? formatFromPath(path);
          if (!format) throw usageError(`cannot tell the format of ${path} from its name; pass --input-format csv|jsonl|parquet|arrow`);
          const st = statSync(path, { throwIfNoEntry: false });
          if (!st?.isFile()) throw inputError(`cannot read baseline file ${path}: ${st ? 'not a regular file' : 'no such file'}`);
          const compression = compressionOf(path);
          const q: UploadQuery = { model: opts.model, version: opts.version, name: opts.name, format, source: basename(path).slice(0, 200), ...(compression ? { compression } : {}) };
          ds = await access.api.upload<BaselineDataset>('POST', `/v1/baselines?${new URLSearchParams(q as Record<string, string>)}`, path, 'application/octet-stream');
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
        if (access.kind === 'daemon') {
          list = [];
          for (let offset: number | null = 0; offset !== null; ) {
            const p: { baselines: BaselineDataset[]; next_offset: number | null } = await access.api.request('GET', `/v1/baselines?limit=1000&offset=${offset}`);
            list.push(...p.baselines);
            offset = p.next_offset;
          }
        } else {
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
