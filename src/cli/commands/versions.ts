// `driftwatch versions compare --model m --a v1 --b v2 [--window 1h]`:
// champion vs canary, every metric side by side. Exit 1 when anything is
// flagged (warn or alert), 0 when nothing is, 2 on errors.
import type { Command } from 'commander';
import { compareOptions, type CompareQuery } from '../../api/versions-routes.ts';
import { compareVersions, type VersionsReport } from '../../../detectors/versions/compare.ts';
import { accessStore, releaseAccess } from '../daemon-client.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';

interface CompareCliOptions extends GlobalOptions {
  model: string;
  a: string;
  b: string;
  window: string;
  end?: string;
  minCount?: string;
  labelHorizon: string;
  format: string;
}

/** Short, readable numbers for the terminal; JSON keeps full precision. */
export function formatNumber(x: number | null): string {
  if (x === null) return '';
  if (Number.isInteger(x)) return String(x);
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e6)) return x.toExponential(2);
  return String(Number(x.toPrecision(4)));
}

export function formatReport(r: VersionsReport): string {
  const head = `${r.model}: ${r.b} against ${r.a}, ${r.window.start} .. ${r.window.end}; ${r.flagged === 0 ? 'nothing flagged' : `${r.flagged} flagged`}\n\n`;
  const cols = ['section', 'metric', 'feature', r.a, r.b, 'delta', 'p_value', 'status', `n_${r.a}`, `n_${r.b}`];
  const rows = r.rows.map((x) => ({
    section: x.section,
    metric: x.metric,
    feature: x.feature,
    [r.a]: formatNumber(x.a),
    [r.b]: formatNumber(x.b),
    delta: formatNumber(x.delta),
    p_value: formatNumber(x.p_value),
    status: x.status === 'alert' || x.status === 'warn' ? `${x.status.toUpperCase()}` : x.status,
    [`n_${r.a}`]: x.n_a,
    [`n_${r.b}`]: x.n_b,
  }));
  return head + formatTable(cols, rows);
}

export function registerVersions(program: Command): void {
  const versions = program.command('versions').description('compare versions of a model: champion vs canary, shadow agreement');
  addConfigOption(
    versions
      .command('compare')
      .description('every drift, operational and quality metric of version b against version a over one window, with deltas and p-values')
      .requiredOption('--model <name>', 'the model')
      .requiredOption('--a <version>', 'the champion (baseline) version')
      .requiredOption('--b <version>', 'the candidate (canary or shadow) version')
      .option('--window <duration>', 'window length, ending at --end', '1h')
      .option('--end <time>', 'end of the window, ISO 8601 (default: now)')
      .option('--min-count <n>', 'values a side needs before a metric is judged (default: detectors.min_samples)')
      .option('--label-horizon <duration>', 'labels count when they arrive within this long of the prediction', '7d')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (opts: CompareCliOptions) => {
      if (!['table', 'json'].includes(opts.format)) throw usageError(`--format must be table or json (got ${opts.format})`);
      const config = loadCliConfig(opts);
      const query: CompareQuery = {
        model: opts.model,
        a: opts.a,
        b: opts.b,
        window: opts.window,
        label_horizon: opts.labelHorizon,
        min_count: opts.minCount ?? String(config.detectors.min_samples),
        ...(opts.end ? { end: opts.end } : {}),
      };
      let options;
      try {
        options = compareOptions(query);
      } catch (e) {
        const issues = (e as { issues?: string[] }).issues ?? [(e as Error).message];
        throw usageError(issues.map((i) => i.replace(/^(\w+):/, (_, k: string) => `--${k.replace(/_/g, '-')}:`)).join('; '));
      }
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const access = await accessStore(config, logger);
      let report: VersionsReport;
      try {
        if (access.kind === 'daemon') {
          // The daemon resolves "now" itself; pin the end so both paths see the same window.
          const qs = new URLSearchParams({ ...query, end: options.window.end.toISOString() } as Record<string, string>);
          report = await access.api.request<VersionsReport>('GET', `/v1/versions/compare?${qs}`);
        } else {
          report = await compareVersions(access.store, options);
        }
      } finally {
        await releaseAccess(access);
      }
      process.stdout.write(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      return report.flagged > 0 ? EXIT.FINDING : EXIT.OK;
    }),
  );
}
