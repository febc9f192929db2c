// `driftwatch demo`: the whole loop on one machine in about three minutes.
// A local Kafka broker (when Java is there) feeds the daemon on the embedded
// store; simulated model servers log two models with two versions each, and
// labels follow; after a minute the fraud canary's traffic drifts and the
// canary degrades; detectors every 30 s find it, alerts reach a local
// receiver and a signed rollback webhook for the canary arrives, verified.
// The dashboard shows it all. Ctrl-C stops everything, the broker included.
// `--exit`: a fast one-shot walkthrough over a few minutes of made-up
// history (HTTP ingest, detectors run by hand), for tests.
import { randomBytes } from 'node:crypto';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { createApp, type App } from '../../app.ts';
import { loadConfig } from '../../config/load.ts';
import { describeError } from '../../core/errors.ts';
import { findRunningDaemon } from '../../lifecycle/daemon-file.ts';
import { javaAvailable, startLocalBroker, type LocalBroker } from '../../demo/broker.ts';
import { demoConfig, DEMO_SECRET_ENV } from '../../demo/config.ts';
import { prepareDemoDir } from '../../demo/data-dir.ts';
import { httpFeed, kafkaFeed, type Feed } from '../../demo/feed.ts';
import { actionLines, alertLines } from '../../demo/print.ts';
import { startDemoReceiver, type DemoReceiver } from '../../demo/receiver.ts';
import { Simulator } from '../../demo/simulator.ts';
import { formatTable } from '../format.ts';
import { action, addConfigOption, cliLogger, EXIT, type GlobalOptions } from '../common.ts';

interface DemoOptions extends GlobalOptions {
  port: number;
  dataDir: string;
  exit: boolean;
  keepData: boolean;
  driftAfter: number;
  kafka: boolean;
}

const say = (s = ''): void => void process.stdout.write(s + '\n');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const WINDOW = 30_000;

interface Running {
  app: App;
  base: string;
  receiver: DemoReceiver;
  broker: LocalBroker | null;
  feed: Feed;
}

export function registerDemo(program: Command): void {
  addConfigOption(
    program
      .command('demo')
      .description('the whole loop in about three minutes: traffic through a local Kafka broker, drift, alerts, a signed rollback webhook, and the dashboard')
      .option('--port <port>', 'HTTP port (dashboard and API)', (v) => Number(v), 8080)
      .option('--data-dir <dir>', 'data directory', './data/demo')
      .option('--drift-after <seconds>', 'when the canary drifts and degrades', (v) => Number(v), 60)
      .option('--no-kafka', 'log over HTTP ingest even when Java is available')
      .option('--keep-data', 'continue with what an earlier demo run left in the data directory (default: start empty)')
      .option('--exit', 'a fast one-shot walkthrough over made-up history, then stop (for tests)'),
  ).action(
    action(async (opts: DemoOptions) => {
      const dataDir = resolve(opts.dataDir);
      const other = findRunningDaemon(dataDir);
      if (other) {
        process.stderr.write(`driftwatch: a daemon (pid ${other.pid}) already holds ${dataDir}; stop it or pass --data-dir\n`);
        return EXIT.ERROR;
      }
      let prepared: ReturnType<typeof prepareDemoDir>;
      try {
        prepared = prepareDemoDir(dataDir, opts.keepData === true);
      } catch (e) {
        process.stderr.write(`driftwatch: ${describeError(e)}\n`);
        return EXIT.ERROR;
      }
      if (prepared === 'cleared') say(`(cleared what an earlier demo run left in ${relativeOrAbsolute(dataDir)}; --keep-data keeps it)`);
      const t0 = Date.now();
      const clock = (): string => {
        const s = Math.floor((Date.now() - t0) / 1000);
        return `[${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}]`;
      };
      const secret = `whsec_${randomBytes(24).toString('base64')}`;
      process.env[DEMO_SECRET_ENV] = secret;
      // --exit holds what the receiver gets until its step 3 says what it is.
      let held: string[] | null = opts.exit ? [] : null;
      const release = (): void => {
        for (const l of held ?? []) say(l);
        held = null;
      };
      const receiver = await startDemoReceiver({
        secret,
        onMessage: (m) => {
          const lines = m.kind === 'alerts' ? alertLines(m) : actionLines(m);
          for (const l of lines.map((x) => `${opts.exit ? '   ' : `${clock()} `}${x}`)) {
            if (held) held.push(l);
            else say(l);
          }
        },
      });
      return opts.exit ? walkthrough(opts, dataDir, receiver, release) : live(opts, dataDir, receiver, t0, clock);
    }),
  );
}

