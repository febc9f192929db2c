// `driftwatch demo`: the daemon on embedded defaults, with a walkthrough.
// It logs a champion (v1) and a drifted canary (v2) of a fraud model over
// HTTP ingest, runs the detectors on that hour, and shows what fires: drift
// scores, an alert delivered to a loopback webhook, /metrics, and SQL.
import type { Command } from 'commander';
import { createApp } from '../../app.ts';
import { loadConfig } from '../../config/load.ts';
import type { ScoreRow } from '../../core/score.ts';
import { startDemoReceiver } from '../../demo/receiver.ts';
import { traffic, type DemoEvent } from '../../demo/traffic.ts';
import { describeError } from '../../core/errors.ts';
import { findRunningDaemon } from '../../lifecycle/daemon-file.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, type GlobalOptions } from '../common.ts';

const H = 3_600_000;

interface DemoOptions extends GlobalOptions {
  port: number;
  dataDir: string;
  exit: boolean;
  champion: number;
  canary: number;
}

async function post(base: string, events: DemoEvent[]): Promise<void> {
  const res = await fetch(`${base}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: events.map((e) => JSON.stringify(e)).join('\n') + '\n' });
  if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
}

async function sendAll(base: string, events: Iterable<DemoEvent>): Promise<number> {
  let batch: DemoEvent[] = [];
  let n = 0;
  for (const e of events) {
    batch.push(e);
    if (batch.length === 5000) {
      await post(base, batch);
      n += batch.length;
      batch = [];
    }
  }
  if (batch.length) await post(base, batch);
  return n + batch.length;
}

export function registerDemo(program: Command): void {
  addConfigOption(
    program
      .command('demo')
      .description('run the daemon on embedded defaults with a walkthrough: a drifted canary is logged, detected and alerted on')
      .option('--port <port>', 'HTTP port', (v) => Number(v), 8080)
      .option('--data-dir <dir>', 'data directory', './data/demo')
      .option('--champion <n>', 'predictions logged by the champion (v1)', (v) => Number(v), 20_000)
      .option('--canary <n>', 'predictions logged by the drifted canary (v2)', (v) => Number(v), 5_000)
      .option('--exit', 'stop after the walkthrough instead of running until Ctrl-C'),
  ).action(
    action(async (opts: DemoOptions) => {
      const say = (s = ''): void => void process.stdout.write(s + '\n');
      const brokers = process.env.KAFKA_BROKERS;
      const receiver = await startDemoReceiver((body) => {
        const b = body as { status?: string; alerts?: Array<{ labels: Record<string, string>; annotations?: Record<string, string> }> };
        for (const a of b.alerts ?? []) say(`  webhook <- ${String(b.status).toUpperCase()} ${a.labels.alertname} ${a.labels.model}/${a.labels.version} ${a.labels.feature ?? ''}: ${a.annotations?.summary ?? ''}`);
      });
      const { config } = loadConfig({
        path: opts.config,
        overrides: {
          data_dir: opts.dataDir,
          http: { port: opts.port },
          log: { format: 'pretty', level: 'warn' },
          // Without a broker the demo runs on HTTP ingest alone rather than
          // logging retries forever; set KAFKA_BROKERS to include Kafka.
          kafka: brokers ? { enabled: true, brokers } : { enabled: false },
          detectors: {
            jobs: [{ name: 'fraud-canary-drift', window: '1h', delay: '0s', models: ['fraud'], baseline: { type: 'version', version: 'v1' } }],
            monitors: [{ name: 'fraud-canary-ops', kind: 'operational', window: '1h', delay: '0s', model: 'fraud', baseline: { type: 'version', version: 'v1' } }],
          },
          alerts: {
            rules: [
              {
                name: 'canary-feature-drift',
                match: { metric: 'psi', model: 'fraud', version: 'v2' },
                thresholds: { warning: 0.1, critical: 0.25 },
                annotations: { summary: '{{metric}} of {{feature}} is {{value}} (threshold {{threshold}})' },
              },
            ],
            route: { receiver: 'demo', group_by: ['alertname', 'model'], group_wait: '1s', group_interval: '1m', repeat_interval: '4h' },
            receivers: [{ name: 'demo', webhook_configs: [{ url: receiver.url }] }],
          },
        },
      });
      const other = findRunningDaemon(config.data_dir);
      if (other) {
        process.stderr.write(`driftwatch: a daemon (pid ${other.pid}) already holds ${config.data_dir}; stop it or pass --data-dir\n`);
        await receiver.close();
        return EXIT.ERROR;
      }
      const logger = cliLogger(config);
      const app = createApp(config, { logger });
      app.daemon.installSignalHandlers();
      say('driftwatch demo');
      say(`  store:  embedded ClickHouse (chDB) in ${config.data_dir}/clickhouse`);
      say(`  kafka:  ${brokers ? `consuming from ${brokers}` : 'off (HTTP ingest only; set KAFKA_BROKERS=host:port to consume too)'}`);
      try {
        await app.daemon.start();
      } catch (e) {
        process.stderr.write(`driftwatch: the daemon did not start: ${describeError(e)}\n`);
        await app.daemon.stop();
        await receiver.close();
        return EXIT.ERROR;
      }
      const base = `http://127.0.0.1:${app.http.port}`;
      say(`  http:   ${base}/healthz  /readyz  /metrics  /v1/...`);
      say();
      const end = Math.floor(Date.now() / H) * H;
      const start = end - H;
      const run = Date.now().toString(36);
      say(`1. Logging predictions for ${new Date(start).toISOString()} .. ${new Date(end).toISOString()} through POST /v1/predictions:`);
      const t0 = Date.now();
      const n1 = await sendAll(base, traffic({ version: 'v1', drift: 0, seed: 1, startMs: start, endMs: end, count: opts.champion, idPrefix: `demo-${run}-v1` }));
      const n2 = await sendAll(base, traffic({ version: 'v2', drift: 1, seed: 2, startMs: start, endMs: end, count: opts.canary, idPrefix: `demo-${run}-v2`, deployment: 'canary' }));
      say(`   champion fraud/v1: ${n1} events; canary fraud/v2 (amount, risk score, country, device and missing income drifted): ${n2} events; stored in ${Date.now() - t0} ms`);
      say();
      say('2. Running the detectors over that hour (driftwatch detect --once does the same):');
      const runs = await app.scheduler.runOnce({ windowEnd: new Date(end) });
      say(formatTable(['detector', 'status', 'scores', 'findings', 'duration_ms'], runs.map((r) => ({ ...r }))).replace(/^/gm, '   '));
      const rows = await app.storeComponent.store.query<ScoreRow>(
        `SELECT feature, metric, round(value, 4) AS value, p_value, status FROM drift_scores
         WHERE run_id IN {runs:Array(String)} AND model_version = 'v2' AND status IN ('warn', 'alert') AND metric IN ('psi', 'missing_share_delta', 'new_categories', 'latency_p95_ratio', 'error_rate_delta', 'confidence_mean_drop')
         ORDER BY status = 'alert' DESC, value DESC LIMIT 12`,
        { params: { runs: runs.map((r) => r.run_id) } },
      );
      say('   what drifted in the canary (v2 against v1):');
      say(formatTable(['feature', 'metric', 'value', 'status'], rows as unknown as Record<string, unknown>[]).replace(/^/gm, '   '));
      say('3. Alerts (rule canary-feature-drift: psi >= 0.25 is critical), delivered to a loopback webhook:');
      await new Promise((r) => setTimeout(r, 2500));
      if (receiver.received.length === 0) say('   (no notification yet)');
      say();
      say('4. Look around:');
      say(`   curl -s ${base}/metrics | grep driftwatch_drift_score`);
      say(`   curl -s '${base}/v1/scores/latest?model=fraud&version=v2&status=alert'`);
      say(`   npx driftwatch versions compare --model fraud --a v1 --b v2 --window 1h`);
      say(`   npx driftwatch gate --model fraud --candidate v2 --baseline v1      # the rollout gate: fail, exit 1`);
      say(`   npx driftwatch sql "SELECT feature, round(value, 3) AS psi FROM drift_scores WHERE metric = 'psi' AND model_version = 'v2' ORDER BY psi DESC LIMIT 5"`);
      say(`   (run these from another terminal with DRIFTWATCH_DATA_DIR=${config.data_dir}: they go through this daemon's API)`);
      say();
      if (opts.exit) {
        await app.daemon.stop();
        await receiver.close();
        say('demo finished.');
        return EXIT.OK;
      }
      say('The daemon keeps running (detectors on their schedules). Stop with Ctrl-C: it drains and exits 0.');
      return new Promise<number>(() => undefined);
    }),
  );
}
