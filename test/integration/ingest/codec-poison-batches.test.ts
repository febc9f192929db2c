// Record batches that cannot be decoded never stall a partition: a batch
// damaged on disk (stale CRC: bit rot), one whose compressed bytes are
// garbage behind a valid CRC, one with a codec id Kafka does not define, and
// a decompression bomb (a valid zstd batch far above ingest.max_message_bytes)
// each become one dead letter with the batch's offset range and cause, are
// counted, and are committed past; the good batches around them (written by
// kcat and the Java client) are stored, and the consumer never restarts.
//
// The broker checks every batch it is sent, so damaged batches are made the
// way they happen: produced whole, then changed in the segment file the
// broker serves fetches from (test/helpers/kafka-log.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../../src/ingest/dlq.ts';
import { BATCH_HEADER } from '../../../src/kafka/record-batch.ts';
import { committedOffset, headersOf, kafkaBrokers, kafkaLogDir, kafkaVersion, partitionEnd, readTopic } from '../../helpers/kafka.ts';
import { consoleProduce, kcatProduce, type Codec, type Line } from '../../helpers/kafka-foreign.ts';
import { damageBatch, storedBatches } from '../../helpers/kafka-log.ts';
import { openTestStore } from '../../helpers/store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { createIngestTopics, eventually, type Topics } from './daemon.ts';
import { startIngest, type Harness } from './harness.ts';

const MAX_MESSAGE_BYTES = 65_536;