async function startApp(config: ReturnType<typeof loadConfig>['config'], receiver: DemoReceiver): Promise<App | null> {
  const app = createApp(config, { logger: cliLogger(config) });
  try {
    await app.daemon.start();
    return app;
  } catch (e) {
    process.stderr.write(`driftwatch: the daemon did not start: ${describeError(e)}\n`);
    await app.daemon.stop();
    await receiver.close();
    return null;
  }
}

/** --exit: three minutes of history with the incident halfway, detectors by hand, alerts and the rollback, then stop. */
async function walkthrough(opts: DemoOptions, dataDir: string, receiver: DemoReceiver, release: () => void): Promise<number> {
  const end = Math.floor(Date.now() / WINDOW) * WINDOW;
  const start = end - 6 * WINDOW;
  const { config } = loadConfig({ path: opts.config, overrides: demoConfig({ dataDir, port: opts.port, receiverUrl: receiver.url, referenceFrom: start, referenceTo: start + 2 * WINDOW, schedule: false }) });
  say('driftwatch demo --exit: a walkthrough over three minutes of made-up history');
  const app = await startApp(config, receiver);
  if (!app) return EXIT.ERROR;
  try {
    return await walk(app, { start, end, receiver, dataDir: config.data_dir, release });
  } finally {
    await app.daemon.stop();
    await receiver.close();
  }
}

async function walk(app: App, { start, end, receiver, dataDir, release }: { start: number; end: number; receiver: DemoReceiver; dataDir: string; release: () => void }): Promise<number> {
  const base = `http://127.0.0.1:${app.http.port}`;
  say(`  dashboard: ${base}/`);
  say(`  store:     embedded ClickHouse (chDB) in ${dataDir}/clickhouse`);
  const sim = new Simulator({ runId: `demo-${Date.now().toString(36)}`, fraudRate: 36, churnRate: 10 });
  sim.incidentAt = end - 3 * WINDOW;
  const feed = httpFeed(base);
  let n = 0;
  for (let t = start; t < end + 60_000; t += 10_000) {
    const b = sim.step(t, Math.min(t + 10_000, end));
    if (t >= end) b.predictions.length = 0;
    n += b.predictions.length;
    await feed.send(b);
  }
  say(`1. Logged ${n} predictions (fraud v1/v2, churn v7 + shadow v8) and their labels through POST /v1/predictions and /v1/labels;`);
  say(`   at ${new Date(sim.incidentAt).toISOString()} the fraud canary's amount and country drift and it degrades.`);
  say('2. Detectors over every 30-second window (driftwatch backfill does the same):');
  const runs = await app.scheduler.backfill({ from: new Date(start), to: new Date(end) });
  const byDetector = new Map<string, { runs: number; scores: number; findings: number; failed: number }>();
  for (const r of runs) {
    const s = byDetector.get(r.detector) ?? { runs: 0, scores: 0, findings: 0, failed: 0 };
    byDetector.set(r.detector, { runs: s.runs + 1, scores: s.scores + r.scores, findings: s.findings + r.findings, failed: s.failed + (r.status === 'ok' ? 0 : 1) });
  }
  say(formatTable(['detector', 'runs', 'failed', 'scores', 'findings'], [...byDetector.entries()].map(([detector, s]) => ({ detector, ...s }))).replace(/^/gm, '   '));
  const rows = await app.storeComponent.store.query<Record<string, unknown>>(
    `SELECT detector, model_version AS version, feature, metric, round(max(s.value), 4) AS value, 'alert' AS status
     FROM drift_scores AS s WHERE model = 'fraud' AND model_version = 'v2' AND s.status = 'alert' AND window_end > fromUnixTimestamp64Milli({from:Int64})
     GROUP BY detector, model_version, feature, metric ORDER BY detector, feature, metric LIMIT 20`,
    { params: { from: start } },
  );
  say('   what the detectors flagged on the canary fraud/v2:');
  say(formatTable(['detector', 'version', 'feature', 'metric', 'value', 'status'], rows).replace(/^/gm, '   '));
  say('3. Alerts delivered to the local receiver, and the signed rollback webhook:');
  release();
  for (let i = 0; i < 40 && !receiver.received.some((m) => m.kind === 'action'); i++) await sleep(250);
  if (!receiver.received.some((m) => m.kind === 'action')) say('   (no rollback webhook yet)');
  say();
  say('4. Look around (from another terminal while a daemon runs; `npm run demo` keeps one running):');
  say(`   open ${base}/`);
  // The CLI finds the demo's daemon (or store) through its data directory.
  const cli = `DRIFTWATCH_DATA_DIR=${shellWord(relativeOrAbsolute(dataDir))} npx driftwatch`;
  say(`   ${cli} versions compare --model fraud --a v1 --b v2 --window 1h`);
  say(`   ${cli} gate --model fraud --candidate v2 --baseline v1      # the rollout gate: fail, exit 1`);
  say(`   ${cli} sql "SELECT feature, round(max(value), 3) AS psi FROM drift_scores WHERE metric = 'psi' AND model_version = 'v2' GROUP BY feature ORDER BY psi DESC LIMIT 5"`);
  say();
  say('demo finished.');
  return EXIT.OK;
}

