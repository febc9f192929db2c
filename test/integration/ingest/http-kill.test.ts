// An acknowledgement survives a kill, and a retry does not double (issues 10
// and 11), with a real child process (http-child.ts: the real ingest and
// HTTP server over the embedded store) killed with SIGKILL:
//   - killed right after its insert and before its answer: after a restart
//     the client retries with the same Idempotency-Key and the events are
//     stored once (the pending journal record is checked against the store);
//   - ClickHouse away: the request is answered 202 once its rows are on
//     disk in the spool; killed, restarted with ClickHouse back, the spool is
//     replayed and every event is stored once; the same key gets the same
//     202 again, and the same events without a key are all duplicates.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { tempDir } from '../../../testkit/tmp.ts';
import { predictionEvent, rng } from '../../../testkit/events.ts';
import { eventually, startDaemon, stopDaemon } from './daemon.ts';

const FIXTURE = resolve(import.meta.dirname, 'http-child.ts');
const dir = tempDir('dw-http-kill-');
const children: ChildProcess[] = [];
const faultsFile = join(dir.path, 'faults.json');
const configFile = join(dir.path, 'driftwatch.yaml');

// A failed test must not leave a child holding the store's lock for the next one.
afterEach(async () => {
  for (const c of children.splice(0)) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    const gone = new Promise((r) => c.once('exit', r));
    c.kill('SIGKILL');
    await gone;
  }
});
afterAll(() => dir.remove());

/** `spoolAfter`: how long a request waits for the store before its rows are spooled (202). */
function writeConfig(spoolAfter: string): void {
  writeFileSync(configFile, stringify({ data_dir: join(dir.path, 'data'), http: { port: 0 }, kafka: { enabled: false }, ingest: { http_spool_after: spoolAfter, insert_retry_max: '500ms' } }));
}

function setFaults(f: Record<string, boolean>): void {
  writeFileSync(faultsFile, JSON.stringify(f));
}

interface Child {
  proc: ChildProcess;
  base: string;
  output: () => string;
  exited: Promise<void>;
}

async function stopChild(c: Child): Promise<void> {
  if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGTERM');
  await c.exited;
}

