// Backpressure and store faults against the real broker and the real engine:
// the store (wrapped in a fault-injecting decorator) fails for a while, the
// consumer pauses once the buffer is full, commits nothing that is not stored,
// and when the store recovers everything lands exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { kafkaBrokers, testKafka } from '../../helpers/kafka.ts';
import { openTestStore } from '../../helpers/store.ts';
import { faultInjecting } from '../../ingest/faulty-store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { createIngestTopics, eventually } from './daemon.ts';
import { countRows, startIngest, type Harness } from './harness.ts';
import type { Store } from '../../../src/core/store/store.ts';

describe('ingest under store faults', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened.cleanup();
  });

  async function produce(topic: string, from: number, n: number, prefix: string): Promise<void> {
    const producer = testKafka('faults-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    for (let i = from; i < from + n; i += 1000) {
      const messages = Array.from({ length: Math.min(1000, from + n - i) }, (_, k) => ({ value: JSON.stringify(predictionEvent(i + k, { prefix })) }));
      await producer.send({ topic, messages });
    }
    await producer.disconnect();
  }

  async function committed(group: string, topic: string): Promise<number> {
    const admin = testKafka('faults-admin').admin();
    await admin.connect();
    try {
      const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return (t?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    } finally {
      await admin.disconnect();
    }
  }

  it('pauses, commits nothing unstored, retries, and recovers with nothing lost or doubled', { timeout: 120_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'faults', 3);
    const { store, switches } = faultInjecting(opened.store);
    const group = `faults-${Date.now()}`;
    const count = (s: Store = opened.store) => countRows(s, 'SELECT count() AS c FROM predictions');
    harness = await startIngest({
      store,
      brokers,
      topics,
      group,
      ingest: { max_buffered_rows: 3_000, batch_rows: 1_000, flush_interval: '100ms', insert_retry_max: '300ms' },
      kafka: { fetch_max_bytes_per_partition: 256 * 1024 },
    });
    const h = harness;

    // Healthy first.
    await produce(topics.predictions, 0, 5_000, 'a');
    await eventually('5,000 stored', async () => (await count()) === 5_000, 30_000);
    await eventually('offsets committed', async () => (await committed(group, topics.predictions)) === 5_000, 10_000);

    // The store fails: the buffer fills, intake pauses, nothing is committed.
    switches.failInserts = true;
    await produce(topics.predictions, 5_000, 20_000, 'a');
    await eventually('intake paused', async () => h.ingest.consumer?.paused === true, 20_000);
    expect(await h.metric('driftwatch_ingest_paused')).toBe(1);
    const bufferedWhilePaused = h.ingest.buffer.bufferedRows;
    await new Promise((r) => setTimeout(r, 1_500));
    // Bounded: one fetch past the limit at most, and it does not grow while paused.
    expect(h.ingest.buffer.bufferedRows).toBe(bufferedWhilePaused);
    expect(h.ingest.buffer.bufferedRows).toBeLessThan(3_000 + 3 * 600);
    expect(await count()).toBe(5_000);
    expect(await committed(group, topics.predictions)).toBe(5_000);
    expect(await h.metric('driftwatch_ingest_insert_failures_total')).toBeGreaterThan(2);
    expect(h.ingest.buffer.readiness().ready).toBe(false);

    // Answers lost after the engine stored the rows: retried with the same token, not doubled.
    switches.failInserts = false;
    const failedBefore = switches.failedInserts;
    switches.failAfterInsert = true;
    await eventually('an insert answered with an error after storing', async () => switches.failedInserts > failedBefore, 10_000, 5);
    switches.failAfterInsert = false;

    await eventually('25,000 stored', async () => (await count()) >= 25_000, 60_000);
    await eventually('offsets committed', async () => (await committed(group, topics.predictions)) === 25_000, 20_000);
    expect(h.ingest.consumer?.paused).toBe(false);
    expect(await h.metric('driftwatch_ingest_paused')).toBe(0);
    const [r] = await opened.store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id) AS u FROM predictions');
    expect({ c: Number(r?.c), u: Number(r?.u) }).toEqual({ c: 25_000, u: 25_000 });
    const [f] = await opened.store.query<{ c: string }>('SELECT count() AS c FROM feature_values');
    expect(Number(f?.c)).toBe(25_000 * 20);
    expect(h.ingest.buffer.readiness().ready).toBe(true);
  });
});
