// One-message Kafka predictions go to the engine as they came, unless the
// engine would read the bytes otherwise than the event JSON.parse made of
// them: a top-level key written twice (the engine refuses the line, so the
// event would be dead-lettered as store_rejected) or a numeric prediction
// not in its shortest form (the engine keeps its text). Those are re-encoded,
// so what is stored is the same as for the re-encoded event, and the same
// as over HTTP. Real broker, real engine.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { kafkaBrokers, testKafka } from '../../helpers/kafka.ts';
import { openTestStore } from '../../helpers/store.ts';
import { createIngestTopics, eventually } from './daemon.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

describe('Kafka passthrough', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened.cleanup();
  });

  it('stores a repeated key as JSON.parse reads it and a long-form prediction as re-encoding writes it', { timeout: 60_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'passthrough', 1);
    harness = await startIngest({ store: opened.store, brokers, topics, ingest: { flush_interval: '100ms' }, clickhouse: { ttl_days: 0 } });
    const text = (id: string, prediction: string): string =>
      `{"event_id":"${id}","model":"fraud","model_version":"v2","ts":"2026-11-25T01:02:03.5Z","prediction":${prediction},"confidence":0.25,` +
      `"tags":{"region":"eu"},"features":{"amount":1.5,"city":"Z\\u00fcrich","flag":true,"gone":null}}`;
    const values = [
      text('kp-line', '1.5'),
      text('kp-odd', '1.50'),
      text('kp-dup', '1.5').replace('{', '{"event_id":"kp-dup-first",'),
    ];
    const producer = testKafka('passthrough-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic: topics.predictions, messages: values.map((value) => ({ value })) });
    await producer.disconnect();

    await eventually('three stored', async () => (await countRows(opened.store, "SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'kp-')")) === 3, 30_000);
    expect(await harness.metric('driftwatch_ingest_dead_lettered_total')).toBe(0);
    const rows = await opened.store.query<Record<string, unknown>>(
      `SELECT event_id, ts, model, model_version, prediction, prediction_num, confidence, tags, fv
       FROM predictions AS p
       JOIN (SELECT event_id, arraySort(groupArray((feature, kind, value_num, value_str))) AS fv FROM feature_values GROUP BY event_id) AS f USING event_id
       WHERE startsWith(event_id, 'kp-') ORDER BY event_id`,
    );
    expect(rows.map((r) => r.event_id)).toEqual(['kp-dup', 'kp-line', 'kp-odd']);
    const [dup, line, odd] = rows.map(({ event_id: _, ...rest }) => rest);
    expect(line).toMatchObject({ prediction: '1.5', prediction_num: 1.5, tags: { region: 'eu' } });
    expect(odd).toEqual(line);
    expect(dup).toEqual(line);
    // The one-line event went as it came: its features text is the producer's, escapes included.
    const [kept] = await opened.store.query<{ f: string }>("SELECT features AS f FROM predictions WHERE event_id = 'kp-line'");
    expect(kept?.f).toContain('\\u00fc');
  });
});
