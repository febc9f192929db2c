// read_committed: events of an aborted transaction are never stored, events
// of a committed one are stored once, and an open transaction holds back
// what follows it until it ends. Two real transactional producers: Python's
// confluent-kafka (librdkafka; installed by .ci/run with pip, the test is
// skipped where it is missing) with interleaved commits and aborts, and
// kafkajs's own.
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { committedOffset, kafkaBrokers, kafkaLogDir, kafkaVersion, partitionEnd, testKafka } from '../../helpers/kafka.ts';
import { codecName, storedBatches } from '../../helpers/kafka-log.ts';
import { hasConfluentKafka, runPython } from '../../helpers/kafka-foreign.ts';
import { openTestStore } from '../../helpers/store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { createIngestTopics, eventually, type Topics } from './daemon.ts';
import { startIngest, type Harness } from './harness.ts';

const python = await hasConfluentKafka();

describe(`transactional producers against Kafka ${kafkaVersion()}`, () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened?.cleanup();
  });

  async function storedIds(topic: string): Promise<string[]> {
    const rows = await opened.store.query<{ event_id: string }>(`SELECT event_id FROM predictions WHERE kafka_topic = '${topic}' ORDER BY event_id`);
    return rows.map((r) => r.event_id);
  }

  async function settle(h: Harness, topics: Topics, group: string, want: string[]): Promise<void> {
    const brokers = kafkaBrokers();
    const end = await partitionEnd(brokers, topics.predictions);
    // Past every record and transaction marker (a trailing aborted transaction
    // included), and exactly the committed events stored.
    await eventually('committed to the end of the partition', async () => (await committedOffset(brokers, group, topics.predictions)) === end || 'not yet', 60_000);
    const stored = await storedIds(topics.predictions);
    const wanted = new Set(want);
    const have = new Set(stored);
    expect({ missing: want.filter((id) => !have.has(id)), extra: stored.filter((id) => !wanted.has(id)) }).toEqual({ missing: [], extra: [] });
    expect(stored).toHaveLength(want.length);
    expect(await h.metric('driftwatch_ingest_dead_lettered_total')).toBe(0);
    expect(await h.metric('driftwatch_ingest_undecodable_batches_total')).toBe(0);
  }

  it.skipIf(!python)('stores committed transactions of confluent-kafka (Python) once and aborted ones never', { timeout: 180_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'txn-py', 1);
    const committed: string[] = [];
    const msgs = (prefix: string, n: number, keep: boolean) =>
      Array.from({ length: n }, (_, i) => {
        const e = predictionEvent(i, { prefix });
        if (keep) committed.push(e.event_id);
        return { key: e.event_id, value: JSON.stringify(e) };
      });
    const steps = Array.from({ length: 6 }, (_, s) => ({
      a: { action: s % 2 === 0 ? 'commit' : 'abort', messages: msgs(`py-a${s}-${s % 2 === 0 ? 'commit' : 'abort'}`, 20, s % 2 === 0) },
      b: { action: s % 3 === 0 ? 'abort' : 'commit', messages: msgs(`py-b${s}-${s % 3 === 0 ? 'abort' : 'commit'}`, 15, s % 3 !== 0) },
    }));
    const out = JSON.parse(await runPython(join(import.meta.dirname, 'transaction-producer.py'), { brokers: brokers.join(','), topic: topics.predictions, compression: 'lz4', steps })) as { produced: number };
    expect(out.produced).toBe(6 * 35);

    const group = `txn-py-${Date.now()}`;
    harness = await startIngest({ store: opened.store, brokers, topics, group, ingest: { flush_interval: '100ms' } });
    await settle(harness, topics, group, committed);
    expect(committed.length).toBe(3 * 20 + 4 * 15);
    const logDir = kafkaLogDir();
    if (logDir) {
      // What the consumer read through: lz4 transactional batches and the commit/abort markers.
      const batches = storedBatches(logDir, topics.predictions, 0);
      expect(batches.filter((b) => b.transactional && !b.control).every((b) => codecName(b.codec) === 'lz4')).toBe(true);
      expect(batches.filter((b) => b.control).length).toBe(12);
    }
    await harness.stop();
    harness = null;
  });

  it.skipIf(!python)('never stores aborted records when fetches end inside interleaved transactions (kafkajs 2.2.4 leaks them)', { timeout: 180_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'txn-split', 1);
    const committed: string[] = [];
    const msgs = (prefix: string, n: number, keep: boolean) =>
      Array.from({ length: n }, (_, i) => {
        const e = predictionEvent(i, { prefix });
        if (keep) committed.push(e.event_id);
        return { key: e.event_id, value: JSON.stringify(e) };
      });
    // Both producers abort together, so two aborted transactions are open at
    // once; small batches (linger 0) and one-batch fetches put fetch
    // boundaries inside them.
    const steps = Array.from({ length: 8 }, (_, s) => {
      const abort = s % 2 === 0;
      const action = abort ? 'abort' : 'commit';
      return { a: { action, messages: msgs(`split-a${s}-${action}`, 12, !abort) }, b: { action, messages: msgs(`split-b${s}-${action}`, 12, !abort) } };
    });
    await runPython(join(import.meta.dirname, 'transaction-producer.py'), { brokers: brokers.join(','), topic: topics.predictions, compression: 'none', linger_ms: 0, batch_size: 1500, steps });
    const group = `txn-split-${Date.now()}`;
    harness = await startIngest({ store: opened.store, brokers, topics, group, ingest: { flush_interval: '100ms' }, kafka: { fetch_max_bytes: 1024, fetch_max_bytes_per_partition: 1024 } });
    await settle(harness, topics, group, committed);
    await harness.stop();
    harness = null;
  });

  it('holds back an open kafkajs transaction, stores it once when committed, never when aborted, and commits past a trailing abort', { timeout: 180_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'txn-js', 1);
    const group = `txn-js-${Date.now()}`;
    const kafka = testKafka('txn-producer', brokers);
    const producer = kafka.producer({ transactionalId: `${topics.predictions}-js`, idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    const plain = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await plain.connect();
    try {
      const send = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, value: JSON.stringify(predictionEvent(i, { prefix })), partition: 0 }));
      harness = await startIngest({ store: opened.store, brokers, topics, group, ingest: { flush_interval: '100ms' } });
      const h = harness;

      const aborted = await producer.transaction();
      await aborted.send({ topic: topics.predictions, messages: send('js-aborted', 30) });
      await aborted.abort();

      const open = await producer.transaction();
      await open.send({ topic: topics.predictions, messages: send('js-committed', 30) });
      // Written after the open transaction began: read_committed holds it back too.
      await plain.send({ topic: topics.predictions, messages: send('js-plain', 5) });
      await new Promise((r) => setTimeout(r, 3_000));
      expect(await storedIds(topics.predictions)).toEqual([]);

      await open.commit();
      const want = [...Array.from({ length: 30 }, (_, i) => `js-committed-${i}`), ...Array.from({ length: 5 }, (_, i) => `js-plain-${i}`)];
      await eventually('the committed transaction and what followed it stored', async () => (await storedIds(topics.predictions)).length === want.length || 'not yet', 30_000);
      // The partition ends with an aborted transaction: nothing to store, but the commit must pass it.
      const tail = await producer.transaction();
      await tail.send({ topic: topics.predictions, messages: send('js-tail-aborted', 10) });
      await tail.abort();
      await settle(h, topics, group, want);
    } finally {
      await producer.disconnect();
      await plain.disconnect();
    }
  });
});
