// Consumer-group scale-out with nothing lost and nothing doubled: real
// daemons in one Kafka consumer group share the partitions of a prediction
// topic and one test ClickHouse server, while members join, are killed with
// SIGKILL and stop gracefully in the middle of a 1M-event ingest. The server
// holds every INSERT for 1.5 s after its data arrived (a loaded server), so
// rebalances land while a member's insert is still in flight, including the
// inserts of members that were just killed. At the end every produced event
// is stored exactly once.
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { createTopic, kafkaBrokers, testKafka, uniqueGroup, uniqueTopic } from '../helpers/kafka.ts';
import { block } from '../readme/readme.ts';
import { startCluster, type Cluster, type Daemon } from './daemons.ts';

const TOTAL = Number(process.env.DW_GROUP_TEST_EVENTS ?? 1_000_000);
const PARTITIONS = 6;
/** Long enough that a rebalance caused by a join usually completes while the old owner's insert is still held. */
const INSERT_DELAY_MS = 1_500;
const brokers = kafkaBrokers();
const topic = uniqueTopic('dw-group-preds');
const labels = uniqueTopic('dw-group-labels');
const group = uniqueGroup('dw-group');
let cluster: Cluster;

beforeAll(async () => {
  await createTopic(brokers, topic, PARTITIONS);
  await createTopic(brokers, labels, 1);
  cluster = await startCluster(
    'dw_group',
    () => ({
      scheduler: { enabled: false },
      kafka: {
        enabled: true,
        brokers,
        group_id: group,
        topics: { predictions: topic, labels, dead_letter: uniqueTopic('dw-group-dlq') },
        session_timeout: '6s',
        heartbeat_interval: '500ms',
        rebalance_timeout: '20s',
        connect_retry_max: '2s',
      },
      ingest: { flush_interval: '100ms' },
    }),
    { insertDelayMs: INSERT_DELAY_MS },
  );
}, 120_000);

afterAll(async () => {
  await cluster?.close();
});

/** Produce `total` predictions over the partitions, ts = now, event ids 0..total-1. */
async function produce(total: number): Promise<void> {
  const producer = testKafka('dw-group-producer').producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    const BATCH = 10_000;
    for (let start = 0; start < total; start += BATCH) {
      const ts = new Date().toISOString();
      const messages = [];
      for (let i = start; i < Math.min(total, start + BATCH); i++) {
        messages.push({
          partition: i % PARTITIONS,
          value: `{"event_id":"e${i}","ts":"${ts}","model":"m","model_version":"v1","features":{"x":${i % 97},"c":"k${i % 5}"},"prediction":${i % 2},"confidence":0.8,"latency_ms":3}`,
        });
      }
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Distinct events stored (a double would end a count() early). */
async function stored(): Promise<number> {
  const [row] = await cluster.query<{ n: string }>('SELECT uniqExact(event_id) AS n FROM predictions');
  return Number(row?.n ?? 0);
}

describe('consumer group scale-out: members join, die and leave during a 1M-event ingest', () => {
  it('stores every event exactly once', async () => {
    const log: string[] = [];
    onTestFailed(() => {
      console.error(`membership changes: ${log.join('; ')}`);
      for (const d of cluster.daemons) console.error(`--- ${d.name} (last 4000 chars)\n${d.spawned.output().slice(-4000)}`);
    });
    const t0 = Date.now();
    const note = (what: string, n: number) => log.push(`${((Date.now() - t0) / 1000).toFixed(1)}s ${what} at ${n} stored`);
    const producing = produce(TOTAL);
    const members: Record<string, Daemon> = {};
    members.a = await cluster.start('a');
    members.b = await cluster.start('b');
    // Each step waits for ingest to move on, then changes the membership.
    const steps: Array<[number, string, () => Promise<void>]> = [
      [0.05, 'start c', async () => void (members.c = await cluster.start('c'))],
      [0.15, 'kill -9 b', async () => void members.b!.spawned.child.kill('SIGKILL')],
      [0.25, 'start d', async () => void (members.d = await cluster.start('d'))],
      [0.35, 'start e', async () => void (members.e = await cluster.start('e'))],
      [0.45, 'kill -9 c', async () => void members.c!.spawned.child.kill('SIGKILL')],
      [0.55, 'SIGTERM a', async () => void members.a!.spawned.child.kill('SIGTERM')],
      [0.65, 'start f', async () => void (members.f = await cluster.start('f'))],
      [0.75, 'kill -9 d', async () => void members.d!.spawned.child.kill('SIGKILL')],
      [0.85, 'start g', async () => void (members.g = await cluster.start('g'))],
    ];
    // The README's "who is inserting what" query, as written, during the ingest.
    const inFlightSql = block('sql', 'Ingestion across a rebalance').text;
    const holders = new Set<string>();
    let n = 0;
    let lastChange = Date.now();
    let lastN = 0;
    while (n < TOTAL) {
      await new Promise((r) => setTimeout(r, 250));
      n = await stored();
      if (n !== lastN) [lastN, lastChange] = [n, Date.now()];
      // Nothing stored for a minute (a session timeout is 6 s): stuck.
      if (Date.now() - lastChange > 60_000) throw new Error(`ingest stalled at ${n} of ${TOTAL}`);
      for (const r of await cluster.query<{ holder: string }>(inFlightSql)) holders.add(r.holder);
      const next = steps[0];
      if (next && n >= next[0] * TOTAL) {
        steps.shift();
        note(next[1], n);
        await next[2]();
      }
    }
    await producing;
    // Members still running may hold an insert in flight: let it land.
    await new Promise((r) => setTimeout(r, 3 * INSERT_DELAY_MS + 2_000));
    const [row] = await cluster.query<{ n: string; u: string; lo: string; hi: string }>(
      'SELECT count() AS n, uniqExact(event_id) AS u, min(toUInt64(substring(event_id, 2))) AS lo, max(toUInt64(substring(event_id, 2))) AS hi FROM predictions',
    );
    if (process.env.DW_GROUP_TEST_LOGS) for (const d of cluster.daemons) console.log(`--- ${d.name}\n${d.spawned.output().split('\n').filter((l) => /waiting|landed|holding|confirmed|not storing|joined|resuming|passed/.test(l)).map((l) => l.slice(0, 300)).join('\n')}`);
    const [fv] = await cluster.query<{ n: string }>('SELECT count() AS n FROM feature_values');
    console.log(`consumer group: ${TOTAL} events through ${Object.keys(members).length} members in ${((Date.now() - t0) / 1000).toFixed(1)} s; ${log.join('; ')}`);
    expect({ stored: Number(row!.n), distinct: Number(row!.u), lo: Number(row!.lo), hi: Number(row!.hi) }).toEqual({ stored: TOTAL, distinct: TOTAL, lo: 0, hi: TOTAL - 1 });
    expect(Number(fv!.n)).toBe(2 * TOTAL);
    // Inserts were seen in flight, each announced by a member by its name.
    expect(holders.size).toBeGreaterThan(0);
    for (const h of holders) expect(Object.keys(members)).toContain(h);
  }, 600_000);
});
