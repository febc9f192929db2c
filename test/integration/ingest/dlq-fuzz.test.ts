// Bad messages never stall a partition: 1,200+ fuzzed bad messages of every
// kind interleaved with good ones (single events, arrays, Arrow batches).
// Every good event is stored, every bad message (or bad event of a
// multi-event message) is in the dead-letter topic with its origin and reason,
// and randomly mutated messages are each either stored or dead-lettered.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners, type Message } from 'kafkajs';
import { Table, Utf8, tableToIPC, vectorFromArray } from 'apache-arrow';
import { DLQ_HEADERS } from '../../../src/ingest/dlq.ts';
import { kafkaBrokers, testKafka, uniqueGroup } from '../../helpers/kafka.ts';
import { openTestStore } from '../../helpers/store.ts';
import { arrowPredictions } from '../../../testkit/arrow-events.ts';
import { predictionEvent, rng } from '../../../testkit/events.ts';
import { createIngestTopics, eventually } from './daemon.ts';
import { startIngest, type Harness } from './harness.ts';

interface Planned {
  message: Message;
  /** Reasons expected in the DLQ, by index in the message ('*' = whole message). */
  bad: Record<string, string>;
  good: string[];
  mutant?: boolean;
}

const TS = '2026-11-23T18:00:00.000Z';
const random = rng(7);

function badMessages(i: number): Planned {
  const id = `bad-${i}`;
  const j = (o: unknown) => JSON.stringify(o);
  const kinds: Array<() => Planned> = [
    () => ({ message: { value: `{"event_id":"${id}","model":` }, bad: { '*': 'invalid_json' }, good: [] }),
    () => ({ message: { value: `{"event_id":"${id}","model":"m","ts":"${TS}","features":{"a":NaN}}` }, bad: { '*': 'invalid_json' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, ts: TS }) }, bad: { '*': 'missing_field' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm' }) }, bad: { '*': 'missing_field' }, good: [] }),
    () => ({ message: { value: j({ event_id: null, model: 'm', ts: TS }) }, bad: { '*': 'missing_field' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: TS, features: { x: { y: 1 } } }) }, bad: { '*': 'wrong_type' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: ['m'], ts: TS }) }, bad: { '*': 'wrong_type' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: 'tomorrow' }) }, bad: { '*': 'bad_timestamp' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: 1_700_000_000 }) }, bad: { '*': 'bad_timestamp' }, good: [] }),
    () => ({ message: { value: `{"event_id":"${id}","model":"m","ts":"${TS}","features":{"a":1e999}}` }, bad: { '*': 'non_finite' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: TS, features: { pad: 'x'.repeat(70_000) } }) }, bad: { '*': 'oversize' }, good: [] }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: TS, features: Object.fromEntries(Array.from({ length: 150 }, (_, k) => [`f${k}`, k])) }) }, bad: { '*': 'oversize' }, good: [] }),
    () => ({ message: { value: null }, bad: { '*': 'empty' }, good: [] }),
    () => ({ message: { value: '"just a string"' }, bad: { '*': 'not_an_object' }, good: [] }),
    () => ({ message: { value: '[]' }, bad: { '*': 'empty' }, good: [] }),
    () => ({ message: { value: Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5]) }, bad: { '*': 'invalid_arrow' }, good: [] }),
    () => ({
      message: { value: Buffer.from(tableToIPC(new Table({ event_id: vectorFromArray([id], new Utf8()), ts: vectorFromArray([TS], new Utf8()) }), 'stream')) },
      bad: { '*': 'arrow_schema' },
      good: [],
    }),
    () => ({ message: { value: j({ event_id: id, model: 'm', ts: TS }), headers: { 'content-type': 'application/avro' } }, bad: { '*': 'unsupported_format' }, good: [] }),
    () => ({ message: { value: Buffer.from(Array.from({ length: 40 }, () => Math.floor(random() * 256)).map((b, k) => (k === 0 ? 0x01 : b))) }, bad: { '*': 'invalid_json' }, good: [] }),
    () => ({
      // A multi-event message: the good events are stored, the bad one goes to the DLQ by itself.
      message: { value: j([predictionEvent(i, { prefix: 'arr-good-a' }), { event_id: id, model: 'm', ts: TS, confidence: 'high' }, predictionEvent(i, { prefix: 'arr-good-b' })]) },
      bad: { '1': 'wrong_type' },
      good: [`arr-good-a-${i}`, `arr-good-b-${i}`],
    }),
  ];
  return kinds[i % kinds.length]!();
}

function mutant(i: number): Planned {
  const bytes = Buffer.from(JSON.stringify(predictionEvent(i, { prefix: 'mut' })));
  const flips = 1 + Math.floor(random() * 3);
  for (let k = 0; k < flips; k++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 128);
  return { message: { value: bytes }, bad: {}, good: [], mutant: true };
}

