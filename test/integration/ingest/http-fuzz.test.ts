// Fuzz (issue 10): a seeded, fixed-budget loop of mutated valid JSON,
// NDJSON and Arrow inputs against a real daemon (`driftwatch start`, its
// embedded store, a real broker), over HTTP and over Kafka, while /healthz
// is polled and the daemon's RSS sampled:
//   - HTTP: every answer is a 2xx or 4xx with a body (never 500, never a
//     dropped connection);
//   - Kafka: mutated messages (and the Arrow streams that used to crash the
//     process) go to a unique topic; the daemon keeps consuming (a sentinel
//     produced last is stored), dead-letters the bad ones, and commits up to
//     the end of the topic;
//   - no /healthz answer slower than a second, the daemon never exits, and
//     its peak RSS is printed and bounded.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Partitioners, type Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { kafkaBrokers, testKafka } from '../../helpers/kafka.ts';
import { arrowPredictions } from '../../../testkit/arrow-events.ts';
import { predictionEvent, rng } from '../../../testkit/events.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { createIngestTopics, eventually, startDaemon, stopDaemon, writeDaemonConfig, type RunningDaemon } from './daemon.ts';

const SEED = 20261129;
const HTTP_BUDGET = 300;
const KAFKA_BUDGET = 300;
const FIXTURES = join(import.meta.dirname, '../../regression/fixtures');

const dir = tempDir('dw-http-fuzz-');
let daemon: RunningDaemon | null = null;
afterAll(async () => {
  if (daemon) await stopDaemon(daemon, 'SIGKILL');
  dir.remove();
});

type Input = { bytes: Uint8Array; contentType: string | undefined };

function bases(i: number): Input[] {
  const now = Date.now();
  const ev = (k: number) => ({ ...predictionEvent(i * 100 + k, { prefix: `fz${i}` }), ts: new Date(now - 60_000 + k).toISOString() });
  const many = Array.from({ length: 20 }, (_, k) => ev(k));
  return [
    { bytes: Buffer.from(JSON.stringify(ev(0))), contentType: 'application/json' },
    { bytes: Buffer.from(JSON.stringify(many)), contentType: 'application/json' },
    { bytes: Buffer.from(many.map((e) => JSON.stringify(e)).join('\n') + '\n'), contentType: 'application/x-ndjson' },
    { bytes: arrowPredictions(i * 100, 5, { prefix: `fza${i}` }), contentType: 'application/vnd.apache.arrow.stream' },
  ];
}

const CONTENT_TYPES = [undefined, 'application/json', 'application/x-ndjson', 'application/vnd.apache.arrow.stream', 'application/octet-stream', 'text/plain', 'application/avro'];

