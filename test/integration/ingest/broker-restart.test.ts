// Broker restart: a dedicated broker (scripts/kafka.sh, its own state dir and
// port, so other test files keep theirs) is stopped while the consumer runs
// and started again on the same data; the consumer rejoins and goes on, and
// every event is stored exactly once.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Partitioners } from 'kafkajs';
import { REPO_ROOT } from '../../helpers/cli.ts';
import { testKafka } from '../../helpers/kafka.ts';
import { freePort } from '../../../testkit/ports.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { createIngestTopics, eventually } from './daemon.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

const run = promisify(execFile);

describe('ingest across a broker restart', () => {
  const state = tempDir('dw-broker-');
  let env: NodeJS.ProcessEnv;
  let brokers: string[];
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness | null = null;

  const kafkaSh = async (cmd: 'start' | 'stop', keep = false): Promise<string> => {
    const { stdout } = await run('bash', [join(REPO_ROOT, 'scripts/kafka.sh'), cmd], { env: { ...env, ...(keep ? { KAFKA_KEEP_DATA: '1' } : {}) }, timeout: 240_000 });
    return stdout.trim().split('\n').pop() ?? '';
  };

  beforeAll(async () => {
    env = { ...process.env, KAFKA_STATE_DIR: state.path, KAFKA_PORT: String(await freePort()), KAFKA_CONTROLLER_PORT: String(await freePort()) };
    delete env.KAFKA_KEEP_DATA;
    brokers = [await kafkaSh('start')];
    opened = await openTestStore();
  }, 300_000);

  afterAll(async () => {
    await harness?.stop();
    await kafkaSh('stop').catch(() => undefined);
    await opened?.cleanup();
    state.remove();
  }, 120_000);

  async function produce(topic: string, from: number, n: number): Promise<void> {
    const producer = testKafka('restart-producer', brokers).producer({ createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 20 } });
    await producer.connect();
    const messages = Array.from({ length: n }, (_, k) => ({ value: JSON.stringify(predictionEvent(from + k)) }));
    for (let i = 0; i < n; i += 1000) await producer.send({ topic, messages: messages.slice(i, i + 1000) });
    await producer.disconnect();
  }

  it('rejoins after the broker comes back and stores everything once', { timeout: 240_000 }, async () => {
    const topics = await createIngestTopics(brokers, 'restart', 2);
    harness = await startIngest({ store: opened.store, brokers, topics, ingest: { flush_interval: '100ms' } });
    const h = harness;
    const count = () => countRows(opened.store, 'SELECT count() AS c FROM predictions');

    await produce(topics.predictions, 0, 3_000);
    await eventually('3,000 stored', async () => (await count()) === 3_000, 30_000);
    expect(h.ingest.consumer?.readiness()).toMatchObject({ ready: true });
    const joinsBefore = await h.metric('driftwatch_ingest_rebalances_total');

    await kafkaSh('stop');
    await new Promise((r) => setTimeout(r, 3_000));
    await kafkaSh('start', true);

    await produce(topics.predictions, 3_000, 3_000);
    await eventually('6,000 stored', async () => (await count()) === 6_000, 120_000, 500);
    await eventually('consumer ready', async () => h.ingest.consumer?.readiness().ready === true, 60_000);
    // Whether the member had to rejoin depends on how fast the coordinator came back; either way it went on.
    console.log(`broker restart: ${(await h.metric('driftwatch_ingest_rebalances_total')) - joinsBefore} group join(s) after the restart`);
    const [r] = await opened.store.query<{ c: string; u: string }>('SELECT count() AS c, uniqExact(event_id) AS u FROM predictions');
    expect({ c: Number(r?.c), u: Number(r?.u) }).toEqual({ c: 6_000, u: 6_000 });
  });
});
