// `driftwatch gate --model M --candidate V2 --baseline V1 [--policy NAME]`:
// the rollout gate's verdict for a CI step. Exit 0 pass, 1 fail,
// 3 inconclusive, 2 error. Through the daemon's API when a daemon holds the
// embedded store; otherwise the CLI judges, records the verdict and (on fail,
// when the policy names a rollback action) queues the signed rollback and
// tries to deliver it once; a delivery left pending is retried by the daemon.
import type { Command } from 'commander';
import { ClickHouseOutboxStore } from '../../../alerts/outbox/store.ts';
import { Outbox } from '../../../alerts/outbox/outbox.ts';
import { systemClock } from '../../../alerts/clock.ts';
import { fmt } from '../../../detectors/gate/checks.ts';
import type { GateReport, Verdict } from '../../../detectors/gate/types.ts';
import { gateAsk, type GateQuery } from '../../api/gate-routes.ts';
import { GateService, UnknownPolicyError } from '../../api/gate-service.ts';
import { parseDuration } from '../../core/util/duration.ts';
import { accessStore, releaseAccess } from '../daemon-client.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, loadCliConfig, usageError, type GlobalOptions } from '../common.ts';

/** pass 0, fail 1, inconclusive 3 (2 is every error). */
export const GATE_EXIT: Record<Verdict, number> = { pass: EXIT.OK, fail: EXIT.FINDING, inconclusive: 3 };

interface GateCliOptions extends GlobalOptions {
  model: string;
  candidate: string;
  baseline: string;
  policy?: string;
  window?: string;
  since?: string;
  end?: string;
  format: string;
}

export function formatGate(r: GateReport): string {
  const head = [
    `${r.model}: ${r.candidate} against ${r.baseline}, policy ${r.policy}: ${r.verdict.toUpperCase()}${r.timed_out ? ` (inconclusive after max_duration ${r.max_duration_seconds}s)` : ''}`,
    `evidence since ${r.window.start ?? '(no candidate traffic)'} until ${r.window.end} (${fmt(r.elapsed_seconds / 60)} min); predictions ${r.baseline} ${r.samples.baseline}, ${r.candidate} ${r.samples.candidate}`,
    '',
  ].join('\n');
  const rows = r.checks.map((c) => ({
    check: c.name,
    decision: c.decision === 'fail' || c.decision === 'pass' ? c.decision.toUpperCase() : c.decision,
    value: c.value === null ? '' : fmt(c.value),
    threshold: fmt(c.threshold),
    lower: c.statistic.lower === null ? '' : fmt(c.statistic.lower),
    upper: c.statistic.upper === null ? '' : fmt(c.statistic.upper),
    p_value: c.statistic.p_value === null ? '' : fmt(c.statistic.p_value),
    [`n_${r.baseline}`]: c.baseline.n,
    [`n_${r.candidate}`]: c.candidate.n,
  }));
  const table = formatTable(['check', 'decision', 'value', 'threshold', 'lower', 'upper', 'p_value', `n_${r.baseline}`, `n_${r.candidate}`], rows);
  const tail = ['reasons:', ...r.reasons.map((x) => `  - ${x}`), `evidence: ${r.evidence_url ?? ''}`];
  if (r.rollback) tail.push(`rollback: ${r.rollback.action} ${r.rollback.outcome}${r.rollback.webhook_id ? ` (${r.rollback.webhook_id})` : ''}`);
  return `${head}\n${table}\n${tail.join('\n')}\n`;
}

export function registerGate(program: Command): void {
  addConfigOption(
    program
      .command('gate')
      .description('rollout gate: pass, fail or inconclusive for a candidate version against its baseline (exit 0 pass, 1 fail, 3 inconclusive, 2 error)')
      .requiredOption('--model <name>', 'the model')
      .requiredOption('--candidate <version>', 'the version being rolled out (canary or shadow)')
      .requiredOption('--baseline <version>', 'the version it would replace (the champion)')
      .option('--policy <name>', 'a policy from gates.policies (default: gates.default_policy)')
      .option('--window <duration>', "how far back to look for the candidate's first prediction (default: the policy's window)")
      .option('--since <time>', 'the rollout started at this ISO 8601 time (default: the first prediction of the candidate)')
      .option('--end <time>', 'judge the evidence up to this ISO 8601 time (default: now)')
      .option('-f, --format <format>', 'table or json', 'table'),
  ).action(
    action(async (opts: GateCliOptions) => {
      if (!['table', 'json'].includes(opts.format)) throw usageError(`--format must be table or json (got ${opts.format})`);
      const config = loadCliConfig(opts);
      const query: GateQuery = {
        model: opts.model,
        candidate: opts.candidate,
        baseline: opts.baseline,
        ...(opts.policy ? { policy: opts.policy } : {}),
        ...(opts.window ? { window: opts.window } : {}),
        ...(opts.since ? { since: opts.since } : {}),
        ...(opts.end ? { end: opts.end } : {}),
      };
      let ask;
      try {
        ask = gateAsk(query);
      } catch (e) {
        const issues = (e as { issues?: string[] }).issues ?? [(e as Error).message];
        throw usageError(issues.map((i) => i.replace(/^(\w+):/, (_, k: string) => `--${k}:`)).join('; '));
      }
      const logger = cliLogger({ log: { ...config.log, level: 'warn' } });
      const access = await accessStore(config, logger);
      let report: GateReport;
      try {
        if (access.kind === 'daemon') {
          // The daemon resolves "now" itself; pin the end so the verdict is about the moment asked.
          const qs = new URLSearchParams({ ...query, end: (ask.end ?? new Date()).toISOString() } as Record<string, string>);
          report = await access.api.request<GateReport>('GET', `/v1/gate?${qs}`);
        } else {
          const store = access.store;
          const outbox = new Outbox({
            store: new ClickHouseOutboxStore(store),
            actions: config.alerts.actions,
            clock: systemClock,
            logger,
            pollMs: parseDuration(config.alerts.outbox.poll_interval),
            backoffBaseMs: parseDuration(config.alerts.outbox.backoff_base),
            backoffMaxMs: parseDuration(config.alerts.outbox.backoff_max),
          });
          const service = new GateService({ store: () => store, gates: config.gates, actions: config.alerts.actions, outbox: () => outbox, logger, externalUrl: config.alerts.external_url });
          try {
            report = await service.decide(ask, 'cli');
          } catch (e) {
            if (e instanceof UnknownPolicyError) throw usageError(`--policy: ${e.message}`);
            throw e;
          }
          // One delivery attempt now; what is left pending the daemon sends at its next start.
          if (report.rollback?.outcome === 'queued') await outbox.runOnce();
        }
      } finally {
        await releaseAccess(access);
      }
      process.stdout.write(opts.format === 'json' ? JSON.stringify(report, null, 2) + '\n' : formatGate(report));
      return GATE_EXIT[report.verdict];
    }),
  );
}
