// Real driftwatch daemons (`bin/driftwatch.mjs start`) with `clickhouse.url`
// pointing at the test ClickHouse server: one migrates, ingests over HTTP,
// answers POST /v1/sql and runs a detector; then two at once share the store.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadMigrations } from '../../src/core/store/migrate.ts';
import { predictionEvent } from '../../testkit/events.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { spawnCli, type Spawned } from '../helpers/cli.ts';
import { startClickHouseServer, type ClickHouseServerProcess } from './process.ts';

const DATABASE = 'dw_shared';
let srv: ClickHouseServerProcess;
let dir: ReturnType<typeof tempDir>;
let direct: ClickHouseClient;
const daemons: RunningDaemon[] = [];

beforeAll(async () => {
  srv = await startClickHouseServer();
  dir = tempDir('dw-chserver-daemon-');
  direct = createClient({ url: srv.url, database: DATABASE });
});
afterAll(async () => {
  for (const d of daemons) if (d.spawned.child.exitCode === null) await stopDaemon(d);
  await direct?.close();
  await srv?.stop();
  dir?.remove();
});

function configFor(name: string, extra: Record<string, unknown> = {}): string {
  const path = join(dir.path, `${name}.yaml`);
  const config = {
    data_dir: join(dir.path, name),
    http: { port: 0 },
    log: { level: 'info' },
    clickhouse: { url: srv.url, database: DATABASE, connect_retry_max: '1s' },
    kafka: { enabled: false },
    scheduler: { enabled: false },
    ingest: { flush_interval: '50ms' },
    shutdown_timeout: '30s',
    ...extra,
  };
  writeFileSync(path, stringify(config));
  return path;
}

interface RunningDaemon {
  spawned: Spawned;
  port: number;
  sql<T = Record<string, unknown>>(query: string): Promise<T[]>;
}

