// A driftwatch daemon in a child process (`node bin/driftwatch.mjs start`),
// as an operator runs it: its own config file, data dir and topics.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { spawnCli, type Spawned } from '../../helpers/cli.ts';
import { createTopic, uniqueGroup, uniqueTopic } from '../../helpers/kafka.ts';

export interface Topics {
  predictions: string;
  labels: string;
  dead_letter: string;
}

export async function createIngestTopics(brokers: string[], prefix: string, partitions = 4): Promise<Topics> {
  const topics = { predictions: uniqueTopic(`${prefix}-pred`), labels: uniqueTopic(`${prefix}-lab`), dead_letter: uniqueTopic(`${prefix}-dlq`) };
  await createTopic(brokers, topics.predictions, partitions);
  await createTopic(brokers, topics.labels, 1);
  await createTopic(brokers, topics.dead_letter, 1);
  return topics;
}

export function writeDaemonConfig(
  dir: string,
  opts: { brokers: string[]; topics: Topics; group?: string; ingest?: Record<string, unknown>; kafka?: Record<string, unknown>; logLevel?: 'debug' | 'info' },
): string {
  const path = join(dir, 'driftwatch.yaml');
  const config = {
    data_dir: join(dir, 'data'),
    http: { port: 0 },
    log: { level: opts.logLevel ?? 'info' },
    scheduler: { enabled: false },
    shutdown_timeout: '60s',
    kafka: { brokers: opts.brokers, group_id: opts.group ?? uniqueGroup('dw-ingest'), topics: opts.topics, connect_retry_max: '2s', ...opts.kafka },
    ingest: opts.ingest ?? {},
  };
  writeFileSync(path, stringify(config));
  return path;
}

export interface RunningDaemon {
  spawned: Spawned;
  port: number;
  /** Run a read-only query through the daemon's /v1/sql. */
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
}

async function waitFor<T>(what: string, fn: () => T | undefined, timeoutMs: number, exited: () => boolean): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (exited()) throw new Error(`daemon exited while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Start the daemon and wait until it listens and its consumer joined the group. */
export async function startDaemon(configPath: string, opts: { env?: NodeJS.ProcessEnv; waitForJoin?: boolean } = {}): Promise<RunningDaemon> {
  const spawned = spawnCli(['start', '--config', configPath], { env: { KAFKAJS_NO_PARTITIONER_WARNING: '1', ...opts.env } });
  let exited = false;
  void spawned.exited.then(() => (exited = true));
  const port = await waitFor(
    'http listening',
    () => {
      // Log lines are JSON objects; find the one saying where HTTP listens.
      const line = spawned.output().split('\n').find((l) => l.startsWith('{') && l.includes('"msg":"http listening"'));
      const port = line ? (JSON.parse(line) as { port?: number }).port : undefined;
      return typeof port === 'number' ? port : undefined;
    },
    60_000,
    () => exited,
  );
  if (opts.waitForJoin ?? true) await waitFor('consumer group join', () => (spawned.output().includes('"msg":"joined consumer group"') ? true : undefined), 60_000, () => exited);
  return {
    spawned,
    port,
    async sql<T>(query: string): Promise<T[]> {
      const r = await fetch(`http://127.0.0.1:${port}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await r.json()) as { rows?: T[]; error?: string };
      if (r.status !== 200 || !body.rows) throw new Error(`sql failed (${r.status}): ${JSON.stringify(body).slice(0, 300)}`);
      return body.rows;
    },
  };
}

/** Poll until fn() is true (or time out with the last value in the message). */
export async function eventually(what: string, fn: () => Promise<boolean | string>, timeoutMs: number, everyMs = 250): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v === true) return;
      last = v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function stopDaemon(d: RunningDaemon, signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  d.spawned.child.kill(signal);
  return d.spawned.exited;
}
