// Two driftwatch replicas in one consumer group over a real broker: the
// second joining splits the partitions, the first leaving hands them all to
// the second, and across both rebalances every event is stored exactly once
// (offsets committed by whichever member owned the partition, the resume
// fence skipping what the other had stored but not committed).
import { Partitioners } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, kafkaVersion, testKafka, uniqueGroup } from '../../helpers/kafka.ts';
import { openTestStore } from '../../helpers/store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { createIngestTopics, eventually } from '../ingest/daemon.ts';
import { countRows, startIngest, type Harness } from '../ingest/harness.ts';

/** Predictions partitions a harness got at each group join, in order. */
function assignments(h: Harness, topic: string): number[] {
  return h.logs
    .filter((l) => l.includes('"msg":"joined consumer group"'))
    .map((l) => (JSON.parse(l) as { assignment: Record<string, number[]> }).assignment[topic]?.length ?? 0);
}

describe(`a consumer group of two driftwatch replicas, Kafka ${kafkaVersion()}`, () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  const running: Harness[] = [];

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    for (const h of running) await h.stop().catch(() => undefined);
    await opened?.cleanup();
  });

  it('splits the partitions when the second joins, hands them over when one leaves, and stores every event once', { timeout: 240_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'rebalance', 4);
    const group = uniqueGroup('rebalance');
    const producer = testKafka('rebalance-producer', brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    let produced = 0;
    const produce = async (n: number): Promise<void> => {
      const messages = Array.from({ length: n }, (_, k) => ({ key: `k-${produced + k}`, value: JSON.stringify(predictionEvent(produced + k, { prefix: 'rb' })) }));
      for (let i = 0; i < n; i += 500) await producer.send({ topic: topics.predictions, messages: messages.slice(i, i + 500) });
      produced += n;
    };
    const stored = () => countRows(opened.store, 'SELECT count() AS c FROM predictions');
    const opts = { store: opened.store, brokers, topics, group, ingest: { flush_interval: '100ms' }, kafka: { session_timeout: '10s', rebalance_timeout: '20s' } };
    try {
      await produce(2_000);
      const a = await startIngest(opts);
      running.push(a);
      await eventually('the first replica stores', async () => (await stored()) > 0 || 'none yet', 30_000);
      expect(assignments(a, topics.predictions).at(-1)).toBe(4);

      const b = await startIngest(opts);
      running.push(b);
      await produce(2_000);
      await eventually('both replicas own two partitions', async () => (assignments(a, topics.predictions).at(-1) === 2 && assignments(b, topics.predictions).at(-1) === 2) || `${assignments(a, topics.predictions)} / ${assignments(b, topics.predictions)}`, 60_000);
      await eventually('4,000 stored', async () => (await stored()) === 4_000 || `${await stored()}`, 60_000);

      await a.stop();
      running.splice(running.indexOf(a), 1);
      await produce(2_000);
      await eventually('the second replica owns all four', async () => assignments(b, topics.predictions).at(-1) === 4 || `${assignments(b, topics.predictions)}`, 60_000);
      await eventually('6,000 stored', async () => (await stored()) === 6_000 || `${await stored()}`, 60_000);
      const [r] = await opened.store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id) AS u FROM predictions');
      expect({ c: Number(r?.c), u: Number(r?.u) }).toEqual({ c: 6_000, u: 6_000 });
      expect(b.logs.filter((l) => l.includes('Kafka consumer failed') && !/coordinator|rebalanc/i.test(l))).toEqual([]);
    } finally {
      await producer.disconnect();
    }
  });
});
