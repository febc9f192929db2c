// npm run bench:ingest — end-to-end ingestion throughput against a real
// broker and the embedded engine.
//
//   1. produce N realistic events (20 features: 15 numeric, 5 categorical,
//      ~600 bytes of JSON), one event per message, to a 4-partition topic;
//   2. a bare kafkajs consumer that only JSON.parses the same messages: the
//      ceiling of what any kafkajs-based ingester can do here;
//   3. the real ingestion path (consumer, validation, buffer, insert into
//      predictions + feature_values, offset commits) until all are stored;
//   4. the same events as Arrow IPC batches (1,000 rows per message).
//
// Uses KAFKA_BROKERS when set, otherwise starts a broker with scripts/kafka.sh
// (its own state dir and port) and stops it at the end. Environment:
//   BENCH_EVENTS (default 200000), BENCH_ARROW_ROWS_PER_MESSAGE (default 1000).
// The last line is `RESULT {...}` (events/s, ratio, peak RSS in MiB).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel, Partitioners, type Message } from 'kafkajs';
import { parseConfig } from '../src/config/load.ts';
import { createIngest } from '../src/ingest/index.ts';
import { Router } from '../src/core/http/router.ts';
import { createKafka } from '../src/kafka/client.ts';
import { createLogger } from '../src/core/log/logger.ts';
import { createRegistry } from '../src/metrics/registry.ts';
import { openEmbeddedStore } from '../src/core/store/embedded.ts';
import { migrate } from '../src/core/store/migrate.ts';
import type { Store } from '../src/core/store/store.ts';
import { arrowPredictions } from '../testkit/arrow-events.ts';
import { predictionEvent } from '../testkit/events.ts';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const ARROW_ROWS = Number(process.env.BENCH_ARROW_ROWS_PER_MESSAGE ?? 1_000);
const PARTITIONS = 4;
const REPO = resolve(import.meta.dirname, '..');
const run = promisify(execFile);
const say = (s: string): void => void process.stdout.write(s + '\n');

let peakRss = 0;
const rssSamples: number[] = [];
const sampler = setInterval(() => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  rssSamples.push(rss);
}, 100);
sampler.unref();

async function withBroker<T>(fn: (brokers: string[]) => Promise<T>): Promise<T> {
  const given = process.env.KAFKA_BROKERS?.trim();
  if (given) return fn(given.split(','));
  const state = mkdtempSync(join(tmpdir(), 'dw-bench-kafka-'));
  const { freePort } = await import('../testkit/ports.ts');
  const port = await freePort();
  const env = { ...process.env, KAFKA_STATE_DIR: state, KAFKA_PORT: String(port), KAFKA_CONTROLLER_PORT: String(await freePort()) };
  say(`starting a broker on 127.0.0.1:${port} (scripts/kafka.sh)`);
  const { stdout } = await run('bash', [join(REPO, 'scripts/kafka.sh'), 'start'], { env, timeout: 300_000 });
  try {
    return await fn([stdout.trim().split('\n').pop() ?? `127.0.0.1:${port}`]);
  } finally {
    await run('bash', [join(REPO, 'scripts/kafka.sh'), 'stop'], { env, timeout: 60_000 }).catch(() => undefined);
    rmSync(state, { recursive: true, force: true });
  }
}

async function produce(kafka: Kafka, topic: string, messages: Iterable<Message>, batch: number): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  let bytes = 0;
  let pending: Message[] = [];
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    await producer.send({ topic, messages: pending, acks: 1 });
    pending = [];
  };
  for (const m of messages) {
    bytes += (m.value as Buffer | string).length;
    pending.push(m);
    if (pending.length >= batch) await flush();
  }
  await flush();
  await producer.disconnect();
  return bytes;
}

/** The ceiling: kafkajs fetch + decode + JSON.parse of every message, nothing else. */
async function bare(kafka: Kafka, topic: string, cfg: ReturnType<typeof parseConfig>['kafka']): Promise<number> {
  const consumer = kafka.consumer({
    groupId: `bench-bare-${Date.now()}`,
    maxBytes: cfg.fetch_max_bytes,
    maxBytesPerPartition: cfg.fetch_max_bytes_per_partition,
    maxWaitTimeInMs: 500,
  });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  let t0 = 0;
  let checksum = 0;
  const done = new Promise<number>((resolveDone) => {
    void consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: cfg.partitions_consumed_concurrently,
      eachBatch: async ({ batch }) => {
        if (t0 === 0) t0 = performance.now();
        for (const m of batch.messages) {
          const ev = JSON.parse(m.value!.toString('utf8')) as { confidence: number };
          checksum += ev.confidence;
        }
        seen += batch.messages.length;
        if (seen >= N) resolveDone(performance.now() - t0);
      },
    });
  });
  const ms = await done;
  await consumer.disconnect();
  if (!Number.isFinite(checksum)) throw new Error('unreachable');
  return ms;
}

