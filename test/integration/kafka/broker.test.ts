// Proof that the real broker (scripts/kafka.sh, Kafka 3.9 KRaft) and kafkajs
// 2.2.4 agree on what driftwatch relies on: produce, consumer groups, explicit
// offset commits, and a new group member resuming exactly at the commit.
import { Partitioners } from 'kafkajs';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { createTopic, kafkaBrokers, testKafka, uniqueGroup, uniqueTopic } from '../../helpers/kafka.ts';

const TOTAL = 100;
const COMMIT_AT = 40;

// Every client a test opens is disconnected afterwards, pass or fail, so a
// failing assertion never leaves a group member heartbeating into the next test.
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch(() => undefined);
  }
});
function track<T extends { disconnect(): Promise<void> }>(client: T): T {
  cleanups.push(() => client.disconnect());
  return client;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function newConsumer(groupId: string): Consumer {
  return track(
    testKafka(`driftwatch-test-${groupId}`).consumer({
      groupId,
      // Short fetch waits: the topic is idle once the 100 messages are read.
      maxWaitTimeInMs: 250,
      retry: { retries: 10 },
    }),
  );
}

describe('real Kafka broker with kafkajs', () => {
  it('resumes a consumer group exactly at the explicitly committed offset', { timeout: 120_000 }, async () => {
    const brokers = kafkaBrokers();
    const topic = uniqueTopic('broker-resume');
    const groupId = uniqueGroup('broker-resume');
    // One partition: offsets are a total order, so "resumes at #40" is exact.
    await createTopic(brokers, topic, 1);

    const kafka = testKafka('driftwatch-test-producer', brokers);
    const producer = track(kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }));
    await producer.connect();
    await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: TOTAL }, (_, i) => ({ key: `k-${i}`, value: `m-${i}` })),
    });
    await producer.disconnect();

    const admin = track(kafka.admin());
    await admin.connect();
    const ends = await admin.fetchTopicOffsets(topic);
    expect(ends).toEqual([expect.objectContaining({ partition: 0, low: '0', high: String(TOTAL) })]);

    // First member: reads 0..39, commits offset 40 (the next one to read) by
    // hand, and records nothing beyond. autoCommit is off, so nothing else
    // may ever be committed for this group.
    const first = newConsumer(groupId);
    const firstSeen: number[] = [];
    let committed!: () => void;
    const firstDone = new Promise<void>((resolve) => (committed = resolve));
    await first.connect();
    await first.subscribe({ topics: [topic], fromBeginning: true });
    await first.run({
      autoCommit: false,
      eachMessage: async ({ topic: t, partition, message, pause }) => {
        const offset = Number(message.offset);
        if (offset >= COMMIT_AT) {
          // Already fetched in the same batch: leave it for the next member.
          pause();
          return;
        }
        firstSeen.push(offset);
        if (offset === COMMIT_AT - 1) {
          await first.commitOffsets([{ topic: t, partition, offset: String(offset + 1) }]);
          committed();
        }
      },
    });
    // The first group join creates __consumer_offsets: allow it seconds.
    await withTimeout(firstDone, 60_000, `the first consumer to read and commit ${COMMIT_AT} messages`);
    await first.disconnect();
    expect(firstSeen).toEqual(Array.from({ length: COMMIT_AT }, (_, i) => i));

    const offsets = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(offsets).toEqual([{ topic, partitions: [expect.objectContaining({ partition: 0, offset: String(COMMIT_AT) })] }]);

    // Second member of the same group, also asking for fromBeginning: the
    // committed offset must win over that reset policy.
    const second = newConsumer(groupId);
    const secondSeen: KafkaMessage[] = [];
    let finished!: () => void;
    const secondDone = new Promise<void>((resolve) => (finished = resolve));
    await second.connect();
    await second.subscribe({ topics: [topic], fromBeginning: true });
    await second.run({
      autoCommit: false,
      eachMessage: async ({ message }) => {
        secondSeen.push(message);
        if (Number(message.offset) === TOTAL - 1) finished();
      },
    });
    await withTimeout(secondDone, 60_000, `the second consumer to reach offset ${TOTAL - 1}`);
    // A duplicate delivery would arrive right behind the last message; give
    // it a moment to show up before judging.
    await sleep(1_000);

    const expected = Array.from({ length: TOTAL - COMMIT_AT }, (_, i) => COMMIT_AT + i);
    expect(secondSeen[0]?.offset).toBe(String(COMMIT_AT));
    expect(secondSeen.map((m) => Number(m.offset))).toEqual(expected);
    expect(secondSeen.map((m) => m.value?.toString())).toEqual(expected.map((i) => `m-${i}`));
    expect(secondSeen.map((m) => m.key?.toString())).toEqual(expected.map((i) => `k-${i}`));

    // The second member committed nothing (autoCommit off): still 40. Then a
    // commit from it moves the group to the end.
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [expect.objectContaining({ partition: 0, offset: String(COMMIT_AT) })] },
    ]);
    await second.commitOffsets([{ topic, partition: 0, offset: String(TOTAL) }]);
    await second.disconnect();
    expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual([
      { topic, partitions: [expect.objectContaining({ partition: 0, offset: String(TOTAL) })] },
    ]);
  });
});