describe('dead-letter topic under fuzzed input', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  beforeAll(async () => {
    opened = await openTestStore();
  });
  afterAll(async () => {
    await harness?.stop();
    await opened.cleanup();
  });

  it('stores every good event, dead-letters every bad one with a reason, and keeps flowing', { timeout: 120_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'fuzz', 1);
    harness = await startIngest({ store: opened.store, brokers, topics, ingest: { max_message_bytes: 65_536, max_features: 100, flush_interval: '100ms' } });
    const h = harness;

    const plan: Planned[] = [];
    let good = 0;
    for (let i = 0; i < 1_200; i++) {
      plan.push({ message: { value: JSON.stringify(predictionEvent(i, { prefix: 'good' })) }, bad: {}, good: [`good-${i}`] });
      if (i % 2 === 0) plan.push({ message: { value: JSON.stringify(predictionEvent(i, { prefix: 'good-epoch', epochMs: true })) }, bad: {}, good: [`good-epoch-${i}`] });
      plan.push(badMessages(i));
      if (i % 4 === 0) plan.push(mutant(i));
      if (i % 100 === 0) {
        plan.push({ message: { value: Buffer.from(arrowPredictions(i, 50, { prefix: 'arrow' })) }, bad: {}, good: Array.from({ length: 50 }, (_, k) => `arrow-${i + k}`) });
        plan.push({
          message: { value: Buffer.from(arrowPredictions(i, 5, { prefix: 'arrow-nan', nanAt: 2 })), headers: { 'content-type': 'application/vnd.apache.arrow.stream' } },
          bad: { '2': 'non_finite' },
          good: [0, 1, 3, 4].map((k) => `arrow-nan-${i + k}`),
        });
      }
    }
    for (const p of plan) good += p.good.length;
    const badCount = plan.reduce((n, p) => n + Object.keys(p.bad).length, 0);
    expect(badCount).toBeGreaterThanOrEqual(1_000);

    const producer = testKafka('fuzz-producer').producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const offsets: string[] = [];
    for (let i = 0; i < plan.length; i += 500) {
      const batch = plan.slice(i, i + 500);
      const [meta] = await producer.send({ topic: topics.predictions, messages: batch.map((p) => p.message) });
      for (let k = 0; k < batch.length; k++) offsets.push(String(Number(meta!.baseOffset) + k));
    }
    await producer.disconnect();

    // Read the DLQ until every expected dead letter is there.
    const dead = new Map<string, Record<string, string>>();
    const deadOffsets = new Set<string>();
    const reader = testKafka('fuzz-dlq-reader').consumer({ groupId: uniqueGroup('fuzz-dlq') });
    await reader.connect();
    await reader.subscribe({ topic: topics.dead_letter, fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        const hs = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        dead.set(`${hs[DLQ_HEADERS.offset]}/${hs[DLQ_HEADERS.index] ?? '*'}`, hs);
        deadOffsets.add(String(hs[DLQ_HEADERS.offset]));
      },
    });
    const mutants = plan.filter((p) => p.mutant).length;
    try {
      await eventually('all dead letters', async () => dead.size >= badCount || `${dead.size}/${badCount}`, 60_000);
      await eventually(
        'all good events stored',
        async () => {
          const [r] = await opened.store.query<{ c: string }>("SELECT count() AS c FROM predictions WHERE NOT startsWith(event_id, 'mut-')");
          return Number(r?.c) === good || `${r?.c}/${good}`;
        },
        60_000,
      );
      // Mutants settle too: each stored or dead-lettered (the consumer is past them all).
      await eventually(
        'every mutant accounted for',
        async () => {
          // By position: a mutation may have hit the event_id itself.
          const rows = await opened.store.query<{ o: string }>('SELECT DISTINCT toString(kafka_offset) AS o FROM predictions');
          const stored = new Set(rows.map((r) => r.o));
          // A mutant may hold a newline and read as NDJSON: then its dead letters carry indexes.
          const missing = plan.filter((p, k) => p.mutant && !stored.has(offsets[k]!) && !deadOffsets.has(offsets[k]!));
          return missing.length === 0 || `${missing.length}/${mutants} mutants unaccounted`;
        },
        30_000,
      );
    } catch (e) {
      console.log(h.logs.filter((l) => !l.includes('"level":30')).slice(-20).join('\n'));
      throw e;
    } finally {
      await reader.disconnect();
    }

    // Each planned dead letter, with its origin and reason.
    for (const [k, p] of plan.entries()) {
      for (const [index, reason] of Object.entries(p.bad)) {
        const hs = dead.get(`${offsets[k]}/${index}`);
        expect(hs, `offset ${offsets[k]} index ${index}`).toBeDefined();
        expect(hs![DLQ_HEADERS.reason]).toBe(reason);
        expect(hs![DLQ_HEADERS.topic]).toBe(topics.predictions);
        expect(hs![DLQ_HEADERS.partition]).toBe('0');
        expect(hs![DLQ_HEADERS.code]).toMatch(/^DW_INGEST_INVALID_(EVENT|MESSAGE)$/);
        expect(hs![DLQ_HEADERS.message]?.length).toBeGreaterThan(0);
      }
    }
    const [r] = await opened.store.query<{ c: string; u: string }>("SELECT count() AS c, uniqExact(event_id) AS u FROM predictions WHERE NOT startsWith(event_id, 'mut-')");
    expect({ c: Number(r?.c), u: Number(r?.u) }).toEqual({ c: good, u: good });
    expect(await h.metric('driftwatch_ingest_dead_lettered_total')).toBe(dead.size);
    expect(await h.metric('driftwatch_ingest_dead_lettered_total', { reason: 'invalid_json' })).toBeGreaterThan(100);
    expect(h.ingest.consumer?.state).toBe('joined');
  });
});
