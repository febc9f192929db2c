// Where the demo's simulated model servers log to: Kafka topics the daemon
// consumes (as in production), or the daemon's HTTP ingest.
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { SimBatch } from './simulator.ts';

export interface Feed {
  readonly via: 'kafka' | 'http';
  send(batch: SimBatch): Promise<void>;
  close(): Promise<void>;
}

const ndjson = (xs: readonly unknown[]): string => xs.map((x) => JSON.stringify(x)).join('\n') + '\n';

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

export function httpFeed(base: string, token?: string): Feed {
  const post = async (path: string, rows: readonly unknown[]): Promise<void> => {
    for (const part of chunks(rows, 5000)) {
      const res = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: ndjson(part),
      });
      if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
    }
  };
  return {
    via: 'http',
    async send(b) {
      if (b.predictions.length) await post('/v1/predictions', b.predictions);
      if (b.labels.length) await post('/v1/labels', b.labels);
    },
    async close() {},
  };
}

export async function kafkaFeed(brokers: string, topics: { predictions: string; labels: string }, groupId?: string): Promise<Feed> {
  const kafka = new Kafka({ clientId: 'driftwatch-demo-traffic', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [topics.predictions, topics.labels].map((topic) => ({ topic, numPartitions: 3 })), waitForLeaders: true });
    // On a fresh broker the group coordinator (__consumer_offsets) appears on
    // first use; asking for the group here (with retries) spares the daemon's
    // consumer a failed first join.
    if (groupId) await admin.describeGroups([groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  const producer: Producer = kafka.producer({ allowAutoTopicCreation: true });
  await producer.connect();
  const headers = { 'content-type': 'application/x-ndjson' };
  // Model servers batch: one NDJSON message per model and a few hundred events.
  const send = async (topic: string, rows: ReadonlyArray<{ model: string }>): Promise<void> => {
    const byModel = new Map<string, Array<{ model: string }>>();
    for (const r of rows) byModel.set(r.model, [...(byModel.get(r.model) ?? []), r]);
    const messages = [...byModel.entries()].flatMap(([model, xs]) => chunks(xs, 500).map((part) => ({ key: model, value: ndjson(part), headers })));
    if (messages.length) await producer.send({ topic, messages });
  };
  return {
    via: 'kafka',
    async send(b) {
      await send(topics.predictions, b.predictions);
      await send(topics.labels, b.labels);
    },
    close: () => producer.disconnect(),
  };
}