async function startChild(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, DW_CONFIG: configFile, DW_FAULTS: faultsFile }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(proc);
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  const deadline = Date.now() + 90_000;
  for (;;) {
    const m = /LISTENING (\d+)/.exec(out);
    if (m) return { proc, base: `http://127.0.0.1:${m[1]}`, output: () => out, exited };
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`child did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function body(prefix: string, n: number): string {
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => JSON.stringify({ ...predictionEvent(i, { prefix }), ts: new Date(now - 60_000 + i).toISOString() })).join('\n') + '\n';
}

async function post(base: string, text: string, key?: string): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }> {
  const r = await fetch(`${base}/v1/predictions`, { method: 'POST', body: text, headers: { 'content-type': 'application/x-ndjson', ...(key ? { 'idempotency-key': key } : {}) } });
  return { status: r.status, body: (await r.json()) as Record<string, unknown>, headers: r.headers };
}

async function counts(base: string, prefix: string): Promise<{ n: number; u: number }> {
  return (await (await fetch(`${base}/test/counts?prefix=${encodeURIComponent(prefix)}`)).json()) as { n: number; u: number };
}

describe('HTTP ingest across SIGKILL', () => {
  it('a retry with the same Idempotency-Key after a kill between store and answer stores each event once', { timeout: 240_000 }, async () => {
    // Long enough that a slow machine's insert is not spooled (202) before the kill.
    writeConfig('120s');
    setFaults({});
    let child = await startChild();
    expect(await post(child.base, body('warm-', 10))).toMatchObject({ status: 200 });

    setFaults({ killAfterInsert: true });
    const payload = body('killed-', 3000);
    const lost = await post(child.base, payload, 'key-killed').catch((e: unknown) => e);
    expect(lost).toBeInstanceOf(Error);
    await child.exited;
    expect(child.proc.signalCode).toBe('SIGKILL');
    expect(child.output()).toMatch(/KILLED after inserting 3000 rows/);

    setFaults({});
    child = await startChild();
    const retry = await post(child.base, payload, 'key-killed');
    expect(retry).toMatchObject({ status: 200, body: { accepted: 3000, stored: true, duplicates: 3000 } });
    // The retry waited for the journal's pending batch to be checked against the store.
    const checked = child.output().split('\n').find((l) => l.includes('"msg":"checked a batch interrupted by the last stop"'));
    expect(JSON.parse(checked ?? '{}')).toMatchObject({ rows: 3000, stored: 3000 });
    // The answer is kept now: the next retry is replayed.
    const again = await post(child.base, payload, 'key-killed');
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await counts(child.base, 'killed-')).toEqual({ n: 3000, u: 3000 });
    // Same key, another body: 422.
    expect((await post(child.base, body('other-', 5), 'key-killed')).status).toBe(422);
    await stopChild(child);
  });

  it('202 only once the rows are spooled on disk; after a kill the spool is stored exactly once', { timeout: 240_000 }, async () => {
    writeConfig('500ms');
    setFaults({ failInserts: true });
    let child = await startChild();
    const payload = body('spooled-', 2000);
    const accepted = await post(child.base, payload, 'key-spooled');
    expect(accepted).toMatchObject({ status: 202, body: { accepted: 2000, stored: false, spooled: true } });
    const spoolDir = join(dir.path, 'data', 'ingest', 'spool');
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.spool'))).toHaveLength(1);
    child.proc.kill('SIGKILL');
    await child.exited;

    setFaults({});
    child = await startChild();
    expect(child.output()).toMatch(/replaying the HTTP ingest spool/);
    const deadline = Date.now() + 60_000;
    while ((await counts(child.base, 'spooled-')).n < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await counts(child.base, 'spooled-')).toEqual({ n: 2000, u: 2000 });
    while (readdirSync(spoolDir).some((n) => n.endsWith('.spool')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(spoolDir).filter((n) => n.endsWith('.spool'))).toHaveLength(0);

    // The client retries anyway: the same key gets the same answer, no key gets duplicates.
    const replayed = await post(child.base, payload, 'key-spooled');
    expect(replayed).toMatchObject({ status: 202, body: { accepted: 2000, spooled: true } });
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(await post(child.base, payload)).toMatchObject({ status: 200, body: { duplicates: 2000 } });
    expect(await counts(child.base, 'spooled-')).toEqual({ n: 2000, u: 2000 });
    await stopChild(child);
    expect(existsSync(join(dir.path, 'data', 'ingest', 'http-keys'))).toBe(true);
  });
});

describe('HTTP ingest across SIGKILL of the real daemon at random moments', () => {
  it('a client retrying each batch with its Idempotency-Key until acknowledged stores every event once', { timeout: 300_000 }, async () => {
    const home = tempDir('dw-http-kill-real-');
    const config = join(home.path, 'driftwatch.yaml');
    writeFileSync(config, stringify({ data_dir: join(home.path, 'data'), http: { port: 0 }, kafka: { enabled: false }, scheduler: { enabled: false }, log: { level: 'info' } }));
    const random = rng(97);
    let current = await startDaemon(config, { waitForJoin: false });
    const BATCHES = 16;
    const PER = 1000;
    let kills = 0;
    try {
      const client = (async () => {
        for (let b = 0; b < BATCHES; b++) {
          const payload = body(`real-${b}-`, PER);
          for (;;) {
            const r = await post(`http://127.0.0.1:${current.port}`, payload, `real-${b}`).catch(() => null);
            if (r && (r.status === 200 || r.status === 202)) break;
            await new Promise((res) => setTimeout(res, 100));
          }
        }
      })();
      let done = false;
      void client.finally(() => (done = true));
      while (!done && kills < 4) {
        await new Promise((res) => setTimeout(res, 500 + random() * 2500));
        if (done) break;
        await stopDaemon(current, 'SIGKILL');
        kills++;
        current = await startDaemon(config, { waitForJoin: false });
      }
      await client;
      const stored = async () => {
        const [row] = await current.sql<{ n: string; u: string }>("SELECT count() AS n, uniqExact(event_id) AS u FROM predictions WHERE startsWith(event_id, 'real-')");
        return { n: Number(row?.n), u: Number(row?.u) };
      };
      // A batch answered 202 may still be on its way from the spool.
      await eventually('every acknowledged event stored', async () => (await stored()).n >= BATCHES * PER || JSON.stringify(await stored()), 60_000).catch(() => undefined);
      const final = await stored();
      console.log(`${kills} kills; stored ${final.n} rows, ${final.u} distinct events`);
      expect(kills).toBeGreaterThan(0);
      expect(final).toEqual({ n: BATCHES * PER, u: BATCHES * PER });
    } finally {
      await stopDaemon(current, 'SIGTERM');
      home.remove();
    }
  });
});
