// `driftwatch compare`: compare two data files feature by feature (PSI, JS,
// KS, Wasserstein, chi-square, missing values) for data scientists and CI
// gates. The files are read and aggregated by an embedded ClickHouse engine in
// a private temporary data directory, so it never collides with a daemon's
// store. Exit 0: no drift; 1: at least one feature drifted; 2: an error.
import { mkdtempSync, rmSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { DEFAULT_THRESHOLDS, validateThresholds, type SeverityThresholds } from '../../../detectors/stats/severity.ts';
import { INPUT_FORMATS, type InputFormat } from '../../../detectors/compare/formats.ts';
import { renderHtml } from '../../../detectors/compare/render/html.ts';
import { renderJson } from '../../../detectors/compare/render/json.ts';
import { renderTable } from '../../../detectors/compare/render/table.ts';
import type { CompareReport } from '../../../detectors/report/types.ts';
import { createLogger } from '../../core/log/logger.ts';
import { action, EXIT, usageError } from '../common.ts';

export const REPORT_FORMATS = ['table', 'json', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

const RENDERERS: Record<ReportFormat, (r: CompareReport) => string> = { table: renderTable, json: renderJson, html: renderHtml };

export interface CompareCliOptions {
  reference: string;
  current: string;
  format: ReportFormat;
  inputFormat?: InputFormat;
  categorical: string[];
  psiWarn: number;
  psiAlert: number;
  missingWarn: number;
  missingAlert: number;
  output?: string;
  exactLimit: number;
  verbose?: boolean;
}

function nonNegative(flag: string): (v: string) => number {
  return (v) => {
    const x = Number(v);
    if (v.trim() === '' || !Number.isFinite(x) || x < 0) throw new InvalidArgumentError(`${flag} wants a non-negative number, got "${v}"`);
    return x;
  };
}

function positiveInt(v: string): number {
  const x = Number(v);
  if (!Number.isInteger(x) || x < 0) throw new InvalidArgumentError(`wants a non-negative integer, got "${v}"`);
  return x;
}

function collectColumns(v: string, prev: string[]): string[] {
  return [
    ...prev,
    ...v
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  ];
}

export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description(
      'compare a current data file with a reference file, feature by feature (PSI, Jensen-Shannon, KS, Wasserstein, chi-square, missing values); ' +
        'exit 0 when nothing drifted, 1 when a feature drifted, 2 on an error',
    )
    .requiredOption('--reference <file>', 'reference (baseline) data: CSV with a header, JSONL, Parquet or Arrow; the format comes from the extension')
    .requiredOption('--current <file>', 'current data to check against the reference, in any of the same formats')
    .addOption(new Option('--format <format>', 'report format').choices(REPORT_FORMATS).default('table'))
    .addOption(new Option('--input-format <format>', 'format of both files, when their extensions do not tell').choices(INPUT_FORMATS))
    .option('--categorical <columns>', 'comma-separated columns to treat as categorical even when their values are numbers (repeatable)', collectColumns, [])
    .option('--psi-warn <x>', 'PSI at or above which a feature warns', nonNegative('--psi-warn'), DEFAULT_THRESHOLDS.psiWarn)
    .option('--psi-alert <x>', 'PSI at or above which a feature alerts', nonNegative('--psi-alert'), DEFAULT_THRESHOLDS.psiAlert)
    .option('--missing-warn <x>', 'change in the share of missing values at or above which a feature warns', nonNegative('--missing-warn'), DEFAULT_THRESHOLDS.missingWarn)
    .option('--missing-alert <x>', 'change in the share of missing values at or above which a feature alerts', nonNegative('--missing-alert'), DEFAULT_THRESHOLDS.missingAlert)
    .option('-o, --output <file>', 'write the report to this file instead of standard output (a one-line summary goes to standard error)')
    .option(
      '--exact-limit <n>',
      'columns with at most this many values (both files together) get KS and Wasserstein from every distinct value; larger ones from grid cells, ' +
        'with D exact or within ks.d_error_bound (<= 0.005) and Wasserstein within wasserstein_error_bound',
      positiveInt,
      200_000,
    )
    .option('--verbose', 'log the phases and their timings to standard error')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  driftwatch compare --reference train.parquet --current today.csv\n' +
        '  driftwatch compare --reference ref.csv --current cur.csv --format json --output report.json --psi-alert 0.2\n' +
        '  driftwatch compare --reference a.jsonl --current b.jsonl --categorical zip_code,store_id --format html -o drift.html\n',
    )
    .action(action(async (opts: CompareCliOptions) => runCompare(opts)));
}

export async function runCompare(opts: CompareCliOptions): Promise<number> {
  const thresholds: SeverityThresholds = { psiWarn: opts.psiWarn, psiAlert: opts.psiAlert, missingWarn: opts.missingWarn, missingAlert: opts.missingAlert };
  const problems = validateThresholds(thresholds);
  if (problems.length) throw usageError(problems.join('; '));
  const logger = createLogger({ level: opts.verbose ? 'debug' : 'warn', format: 'pretty' });
  // The engine loads only when the command runs, so `--help` stays fast.
  const [{ openEmbeddedStore }, { compareFiles }] = await Promise.all([import('../../core/store/embedded.ts'), import('../../../detectors/compare/run.ts')]);
  // A private engine directory: never the daemon's, gone when we are.
  const dir = mkdtempSync(join(tmpdir(), 'driftwatch-compare-'));
  const removeDir = (): void => rmSync(dir, { recursive: true, force: true });
  process.once('exit', removeDir);
  // A short-lived command: on Ctrl-C or a kill, drop the directory and exit like a shell would.
  for (const [sig, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    process.once(sig, () => {
      removeDir();
      process.exit(code);
    });
  }
  const store = await openEmbeddedStore({ path: dir, database: 'driftwatch_compare' });
  try {
    const report = await compareFiles(store, {
      reference: opts.reference,
      current: opts.current,
      inputFormat: opts.inputFormat,
      categorical: opts.categorical,
      thresholds,
      exactLimit: opts.exactLimit,
      logger,
    });
    const text = RENDERERS[opts.format](report);
    if (opts.output) {
      try {
        await writeFile(opts.output, text);
      } catch (e) {
        throw usageError(`cannot write the report to ${opts.output}: ${(e as Error).message}`);
      }
      const summary = report.drifted.length ? `drift in ${report.drifted.length} of ${report.features.length} features: ${report.drifted.join(', ')}` : `no drift in ${report.features.length} features`;
      process.stderr.write(`driftwatch compare: ${summary}; report written to ${opts.output}\n`);
    } else {
      process.stdout.write(text);
    }
    return report.drifted.length > 0 ? EXIT.FINDING : EXIT.OK;
  } finally {
    await store.close();
  }
}