const events = (prefix: string, n = 10): Line[] => Array.from({ length: n }, (_, i) => ({ key: `${prefix}-${i}`, value: JSON.stringify(predictionEvent(i, { prefix })) }));
const ids = (prefix: string, n = 10): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe(`undecodable record batches against Kafka ${kafkaVersion()}`, () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened?.cleanup();
  });

  async function run(topics: Topics, group: string, stored: string[], deadLetters: number): Promise<{ h: Harness; dead: Array<Record<string, string> & { bytes: string }> }> {
    harness = await startIngest({ store: opened.store, brokers: kafkaBrokers(), topics, group, ingest: { flush_interval: '100ms', max_message_bytes: MAX_MESSAGE_BYTES } });
    const h = harness;
    const brokers = kafkaBrokers();
    const last = await partitionEnd(brokers, topics.predictions);
    try {
      await eventually('committed past every batch', async () => (await committedOffset(brokers, group, topics.predictions)) === last || `not yet at ${last}`, 60_000);
    } catch (e) {
      console.log(h.logs.filter((l) => !l.includes('"level":"info"')).slice(-20).join('\n'));
      throw e;
    }
    const rows = await opened.store.query<{ event_id: string }>(`SELECT event_id FROM predictions WHERE kafka_topic = '${topics.predictions}'`);
    expect(rows.map((r) => r.event_id).sort()).toEqual([...stored].sort());
    const dead = (await readTopic(brokers, topics.dead_letter, deadLetters)).map((m) => ({ ...headersOf(m), bytes: String(m.value?.length ?? 0) }));
    expect(dead).toHaveLength(deadLetters);
    // The partition went on without the batches ever failing the consumer (a
    // fresh broker may still fail its first join with "coordinator loading").
    const failures = h.logs.filter((l) => l.includes('Kafka consumer failed'));
    expect(failures.filter((l) => !/coordinator|rebalanc|not the correct coordinator/i.test(l))).toEqual([]);
    expect(h.ingest.consumer?.readiness().ready).toBe(true);
    return { h, dead };
  }

  it('dead-letters a decompression bomb as one record and goes on', { timeout: 180_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'bomb', 1);
    await kcatProduce(brokers, topics.predictions, 'lz4', events('before'));
    // One 8 MB event of zeros: a few KB as zstd, 128 times ingest.max_message_bytes.
    const bomb = JSON.stringify({ ...predictionEvent(0, { prefix: 'bomb' }), tags: { pad: '0'.repeat(8 * 1024 * 1024) } });
    await kcatProduce(brokers, topics.predictions, 'zstd', [{ key: 'bomb', value: bomb }], { extra: ['-X', 'message.max.bytes=16000000'] });
    const bombAt = (await partitionEnd(brokers, topics.predictions)) - 1;
    await consoleProduce(brokers, topics.predictions, 'zstd', events('after'));

    const { h, dead } = await run(topics, `bomb-${Date.now()}`, [...ids('before'), ...ids('after')], 1);
    expect(dead[0]).toMatchObject({
      [DLQ_HEADERS.reason]: 'undecodable_batch',
      [DLQ_HEADERS.code]: 'DW_INGEST_UNDECODABLE_BATCH',
      [DLQ_HEADERS.topic]: topics.predictions,
      [DLQ_HEADERS.partition]: '0',
      [DLQ_HEADERS.offset]: String(bombAt),
      [DLQ_HEADERS.lastOffset]: String(bombAt),
      [DLQ_HEADERS.batchRecords]: '1',
      [DLQ_HEADERS.batchCodec]: 'zstd',
      [DLQ_HEADERS.batchCause]: 'too_large',
    });
    // The dead letter holds the batch as stored (compressed), not the 8 MB.
    expect(Number(dead[0]!.bytes)).toBeGreaterThan(0);
    expect(Number(dead[0]!.bytes)).toBeLessThan(64 * 1024);
    expect(await h.metric('driftwatch_ingest_undecodable_batches_total', { reason: 'too_large', codec: 'zstd' })).toBe(1);
    expect(await h.metric('driftwatch_ingest_dead_lettered_total', { reason: 'undecodable_batch' })).toBe(1);
    await harness?.stop();
    harness = null;
  });

  it.skipIf(!kafkaLogDir())('skips batches damaged on disk (bit rot, garbage behind a valid CRC, an unknown codec) and commits past them', { timeout: 240_000 }, async () => {
    const brokers = kafkaBrokers();
    const logDir = kafkaLogDir()!;
    const topics = await createIngestTopics(brokers, 'poison', 1);
    const plan: Array<{ prefix: string; codec: Codec; damage?: 'rot' | 'garble' | 'codec'; producer: 'kcat' | 'java' }> = [
      { prefix: 'good-a', codec: 'lz4', producer: 'kcat' },
      { prefix: 'rot', codec: 'zstd', producer: 'kcat', damage: 'rot' },
      { prefix: 'good-b', codec: 'gzip', producer: 'java' },
      { prefix: 'garble', codec: 'snappy', producer: 'kcat', damage: 'garble' },
      { prefix: 'bogus', codec: 'lz4', producer: 'java', damage: 'codec' },
      { prefix: 'good-c', codec: 'snappy', producer: 'java' },
      { prefix: 'rot-plain', codec: 'zstd', producer: 'java', damage: 'rot' },
      { prefix: 'good-d', codec: 'zstd', producer: 'kcat' },
    ];
    const at = new Map<string, number>();
    for (const p of plan) {
      at.set(p.prefix, await partitionEnd(brokers, topics.predictions));
      if (p.producer === 'kcat') await kcatProduce(brokers, topics.predictions, p.codec, events(p.prefix));
      else await consoleProduce(brokers, topics.predictions, p.codec, events(p.prefix));
    }
    const batches = storedBatches(logDir, topics.predictions, 0);
    for (const p of plan) expect(batches.find((b) => b.baseOffset === at.get(p.prefix))?.records, `${p.prefix} is one batch of 10`).toBe(10);

    for (const p of plan) {
      const base = at.get(p.prefix)!;
      if (p.damage === 'rot') {
        damageBatch(logDir, topics.predictions, 0, base, (b) => void (b[BATCH_HEADER + 5] = b[BATCH_HEADER + 5]! ^ 0x10), false);
      } else if (p.damage === 'garble') {
        damageBatch(logDir, topics.predictions, 0, base, (b) => { for (let i = BATCH_HEADER + 20; i < b.length; i += 5) b[i] = b[i]! ^ 0x5a; }, true);
      } else if (p.damage === 'codec') {
        damageBatch(logDir, topics.predictions, 0, base, (b) => b.writeInt16BE((b.readInt16BE(21) & ~0x07) | 0x06, 21), true);
      }
    }

    const good = plan.filter((p) => !p.damage).flatMap((p) => ids(p.prefix));
    const damaged = plan.filter((p) => p.damage);
    const { h, dead } = await run(topics, `poison-${Date.now()}`, good, damaged.length);
    const want: Record<string, { cause: string; codec: string }> = {
      rot: { cause: 'checksum', codec: 'zstd' },
      garble: { cause: 'corrupt', codec: 'snappy' },
      bogus: { cause: 'unknown_codec', codec: 'unknown(6)' },
      'rot-plain': { cause: 'checksum', codec: 'zstd' },
    };
    for (const p of damaged) {
      const base = at.get(p.prefix)!;
      const letter = dead.find((d) => d[DLQ_HEADERS.offset] === String(base));
      expect(letter, `dead letter for ${p.prefix} at ${base}`).toBeDefined();
      expect(letter).toMatchObject({
        [DLQ_HEADERS.reason]: 'undecodable_batch',
        [DLQ_HEADERS.code]: 'DW_INGEST_UNDECODABLE_BATCH',
        [DLQ_HEADERS.topic]: topics.predictions,
        [DLQ_HEADERS.lastOffset]: String(base + 9),
        [DLQ_HEADERS.batchRecords]: '10',
        [DLQ_HEADERS.batchCause]: want[p.prefix]!.cause,
        [DLQ_HEADERS.batchCodec]: want[p.prefix]!.codec,
      });
    }
    expect(await h.metric('driftwatch_ingest_undecodable_batches_total')).toBe(damaged.length);
    expect(await h.metric('driftwatch_ingest_undecodable_batches_total', { reason: 'checksum' })).toBe(2);
  });
});