async function live(opts: DemoOptions, dataDir: string, receiver: DemoReceiver, t0: number, clock: () => string): Promise<number> {
  say('driftwatch demo: the whole loop, live. Ctrl-C stops everything.');
  const { broker, brokers: found } = await localBroker(opts, dataDir);
  let brokers = found;
  const referenceFrom = Math.floor(Date.now() / WINDOW) * WINDOW;
  const { config } = loadConfig({
    path: opts.config,
    overrides: demoConfig({ dataDir, port: opts.port, receiverUrl: receiver.url, referenceFrom, referenceTo: referenceFrom + 2 * WINDOW, brokers, schedule: true }),
  });
  // Topics first: the daemon's consumer subscribes as it starts.
  let kafka: Feed | null = null;
  if (brokers) {
    try {
      kafka = await kafkaFeed(brokers, config.kafka.topics, config.kafka.group_id);
    } catch (e) {
      say(`  kafka:     cannot produce to ${brokers} (${describeError(e)}); using HTTP ingest`);
      brokers = undefined;
    }
  }
  const app = await startApp(brokers ? config : { ...config, kafka: { ...config.kafka, enabled: false } }, receiver);
  if (!app) {
    await kafka?.close();
    await broker?.stop();
    return EXIT.ERROR;
  }
  const base = `http://127.0.0.1:${app.http.port}`;
  const feed = kafka ?? httpFeed(base);
  say(`  dashboard: ${base}/      <- open this`);
  say(`  store:     embedded ClickHouse (chDB) in ${config.data_dir}/clickhouse`);
  say(`  traffic:   ${feed.via === 'kafka' ? `Kafka at ${brokers} (topics ${config.kafka.topics.predictions}, ${config.kafka.topics.labels}), consumed by the daemon` : 'HTTP ingest (POST /v1/predictions, /v1/labels)'}`);
  say('             fraud v1 (champion, 75%) + v2 (canary, 25%); churn v7 + v8 (shadow); labels 20-40 s later');
  say(`  detectors: every 30 s over 30-second windows; the canary drifts and degrades at +${opts.driftAfter}s`);
  say();
  const sim = new Simulator({ runId: `demo-${t0.toString(36)}` });
  sim.incidentAt = t0 + opts.driftAfter * 1000;
  const traffic = startTraffic(sim, feed, clock);
  const progress = startProgress(app, t0, traffic.counts, clock);
  return untilSignal({ app, base, receiver, broker, feed }, async () => {
    clearInterval(progress);
    await traffic.stop();
  }, clock);
}

/** The local Kafka broker when Java is there (or KAFKA_BROKERS when set); null brokers: HTTP ingest. */
async function localBroker(opts: DemoOptions, dataDir: string): Promise<{ broker: LocalBroker | null; brokers: string | undefined }> {
  const given = process.env.KAFKA_BROKERS || undefined;
  if (given || !opts.kafka) return { broker: null, brokers: given };
  if (!javaAvailable()) {
    say('  kafka:     no Java runtime found, so no local broker: traffic goes through HTTP ingest (install Java 17 to see Kafka)');
    return { broker: null, brokers: undefined };
  }
  say('  kafka:     starting a local broker (scripts/kafka.sh; the first run fetches its jars with Maven)…');
  try {
    const broker = await startLocalBroker(join(dataDir, 'kafka'));
    return { broker, brokers: broker.brokers };
  } catch (e) {
    say(`  kafka:     the local broker did not start (${describeError(e)}); using HTTP ingest`);
    return { broker: null, brokers: undefined };
  }
}