/** One to three random mutations of a valid input. */
function mutate(input: Input, random: () => number): Input {
  let b = Buffer.from(input.bytes);
  let contentType = input.contentType;
  const at = () => Math.floor(random() * Math.max(1, b.length));
  for (let m = 0, n = 1 + Math.floor(random() * 3); m < n; m++) {
    switch (Math.floor(random() * 8)) {
      case 0:
        b[at()] = Math.floor(random() * 256);
        break;
      case 1: {
        const i = at();
        b[i] = 0xff;
        if (i + 1 < b.length) b[i + 1] = random() < 0.5 ? 0x7f : 0xff;
        break;
      }
      case 2:
        b = b.subarray(0, at());
        break;
      case 3: {
        const i = at();
        b = Buffer.concat([b.subarray(0, i), Buffer.from(Array.from({ length: 1 + Math.floor(random() * 8) }, () => Math.floor(random() * 256))), b.subarray(i)]);
        break;
      }
      case 4: {
        const i = at();
        const j = Math.min(b.length, i + Math.floor(random() * 64));
        b = Buffer.concat([b.subarray(0, j), b.subarray(i, j), b.subarray(j)]);
        break;
      }
      case 5:
        b = Buffer.from(b.toString('latin1').replace(/\d+(\.\d+)?/, '1e400'), 'latin1');
        break;
      case 6:
        b = Buffer.from(b.toString('latin1').replace(/"([a-z]{2})/, '"\\ud800$1'), 'latin1');
        break;
      default:
        contentType = CONTENT_TYPES[Math.floor(random() * CONTENT_TYPES.length)];
    }
  }
  return { bytes: b, contentType };
}

function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

describe('fuzz: mutated JSON, NDJSON and Arrow over HTTP and Kafka', () => {
  it('never crashes, stalls or grows without bound', { timeout: 300_000 }, async () => {
    const brokers = kafkaBrokers();
    const topics = await createIngestTopics(brokers, 'fuzz', 1);
    const group = `fuzz-${Date.now().toString(36)}`;
    daemon = await startDaemon(writeDaemonConfig(dir.path, { brokers, topics, group, ingest: { flush_interval: '200ms' } }));
    const d = daemon;
    const base = `http://127.0.0.1:${d.port}`;
    const pid = d.spawned.child.pid!;

    // Watchers: /healthz latency and the daemon's RSS.
    let watching = true;
    let slowest = 0;
    let peakRss = rssMb(pid);
    const watcher = (async () => {
      while (watching) {
        const t0 = performance.now();
        const r = await fetch(`${base}/healthz`).catch((e: unknown) => e);
        if (!(r instanceof Response) || r.status !== 200) throw new Error(`/healthz failed: ${String(r)}`);
        await r.arrayBuffer();
        slowest = Math.max(slowest, performance.now() - t0);
        peakRss = Math.max(peakRss, rssMb(pid));
        await new Promise((res) => setTimeout(res, 50));
      }
    })();

    // HTTP.
    const random = rng(SEED);
    const statuses = new Map<number, number>();
    for (let i = 0; i < HTTP_BUDGET; i++) {
      const pick = bases(i);
      const input = mutate(pick[Math.floor(random() * pick.length)]!, random);
      const path = random() < 0.8 ? '/v1/predictions' : '/v1/labels';
      const r = await fetch(base + path, { method: 'POST', body: input.bytes, headers: input.contentType ? { 'content-type': input.contentType } : {} });
      const text = await r.text();
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      expect([200, 202, 400, 413], `${r.status} ${text.slice(0, 300)}`).toContain(r.status);
      expect(() => JSON.parse(text)).not.toThrow();
    }
    console.log(`HTTP: ${HTTP_BUDGET} mutated requests; statuses ${JSON.stringify(Object.fromEntries(statuses))}`);

    // Kafka: mutated messages, the crash fixtures, then a sentinel.
    const producer = testKafka('fuzz-producer', brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const messages: Message[] = [];
    for (let i = 0; i < KAFKA_BUDGET; i++) {
      const pick = bases(1000 + i);
      const input = mutate(pick[Math.floor(random() * pick.length)]!, random);
      messages.push({ value: Buffer.from(input.bytes), headers: input.contentType && random() < 0.5 ? { 'content-type': input.contentType } : {} });
    }
    const crashing = readdirSync(FIXTURES).filter((n) => n.startsWith('arrow-2bytes-at-'));
    for (const name of crashing) messages.push({ value: readFileSync(join(FIXTURES, name)), headers: { 'content-type': 'application/vnd.apache.arrow.stream' } });
    const sentinel = `sentinel-${Date.now().toString(36)}`;
    messages.push({ value: JSON.stringify({ ...predictionEvent(0), event_id: sentinel, ts: new Date().toISOString() }) });
    for (let i = 0; i < messages.length; i += 50) await producer.send({ topic: topics.predictions, messages: messages.slice(i, i + 50) });
    await producer.disconnect();

    await eventually('the sentinel stored', async () => Number((await d.sql<{ c: string }>(`SELECT count() AS c FROM predictions WHERE event_id = '${sentinel}'`))[0]?.c) === 1, 120_000);
    const admin = testKafka('fuzz-admin', brokers).admin();
    await admin.connect();
    try {
      const [end] = await admin.fetchTopicOffsets(topics.predictions);
      await eventually(
        'offsets committed to the end of the topic',
        async () => {
          const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topics.predictions] });
          return committed?.partitions[0]?.offset === end?.offset || `${committed?.partitions[0]?.offset} of ${end?.offset}`;
        },
        60_000,
      );
      // Every crash fixture was dead-lettered as invalid_arrow.
      const dlq = testKafka('fuzz-dlq', brokers).consumer({ groupId: `${group}-dlq` });
      await dlq.connect();
      await dlq.subscribe({ topic: topics.dead_letter, fromBeginning: true });
      const reasons = new Map<string, number>();
      const fixtureOffsets = new Set(Array.from({ length: crashing.length }, (_, k) => String(KAFKA_BUDGET + k)));
      const deadLettered = new Set<string>();
      void dlq.run({
        eachMessage: async ({ message }) => {
          const reason = message.headers?.['dw-reason']?.toString() ?? '?';
          reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
          const offset = message.headers?.['dw-original-offset']?.toString() ?? '';
          if (fixtureOffsets.has(offset) && reason === 'invalid_arrow') deadLettered.add(offset);
        },
      });
      await eventually('the crash fixtures dead-lettered', async () => deadLettered.size === crashing.length || `${deadLettered.size} of ${crashing.length}`, 60_000);
      await dlq.disconnect();
      console.log(`Kafka: ${messages.length} messages; dead letters by reason ${JSON.stringify(Object.fromEntries(reasons))}`);
    } finally {
      await admin.disconnect();
    }

    watching = false;
    await watcher;
    console.log(`slowest /healthz ${slowest.toFixed(1)} ms; daemon peak RSS ${peakRss.toFixed(0)} MB`);
    expect(d.spawned.child.exitCode).toBeNull();
    expect(slowest).toBeLessThan(1000);
    expect(peakRss).toBeLessThan(2048);
  });
});
