// Kafka helpers for tests that talk to the real broker started by
// test/setup/kafka.global.ts (or the one named by KAFKA_BROKERS).
import { randomBytes } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { inject } from 'vitest';

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
 * A kafkajs client for tests. Logging is off: kafkajs logs expected,
 * retried conditions (coordinator loading, rebalancing) at ERROR level.
 */
export function testKafka(clientId = 'driftwatch-test', brokers: string[] = kafkaBrokers()): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** Creates a topic and waits for its partition leaders; no-op if it exists. */
export async function createTopic(brokers: string[], name: string, partitions = 1): Promise<void> {
  const admin = testKafka('driftwatch-test-admin', brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic: name, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}
