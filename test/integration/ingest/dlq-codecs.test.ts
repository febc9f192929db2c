// The dead-letter producer writes every codec (kafka.dead_letter_compression),
// and what it writes is what Kafka's own clients read: the broker accepts
// each batch only after decompressing it (the Java implementation), kcat
// (librdkafka) and the Java console consumer read the values back intact,
// and the batches on disk carry the codec. A dead-letter topic that does not
// exist yet is created by the producer.
import { readdirSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { createKafka } from '../../../src/kafka/client.ts';
import { KafkaDeadLetters, type DeadLetter } from '../../../src/ingest/dlq.ts';
import { createIngestMetrics } from '../../../src/ingest/metrics.ts';
import { reject } from '../../../src/ingest/reasons.ts';
import { parseConfig } from '../../../src/config/load.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import { createTopic, kafkaBrokers, kafkaLogDir, kafkaVersion, uniqueTopic } from '../../helpers/kafka.ts';
import { CODECS, consoleConsume, kcatConsume } from '../../helpers/kafka-foreign.ts';
import { codecName, storedBatches } from '../../helpers/kafka-log.ts';
import { rng } from '../../../testkit/events.ts';

describe(`dead letters compressed with every codec, Kafka ${kafkaVersion()}`, () => {
  const senders: KafkaDeadLetters[] = [];
  afterAll(async () => {
    for (const s of senders) await s.stop();
  });

  it('are accepted by the broker and read back by librdkafka and the Java client', { timeout: 180_000 }, async () => {
    const brokers = kafkaBrokers();
    const random = rng(42);
    const values = new Map<string, string>();
    const topics = new Map<string, string>();
    for (const codec of CODECS) {
      const topic = uniqueTopic(`dlq-${codec}`);
      // The gzip topic does not exist yet: the dead-letter producer creates it (auto.create.topics.enable).
      if (codec !== 'gzip') await createTopic(brokers, topic, 1);
      topics.set(codec, topic);
      const config = parseConfig({ kafka: { brokers, dead_letter_compression: codec } });
      const sender = new KafkaDeadLetters(createKafka(config.kafka, silentLogger), topic, silentLogger, createIngestMetrics(createRegistry({ defaultMetrics: false })), 2000, config.kafka.dead_letter_compression);
      senders.push(sender);
      // A large value spans several lz4 blocks and snappy chunks; the rest are small.
      const big = JSON.stringify({ event_id: `${codec}-big`, blob: Array.from({ length: 30_000 }, () => Math.floor(random() * 1000).toString(36)).join(' ') });
      const letters: DeadLetter[] = [big, `{"event_id":"${codec}-1","model":`, `not json ${codec}`].map((v, i) => {
        values.set(`${codec}/${i}`, v);
        return { topic: 'predictions', partition: 0, offset: String(i), key: `${codec}-${i}`, value: v, rejection: reject('invalid_json', 'test') };
      });
      await sender.send(letters);
    }

    for (const [codec, topic] of topics) {
      // (The auto-created topic has several partitions: order by key.)
      const read = (await kcatConsume(brokers, topic)).sort((x, y) => String(x.key).localeCompare(String(y.key)));
      expect(read.map((m) => m.key)).toEqual([0, 1, 2].map((i) => `${codec}-${i}`));
      for (const m of read) expect(m.payload, `${codec} via kcat`).toBe(values.get(`${codec}/${m.key!.split('-').pop()}`));
      expect(read[0]!.headers).toContain('dw-reason');

      const java = await consoleConsume(brokers, topic, 3);
      expect(java.sort(), `${codec} via the Java console consumer`).toEqual([0, 1, 2].map((i) => values.get(`${codec}/${i}`)!).sort());

      const logDir = kafkaLogDir();
      if (logDir) {
        const partitions = readdirSync(logDir).filter((d) => d.startsWith(`${topic}-`)).map((d) => Number(d.slice(topic.length + 1)));
        const codecs = new Set(partitions.flatMap((p) => storedBatches(logDir, topic, p).map((b) => codecName(b.codec))));
        expect(codecs).toEqual(new Set([codec]));
      }
    }
  });
});