/** The real path until `expected` rows are stored; ms from the first event consumed. */
async function ingest(store: Store, brokers: string[], topics: { predictions: string; labels: string; dead_letter: string }, expected: number): Promise<{ ms: number; rssMid: number; rssEnd: number }> {
  const config = parseConfig({ kafka: { brokers, group_id: `bench-ingest-${Date.now()}`, topics } });
  const logger = createLogger({ level: 'warn' });
  const registry = createRegistry({ defaultMetrics: false });
  const ing = createIngest(config, { store: () => store, registry, router: new Router(), logger, kafka: createKafka(config.kafka, logger) });
  const value = async (name: string): Promise<number> => ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((n, v) => n + v.value, 0);
  for (const c of ing.components) await c.start();
  let t0 = 0;
  let rssMid = 0;
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    if (t0 === 0 && (await value('driftwatch_ingest_events_consumed_total')) > 0) t0 = performance.now();
    const stored = await value('driftwatch_ingest_events_stored_total');
    if (rssMid === 0 && stored >= expected / 2) rssMid = process.memoryUsage().rss;
    if (stored >= expected) break;
  }
  const ms = performance.now() - t0;
  const rssEnd = process.memoryUsage().rss;
  const deadline = new AbortController();
  for (const c of [...ing.components].reverse()) await c.stop(deadline.signal);
  return { ms, rssMid, rssEnd };
}

async function main(): Promise<void> {
  await withBroker(async (brokers) => {
    const kafka = new Kafka({ clientId: 'driftwatch-bench', brokers, logLevel: logLevel.NOTHING });
    const id = Date.now().toString(36);
    const topics = { predictions: `bench-pred-${id}`, arrow: `bench-arrow-${id}`, labels: `bench-labels-${id}`, dead_letter: `bench-dlq-${id}` };
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [topics.predictions, topics.arrow, topics.labels, topics.dead_letter].map((topic) => ({ topic, numPartitions: topic === topics.dead_letter ? 1 : PARTITIONS })),
      waitForLeaders: true,
    });
    await admin.disconnect();
    const cfg = parseConfig({}).kafka;

    say(`producing ${N} JSON events, one per message, to ${PARTITIONS} partitions...`);
    const jsonBytes = await produce(
      kafka,
      topics.predictions,
      (function* () {
        for (let i = 0; i < N; i++) yield { key: String(i), value: JSON.stringify(predictionEvent(i)) };
      })(),
      2_000,
    );
    say(`  ${(jsonBytes / N).toFixed(0)} bytes per event on average`);

    const bareMs = await bare(kafka, topics.predictions, cfg);
    const bareRate = N / (bareMs / 1000);
    say(`bare kafkajs consumer (fetch + JSON.parse): ${Math.round(bareRate)} events/s (${(bareMs / 1000).toFixed(2)} s)`);

    const dir = mkdtempSync(join(tmpdir(), 'dw-bench-store-'));
    const store = await openEmbeddedStore({ path: dir, database: 'driftwatch' });
    await migrate(store, createLogger({ level: 'warn' }));
    try {
      const json = await ingest(store, brokers, { predictions: topics.predictions, labels: topics.labels, dead_letter: topics.dead_letter }, N);
      const jsonRate = N / (json.ms / 1000);
      say(`driftwatch ingest, JSON: ${Math.round(jsonRate)} events/s (${(json.ms / 1000).toFixed(2)} s), ratio to bare ${(jsonRate / bareRate).toFixed(2)}`);
      say(`  RSS at half and at the end: ${Math.round(json.rssMid / 2 ** 20)} MiB, ${Math.round(json.rssEnd / 2 ** 20)} MiB`);

      const messages = Math.ceil(N / ARROW_ROWS);
      say(`producing ${N} events as ${messages} Arrow IPC messages of ${ARROW_ROWS} rows...`);
      await produce(
        kafka,
        topics.arrow,
        (function* () {
          for (let m = 0; m < messages; m++) yield { key: String(m), value: Buffer.from(arrowPredictions(m * ARROW_ROWS, Math.min(ARROW_ROWS, N - m * ARROW_ROWS), { prefix: 'arrow' })) };
        })(),
        // The broker takes at most ~1 MiB per produce request.
        Math.max(1, Math.floor(800_000 / (ARROW_ROWS * 220))),
      );
      const arrow = await ingest(store, brokers, { predictions: topics.arrow, labels: topics.labels, dead_letter: topics.dead_letter }, N);
      const arrowRate = N / (arrow.ms / 1000);
      say(`driftwatch ingest, Arrow: ${Math.round(arrowRate)} events/s (${(arrow.ms / 1000).toFixed(2)} s)`);
      const [check] = await store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id) AS u FROM predictions');
      say(`  stored ${check?.c} rows, ${check?.u} distinct event ids (expected ${2 * N})`);
      const result = {
        json_events_per_s: Math.round(jsonRate),
        bare_events_per_s: Math.round(bareRate),
        ratio: Math.round((jsonRate / bareRate) * 100) / 100,
        arrow_events_per_s: Math.round(arrowRate),
        peak_rss_mb: Math.round(peakRss / 2 ** 20),
      };
      say(`RESULT ${JSON.stringify(result)}`);
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench failed: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(2);
  },
);
