// Producers that are not kafkajs, with every codec: kcat (librdkafka) with
// JSON lines and Arrow IPC files, and the Java client (the broker
// distribution's console producer) with JSON lines, each line with its own
// key and headers. Every good event is stored once, every bad message is in
// the dead-letter topic with its key and the producer's headers, no batch is
// refused, and the batches on disk really are compressed with each codec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DLQ_HEADERS } from '../../../src/ingest/dlq.ts';
import { headersOf, kafkaBrokers, kafkaLogDir, kafkaVersion, readTopic } from '../../helpers/kafka.ts';
import { CODECS, consoleProduce, kcatProduce, kcatProduceFiles, writeFiles, type Codec, type Line } from '../../helpers/kafka-foreign.ts';
import { codecName, storedBatches } from '../../helpers/kafka-log.ts';
import { openTestStore } from '../../helpers/store.ts';
import { arrowPredictions } from '../../../testkit/arrow-events.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { createIngestTopics, eventually, type Topics } from './daemon.ts';
import { startIngest, type Harness } from './harness.ts';

const ALL: Codec[] = ['none', ...CODECS];
const JSON_EVENTS = 25;
const ARROW_ROWS = 40;

function jsonLines(prefix: string, headers: (i: number) => Record<string, string> | undefined): { lines: Line[]; ids: string[]; badKey: string } {
  const ids = Array.from({ length: JSON_EVENTS }, (_, i) => `${prefix}-${i}`);
  const lines: Line[] = ids.map((id, i) => ({ key: `key-${id}`, value: JSON.stringify(predictionEvent(i, { prefix })), headers: headers(i) }));
  const badKey = `key-${prefix}-bad`;
  // Not JSON: the one message of the batch that must be dead-lettered.
  lines.splice(7, 0, { key: badKey, value: `{"event_id":"${prefix}-bad","model":`, headers: headers(-1) });
  return { lines, ids, badKey };
}

describe(`foreign producers against Kafka ${kafkaVersion()}`, () => {
  const dir = tempDir('dw-foreign-');
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened?.cleanup();
    dir.remove();
  });

  it('stores what kcat and the Java client write with every codec, and dead-letters their bad messages', { timeout: 480_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics: Topics = await createIngestTopics(brokers, 'foreign', 1);
    const expected = new Set<string>();
    const bad = new Map<string, { producer: string; codec: Codec }>();

    for (const codec of ALL) {
      const k = jsonLines(`kcat-${codec}`, () => undefined);
      await kcatProduce(brokers, topics.predictions, codec, k.lines, { headers: { 'content-type': 'application/json', 'x-producer': 'kcat' } });
      k.ids.forEach((id) => expected.add(id));
      bad.set(k.badKey, { producer: 'kcat', codec });

      const files = writeFiles(dir.path, `arrow-${codec}`, [arrowPredictions(0, ARROW_ROWS, { prefix: `kcat-arrow-${codec}-a` }), arrowPredictions(0, ARROW_ROWS, { prefix: `kcat-arrow-${codec}-b` })]);
      await kcatProduceFiles(brokers, topics.predictions, codec, files, { key: `arrow-${codec}`, headers: { 'content-type': 'application/vnd.apache.arrow.stream', 'x-producer': 'kcat' } });
      for (const half of ['a', 'b']) for (let i = 0; i < ARROW_ROWS; i++) expected.add(`kcat-arrow-${codec}-${half}-${i}`);

      const j = jsonLines(`java-${codec}`, (i) => ({ 'content-type': 'application/json', 'x-producer': 'java', 'x-line': String(i) }));
      await consoleProduce(brokers, topics.predictions, codec, j.lines);
      j.ids.forEach((id) => expected.add(id));
      bad.set(j.badKey, { producer: 'java', codec });
    }

    harness = await startIngest({ store: opened.store, brokers, topics, ingest: { flush_interval: '100ms' }, kafka: { dead_letter_compression: 'lz4' } });
    const h = harness;
    try {
      await eventually(
        'every event stored',
        async () => {
          const [r] = await opened.store.query<{ c: string }>('SELECT count() AS c FROM predictions');
          return Number(r?.c) === expected.size || `${r?.c}/${expected.size}`;
        },
        90_000,
      );
    } catch (e) {
      console.log(h.logs.filter((l) => !l.includes('"level":"info"')).slice(-20).join('\n'));
      throw e;
    }
    const rows = await opened.store.query<{ event_id: string }>('SELECT event_id FROM predictions');
    expect(rows).toHaveLength(expected.size);
    expect(new Set(rows.map((r) => r.event_id))).toEqual(expected);

    // The bad messages, one dead letter each, with the producer's key and headers kept.
    const dead = await readTopic(brokers, topics.dead_letter, bad.size);
    expect(dead).toHaveLength(bad.size);
    for (const m of dead) {
      const hs = headersOf(m);
      const origin = bad.get(m.key?.toString() ?? '');
      expect(origin, `dead letter with key ${m.key?.toString()}`).toBeDefined();
      expect(hs[DLQ_HEADERS.reason]).toBe('invalid_json');
      expect(hs[DLQ_HEADERS.topic]).toBe(topics.predictions);
      expect(hs['x-producer']).toBe(origin!.producer);
      expect(hs['content-type']).toBe('application/json');
    }
    expect(await h.metric('driftwatch_ingest_undecodable_batches_total')).toBe(0);
    // No batch failed the consumer (a fresh broker may fail a first join with "coordinator loading").
    expect(h.logs.filter((l) => l.includes('Kafka consumer failed') && !/coordinator|rebalanc/i.test(l))).toEqual([]);
    expect(h.ingest.consumer?.readiness().ready).toBe(true);

    // On disk: each producer's batches carry their codec (they did compress),
    // and the dead letters went out lz4-compressed.
    const logDir = kafkaLogDir();
    if (logDir) {
      const codecs = storedBatches(logDir, topics.predictions, 0).map((b) => codecName(b.codec));
      for (const codec of ALL) expect(codecs.filter((c) => c === codec).length, `${codec} batches`).toBeGreaterThanOrEqual(3);
      expect(new Set(storedBatches(logDir, topics.dead_letter, 0).map((b) => codecName(b.codec)))).toEqual(new Set(['lz4']));
    }
  });
});
