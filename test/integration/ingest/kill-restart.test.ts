// Exactly-once effect across crashes: the daemon (a child process holding the
// embedded engine) is SIGKILLed at random moments while 200,000 predictions
// and 10,000 labels flow through Kafka, restarted each time, and at the end
// every event is stored exactly once, and every prediction has all of its
// feature_values rows (the materialized view's part can be cut off by a kill
// after the predictions part was committed; the resume fence repairs it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { openEmbeddedStore } from '../../../src/core/store/embedded.ts';
import { kafkaBrokers, testKafka } from '../../helpers/kafka.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { predictionEvent, rng } from '../../../testkit/events.ts';
import { createIngestTopics, eventually, startDaemon, stopDaemon, writeDaemonConfig, type RunningDaemon } from './daemon.ts';

const PREDICTIONS = 200_000;
const LABELS = 10_000;
const KILLS = 6;
const FEATURES_PER_EVENT = 20;

describe('ingest survives SIGKILL with an exactly-once effect', () => {
  const dir = tempDir('dw-kill-');
  let running: RunningDaemon | null = null;

  beforeAll(() => undefined);
  afterAll(async () => {
    if (running) await stopDaemon(running, 'SIGKILL');
    dir.remove();
  });

  it('stores every event exactly once after repeated kills and restarts', { timeout: 300_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'kill', 4);
    // A killed member stays in the group until its session times out; the
    // broker's minimum (6 s) keeps each restart's rejoin short.
    const config = writeDaemonConfig(dir.path, { brokers, topics, logLevel: 'debug', ingest: { batch_rows: 20_000, flush_interval: '500ms' }, kafka: { session_timeout: '6s', heartbeat_interval: '1s' } });

    // Producer: the events flow while the daemon is killed and restarted.
    const producer = testKafka('kill-producer', brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const produced = (async () => {
      for (let i = 0; i < PREDICTIONS; i += 2_000) {
        const messages = [];
        for (let j = i; j < i + 2_000; j++) messages.push({ key: String(j), value: JSON.stringify(predictionEvent(j, { spreadDays: 3 })) });
        await producer.send({ topic: topics.predictions, messages });
        if (i % 10_000 === 0) {
          const labels = [];
          for (let j = i / 20; j < i / 20 + 500; j += 10) {
            // Arrays of 10 labels per message: the fence works per event within a message.
            labels.push({ value: JSON.stringify(Array.from({ length: 10 }, (_, k) => ({ event_id: `evt-${(j + k) * 20}`, model: 'fraud', label: (j + k) % 2, ts: Date.UTC(2026, 10, 24) + j + k }))) });
          }
          await producer.send({ topic: topics.labels, messages: labels });
        }
        await new Promise((r) => setTimeout(r, 60));
      }
    })();

    const random = rng(42);
    const started = Date.now();
    let fenced = 0;
    for (let k = 0; k < KILLS; k++) {
      running = await startDaemon(config);
      const daemon = running;
      if (k % 2 === 0) {
        // Anywhere in fetching, decoding, inserting and committing.
        await new Promise((r) => setTimeout(r, 500 + random() * 3_500));
      } else {
        // Within an insert: the parts of one insert (days, the view's table)
        // are committed one by one, and the commit of offsets comes after.
        const seen = (daemon.spawned.output().match(/"msg":"inserting batch"/g) ?? []).length;
        await eventually('an insert', async () => (daemon.spawned.output().match(/"msg":"inserting batch"/g) ?? []).length > seen, 30_000, 5);
        await new Promise((r) => setTimeout(r, random() * 700));
      }
      const out = running.spawned.output();
      fenced += (out.match(/resuming past stored rows/g) ?? []).length;
      await stopDaemon(running, 'SIGKILL');
      running = null;
      console.log(`kill ${k + 1} at ${((Date.now() - started) / 1000).toFixed(1)}s`);
    }
    await produced;
    await producer.disconnect();

    console.log(`produced all at ${((Date.now() - started) / 1000).toFixed(1)}s`);
    running = await startDaemon(config);
    const daemon = running;
    console.log(`final start at ${((Date.now() - started) / 1000).toFixed(1)}s`);
    await eventually(
      'all events stored',
      async () => {
        const [r] = await daemon.sql<{ p: string; l: string }>('SELECT (SELECT count() FROM predictions) AS p, (SELECT count() FROM labels) AS l');
        return (Number(r?.p) === PREDICTIONS && Number(r?.l) === LABELS) || `${r?.p} predictions, ${r?.l} labels`;
      },
      120_000,
      500,
    );
    fenced += (daemon.spawned.output().match(/resuming past stored rows/g) ?? []).length;
    const exit = await stopDaemon(daemon);
    running = null;
    expect(exit.code).toBe(0);
    console.log(`kill test: ${KILLS} kills, ${fenced} partition resumes past stored rows, ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const store = await openEmbeddedStore({ path: `${dir.path}/data/clickhouse`, database: 'driftwatch' });
    try {
      const [p] = await store.query<{ c: string; u: string; o: string }>('SELECT count() AS c, uniqExact(event_id) AS u, uniqExact(kafka_partition, kafka_offset) AS o FROM predictions');
      expect({ count: Number(p?.c), unique: Number(p?.u), positions: Number(p?.o) }).toEqual({ count: PREDICTIONS, unique: PREDICTIONS, positions: PREDICTIONS });
      const [f] = await store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id, feature) AS u FROM feature_values');
      expect({ count: Number(f?.c), unique: Number(f?.u) }).toEqual({ count: PREDICTIONS * FEATURES_PER_EVENT, unique: PREDICTIONS * FEATURES_PER_EVENT });
      const [l] = await store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id) AS u FROM labels');
      expect({ count: Number(l?.c), unique: Number(l?.u) }).toEqual({ count: LABELS, unique: LABELS });
    } finally {
      await store.close();
    }
  });
});