interface Traffic {
  counts: { predictions: number; labels: number };
  stop(): Promise<void>;
}

/** Simulated model servers: one batch a second until stopped; says when the incident starts. */
function startTraffic(sim: Simulator, feed: Feed, clock: () => string): Traffic {
  let stopping = false;
  const counts = { predictions: 0, labels: 0 };
  let last = Date.now();
  let announced = false;
  const loop = (async () => {
    while (!stopping) {
      await sleep(1000);
      const now = Date.now();
      const b = sim.step(last, now);
      last = now;
      if (!announced && sim.incidentAt !== null && now >= sim.incidentAt) {
        announced = true;
        say(`${clock()} INCIDENT: a new market is routed to the fraud canary v2 (amount and country drift) and v2 degrades (lower confidence, more errors, slower)`);
      }
      try {
        await feed.send(b);
        counts.predictions += b.predictions.length;
        counts.labels += b.labels.length;
      } catch (e) {
        if (!stopping) say(`${clock()} logging failed (${describeError(e)}); retrying`);
      }
    }
  })();
  return {
    counts,
    stop: async () => {
      stopping = true;
      await loop.catch(() => undefined);
    },
  };
}

/** A progress line every 15 s: logged, stored, detector runs (failures), alerts firing. */
function startProgress(app: App, t0: number, counts: Traffic['counts'], clock: () => string): NodeJS.Timeout {
  const progress = setInterval(() => {
    void (async () => {
      try {
        const [row] = await app.storeComponent.store.query<{ stored: string; runs: string; failed: string }>(
          `SELECT (SELECT count() FROM predictions WHERE ts >= fromUnixTimestamp64Milli({t0:Int64})) AS stored,
                  (SELECT count() FROM detector_runs WHERE started_at >= fromUnixTimestamp64Milli({t0:Int64})) AS runs,
                  (SELECT count() FROM detector_runs WHERE started_at >= fromUnixTimestamp64Milli({t0:Int64}) AND status != 'ok') AS failed`,
          { params: { t0 } },
        );
        const firing = app.alerting.started ? app.alerting.engine.list().filter((a) => a.state === 'firing').length : 0;
        say(`${clock()} logged ${counts.predictions} predictions, ${counts.labels} labels; stored ${row?.stored ?? '?'}; detector runs ${row?.runs ?? 0}${Number(row?.failed) ? ` (${row?.failed} failed)` : ''}; alerts firing ${firing}`);
      } catch {
        // the store is busy or stopping: skip this line
      }
    })();
  }, 15_000);
  progress.unref();
  return progress;
}

/** Runs until SIGINT/SIGTERM, then stops the traffic, the daemon, the receiver and the broker; a second signal exits at once. */
function untilSignal(run: Running, stopTraffic: () => Promise<void>, clock: () => string): Promise<number> {
  return new Promise<number>((done) => {
    let signals = 0;
    const stop = (sig: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        say(`${sig} again: stopping the broker and exiting now`);
        void (run.broker?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
        return;
      }
      say(`\n${clock()} ${sig}: stopping the traffic, the daemon${run.broker ? ', the Kafka broker' : ''} and the receiver…`);
      void (async () => {
        await stopTraffic();
        await run.feed.close().catch(() => undefined);
        const ok = await run.app.daemon.stop();
        await run.receiver.close();
        await run.broker?.stop().catch((e: unknown) => say(`broker stop: ${describeError(e)}`));
        say('demo stopped.');
        done(ok ? EXIT.OK : EXIT.ERROR);
        // Whatever a client library left scheduled must not keep the process alive.
        setTimeout(() => process.exit(ok ? EXIT.OK : EXIT.ERROR), 500);
      })();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** `dir` relative to the working directory when it is inside it (`./data/demo`), else absolute. */
function relativeOrAbsolute(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? `./${rel}` : dir;
}

/** A path as one shell word. */
function shellWord(s: string): string {
  return /^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
