// Real driftwatch daemons (`bin/driftwatch.mjs start`) sharing one test
// ClickHouse server, for the several-instances tests: start them, feed them
// over HTTP, scrape them, kill them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { stringify } from 'yaml';
import { tempDir } from '../../testkit/tmp.ts';
import { spawnCli, type Spawned } from '../helpers/cli.ts';
import { startClickHouseServer, type ClickHouseServerProcess, type StartOptions } from '../clickhouse-server/process.ts';

export interface Daemon {
  name: string;
  spawned: Spawned;
  port: number;
  alive(): boolean;
}

export interface Cluster {
  srv: ClickHouseServerProcess;
  direct: ClickHouseClient;
  daemons: Daemon[];
  start(name: string, extra?: Record<string, unknown>): Promise<Daemon>;
  query<T>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /** Every tenure of every role (for failure messages). */
  history(): Promise<string>;
  /** The current holder and token of a role, as the lease table says. */
  owner(role: string): Promise<{ holder: string; token: number; acquired_ms: number } | null>;
  close(): Promise<void>;
}

export async function startCluster(database: string, base: (name: string) => Record<string, unknown>, server: StartOptions = {}): Promise<Cluster> {
  const srv = await startClickHouseServer(server);
  const dir = tempDir('dw-instances-');
  const direct = createClient({ url: srv.url, database });
  const daemons: Daemon[] = [];
  const query = async <T>(sql: string, params: Record<string, unknown> = {}): Promise<T[]> => (await direct.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json<T>();
  return {
    srv,
    direct,
    daemons,
    query,
    async start(name, extra = {}) {
      const path = join(dir.path, `${name}.yaml`);
      const config = {
        data_dir: join(dir.path, name),
        http: { port: 0 },
        log: { level: 'info' },
        clickhouse: { url: srv.url, database, connect_retry_max: '1s' },
        kafka: { enabled: false },
        ingest: { flush_interval: '50ms' },
        instances: { name },
        shutdown_timeout: '20s',
        ...base(name),
        ...extra,
      };
      writeFileSync(path, stringify(config));
      const spawned = spawnCli(['start', '--config', path], { env: { KAFKAJS_NO_PARTITIONER_WARNING: '1' } });
      const deadline = Date.now() + 90_000;
      let port: number | undefined;
      while (port === undefined || !spawned.output().includes('"msg":"daemon running"')) {
        const line = spawned.output().split('\n').find((l) => l.includes('"msg":"http listening"'));
        const m = line ? /"port":(\d+)/.exec(line) : null;
        if (m) port = Number(m[1]);
        if (spawned.child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon ${name} did not start:\n${spawned.output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const d: Daemon = { name, spawned, port, alive: () => spawned.child.exitCode === null && spawned.child.signalCode === null };
      daemons.push(d);
      return d;
    },
    async history() {
      const rows = await query<{ role: string; token: string; holder: string; at: string }>(
        `SELECT role, token, argMin(holder, acquired_at) AS holder, toString(min(acquired_at)) AS at FROM instance_leases GROUP BY role, token ORDER BY role, token`,
      );
      return rows.map((r) => `${r.role}#${r.token} ${r.holder} ${r.at}`).join('; ');
    },
    async owner(role) {
      const [row] = await query<{ holder: string; token: string; acquired_ms: string; left_ms: string }>(
        `SELECT holder, token, toUnixTimestamp64Milli(min(acquired_at)) AS acquired_ms,
                toUnixTimestamp64Milli(argMax(expires_at, acquired_at)) - toUnixTimestamp64Milli(now64(3)) AS left_ms
         FROM instance_leases WHERE role = {role:String} AND token = (SELECT max(token) FROM instance_leases WHERE role = {role:String})
         GROUP BY token, holder ORDER BY min(acquired_at), holder LIMIT 1`,
        { role },
      );
      return row && Number(row.left_ms) > 0 ? { holder: row.holder, token: Number(row.token), acquired_ms: Number(row.acquired_ms) } : null;
    },
    async close() {
      for (const d of daemons) if (d.alive()) d.spawned.child.kill('SIGKILL');
      await Promise.all(daemons.map((d) => d.spawned.exited));
      await direct.close();
      await srv.stop();
      dir.remove();
    },
  };
}

/** POST predictions (ts = now) of these models to a daemon. */
export async function ingestNow(d: Daemon, models: readonly string[], perModel: number, seq: { n: number }): Promise<number> {
  const now = new Date().toISOString();
  const rows = models.flatMap((model) =>
    Array.from({ length: perModel }, () => ({
      event_id: `ev-${++seq.n}`,
      ts: now,
      model,
      model_version: 'v1',
      features: { x: seq.n % 100 },
      prediction: 1,
      confidence: 0.9,
      latency_ms: 5,
      error: null,
    })),
  );
  const r = await fetch(`http://127.0.0.1:${d.port}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body: rows.map((x) => JSON.stringify(x)).join('\n') + '\n', signal: AbortSignal.timeout(5_000) });
  if (r.status !== 200) throw new Error(`ingest into ${d.name} answered ${r.status}: ${await r.text()}`);
  return rows.length;
}

/** Sum of a metric's samples (all label sets) in a daemon's /metrics, or null when it exports no sample. */
export async function scrapeSum(d: Daemon, metric: string): Promise<number | null> {
  const text = await (await fetch(`http://127.0.0.1:${d.port}/metrics`)).text();
  let sum: number | null = null;
  for (const line of text.split('\n')) {
    if (!line.startsWith(metric)) continue;
    const rest = line.slice(metric.length);
    if (rest[0] !== '{' && rest[0] !== ' ') continue;
    sum = (sum ?? 0) + Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}
