// Kafka helpers for tests that talk to the real broker started by
// test/setup/kafka.global.ts (or the one named by KAFKA_BROKERS).
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel, type KafkaMessage } from 'kafkajs';
import { inject } from 'vitest';
import { registerCodecs } from '../../src/kafka/codecs/index.ts';

/** host:port list of the broker(s) for this test run. */
export function kafkaBrokers(): string[] {
  // env first: it is what the daemon under test reads too; inject() covers
  // workers that did not inherit the main process's environment.
  const raw = process.env.KAFKA_BROKERS || inject('kafkaBrokers');
  const brokers = (raw ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  if (brokers.length === 0) {
    throw new Error('no Kafka brokers: run the tests through vitest with test/setup/kafka.global.ts as globalSetup, or set KAFKA_BROKERS');
  }
  return brokers;
}

/**
 * A topic name no other test (or earlier run against a kept broker) uses.
 * Kafka allows [a-zA-Z0-9._-] up to 249 chars; anything else in the prefix
 * becomes '-'. Avoid mixing '.' and '_' (they collide in metric names).
 */
export function uniqueTopic(prefix = 'dw-test'): string {
  const clean = prefix.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 200);
  return `${clean}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** A unique consumer group id, same rules as uniqueTopic. */
export function uniqueGroup(prefix = 'dw-group'): string {
  return uniqueTopic(prefix);
}

/**
 * A kafkajs client for tests, with driftwatch's codecs registered. Logging
 * is off: kafkajs logs expected, retried conditions (coordinator loading,
 * rebalancing) at ERROR level.
 */
export function testKafka(clientId = 'driftwatch-test', brokers: string[] = kafkaBrokers()): Kafka {
  // Test readers decode every codec the product does (kafkajs alone: gzip).
  registerCodecs();
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** The Apache Kafka version of the test broker (KAFKA_VERSION, or kafka.sh's default). */
export function kafkaVersion(): string {
  return process.env.KAFKA_TEST_VERSION || inject('kafkaVersion') || '3.9.1';
}

/** The test broker's log dir (its topics' segment files), or null for a broker this run did not start. */
export function kafkaLogDir(): string | null {
  return process.env.KAFKA_LOG_DIR || inject('kafkaLogDir') || null;
}

/**
 * Creates a topic and waits until every partition has a leader; no-op if it
 * exists. kafkajs's own waitForLeaders gives up when a Kafka 4 broker still
 * answers UNKNOWN_TOPIC_OR_PARTITION for a topic it has just created, so the
 * wait is ours.
 */
export async function createTopic(brokers: string[], name: string, partitions = 1): Promise<void> {
  const admin = testKafka('driftwatch-test-admin', brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: false });
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
        const parts = topics[0]?.partitions ?? [];
        if (parts.length === partitions && parts.every((p) => p.leader >= 0)) return;
      } catch (e) {
        if (Date.now() > deadline) throw e;
      }
      if (Date.now() > deadline) throw new Error(`topic ${name}: no leader for every partition after 30 s`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

/** Every message of a topic from the beginning, until `count` arrived (or the timeout). */
export async function readTopic(brokers: string[], topic: string, count: number, timeoutMs = 30_000): Promise<KafkaMessage[]> {
  const consumer = testKafka('driftwatch-test-reader', brokers).consumer({ groupId: uniqueGroup('reader'), maxWaitTimeInMs: 200 });
  const got: KafkaMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    await consumer.run({
      eachMessage: async ({ message }) => {
        got.push(message);
        if (got.length >= count) done();
      },
    });
    await Promise.race([finished, new Promise((r) => setTimeout(r, timeoutMs))]);
    return got;
  } finally {
    await consumer.disconnect();
  }
}

/** A message's headers as strings (the first value of a repeated header). */
export function headersOf(m: KafkaMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first.toString();
  }
  return out;
}

/** The next offset of partition 0 of `topic` (its high watermark). */
export async function partitionEnd(brokers: string[], topic: string): Promise<number> {
  const admin = testKafka('offsets-admin', brokers).admin();
  await admin.connect();
  try {
    return Number((await admin.fetchTopicOffsets(topic)).find((p) => p.partition === 0)!.high);
  } finally {
    await admin.disconnect();
  }
}

/** The offset `group` has committed on partition 0 of `topic` (-1: none). */
export async function committedOffset(brokers: string[], group: string, topic: string): Promise<number> {
  const admin = testKafka('offsets-admin', brokers).admin();
  await admin.connect();
  try {
    const [t] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return Number(t!.partitions.find((p) => p.partition === 0)!.offset);
  } finally {
    await admin.disconnect();
  }
}