/** Start `driftwatch start` and wait until its HTTP server listens (the store opens after). */
async function start(name: string, extra: Record<string, unknown> = {}): Promise<RunningDaemon> {
  const spawned = spawnCli(['start', '--config', configFor(name, extra)]);
  const deadline = Date.now() + 60_000;
  let port: number | undefined;
  while (port === undefined) {
    const line = spawned.output().split('\n').find((l) => l.includes('"msg":"http listening"'));
    const m = line ? /"port":(\d+)/.exec(line) : null;
    if (m) port = Number(m[1]);
    else if (spawned.child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon ${name} did not start:\n${spawned.output()}`);
    else await new Promise((r) => setTimeout(r, 50));
  }
  while (!spawned.output().includes('"msg":"daemon running"')) {
    if (spawned.child.exitCode !== null || Date.now() > deadline) throw new Error(`daemon ${name} did not get running:\n${spawned.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  const d: RunningDaemon = {
    spawned,
    port,
    async sql<T>(query: string): Promise<T[]> {
      const r = await fetch(`http://127.0.0.1:${port}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const body = (await r.json()) as { rows?: T[] };
      if (r.status !== 200 || !body.rows) throw new Error(`sql failed (${r.status}): ${JSON.stringify(body).slice(0, 300)}`);
      return body.rows;
    },
  };
  daemons.push(d);
  return d;
}

async function stopDaemon(d: RunningDaemon): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  d.spawned.child.kill('SIGTERM');
  return d.spawned.exited;
}

async function ingest(d: RunningDaemon, prefix: string, n: number): Promise<void> {
  const body = Array.from({ length: n }, (_, i) => JSON.stringify(predictionEvent(i, { prefix }))).join('\n') + '\n';
  const r = await fetch(`http://127.0.0.1:${d.port}/v1/predictions`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, body });
  expect(r.status, await r.clone().text()).toBe(200);
  expect(await r.json()).toMatchObject({ accepted: n, stored: true });
}

const count = async (d: RunningDaemon, where: string) => Number((await d.sql<{ c: unknown }>(`SELECT count() AS c FROM predictions WHERE ${where}`))[0]?.c);

// Child processes on a shared 2-core machine: generous time, no performance claim.
const SLOW = 180_000;

describe('driftwatch daemons on the test ClickHouse server', () => {
  it('one daemon migrates the server, ingests over HTTP, answers /v1/sql and runs a detector', async () => {
    const a = await start('a', { detectors: { min_samples: 10, jobs: [{ name: 'drift', window: '1h', delay: '0s', models: ['fraud'] }] } });
    expect(a.spawned.output()).toMatch(/"kind":"server"[^\n]*"msg":"store opened"/);
    const ready = await fetch(`http://127.0.0.1:${a.port}/readyz`);
    expect(ready.status).toBe(200);

    const migrations = loadMigrations().length;
    // Bookkeeping tables are not readable through /v1/sql: ask the server directly.
    expect(await (await direct.query({ query: 'SELECT count() AS c, uniqExact(version) AS u FROM schema_migrations', format: 'JSONEachRow' })).json()).toEqual([{ c: migrations, u: migrations }]);

    await ingest(a, 'one', 200);
    expect(await count(a, "startsWith(event_id, 'one-')")).toBe(200);
    // The rows are on the server, not in a store of the daemon's own.
    const viaServer = await (await direct.query({ query: "SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'one-')", format: 'JSONEachRow' })).json<{ c: number }>();
    expect(viaServer).toEqual([{ c: 200 }]);
    expect(Number((await a.sql<{ c: unknown }>("SELECT count() AS c FROM feature_values WHERE startsWith(event_id, 'one-')"))[0]?.c)).toBe(200 * 20);

    // /v1/sql is read-only on the server too: the guard refuses the write
    // before it reaches the engine (which runs SQL with readonly=1 beneath).
    const write = await fetch(`http://127.0.0.1:${a.port}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'INSERT INTO predictions (event_id) VALUES (\'x\')' }) });
    expect(write.status).toBe(400);
    expect(await write.json()).toMatchObject({ code: 'DW_SQL_REFUSED' });
    // Its row limit is a setting of that query only.
    const limited = await fetch(`http://127.0.0.1:${a.port}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: "SELECT event_id FROM predictions WHERE startsWith(event_id, 'one-') ORDER BY event_id", limit: 5 }) });
    expect(await limited.json()).toMatchObject({ truncated: true, rows: [{ event_id: 'one-0' }, { event_id: 'one-1' }, { event_id: 'one-10' }, { event_id: 'one-100' }, { event_id: 'one-101' }] });
    expect(await count(a, "startsWith(event_id, 'one-')")).toBe(200);

    // A detector run: bound parameters, per-query settings and score inserts through the server.
    const detect = await fetch(`http://127.0.0.1:${a.port}/v1/detect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ window_end: '2026-11-23T19:00:00Z' }) });
    const runs = ((await detect.json()) as { runs: Array<{ status: string; scores: number; error: string }> }).runs;
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'ok', error: '' });
    expect(runs[0]?.scores).toBeGreaterThan(0);
    const stored = await (await direct.query({ query: "SELECT count() AS c FROM drift_scores WHERE detector = 'drift'", format: 'JSONEachRow' })).json<{ c: number }>();
    expect(stored[0]?.c).toBe(runs[0]?.scores);
  }, SLOW);

  it('two daemons at once share the store: both ingest, both read everything, migrations applied once', async () => {
    const a = daemons[0] ?? (await start('a'));
    const b = await start('b');
    expect(b.spawned.output()).toMatch(/"kind":"server"[^\n]*"msg":"store opened"/);
    await Promise.all([ingest(a, 'from-a', 300), ingest(b, 'from-b', 300), ingest(a, 'from-a2', 100), ingest(b, 'from-b2', 100)]);
    for (const d of [a, b]) {
      expect(await count(d, "startsWith(event_id, 'from-')")).toBe(800);
      expect(await d.sql("SELECT count() AS c, uniqExact(event_id) AS u FROM predictions WHERE startsWith(event_id, 'from-')")).toEqual([{ c: 800, u: 800 }]);
    }
    const migrations = loadMigrations().length;
    expect(await (await direct.query({ query: 'SELECT count() AS c FROM schema_migrations', format: 'JSONEachRow' })).json()).toEqual([{ c: migrations }]);
    // Both stop cleanly while the server keeps running, having logged no error.
    expect(await stopDaemon(a)).toMatchObject({ code: 0 });
    expect(await stopDaemon(b)).toMatchObject({ code: 0 });
    expect(srv.child.exitCode).toBeNull();
    for (const d of [a, b]) expect(d.spawned.output().split('\n').filter((l) => /"level":(50|60)/.test(l))).toEqual([]);
  }, SLOW);
});
