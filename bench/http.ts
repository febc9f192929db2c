// npm run bench:http — HTTP ingest throughput of a real daemon.
//
// Starts `driftwatch start` as a child process (embedded store, Kafka off,
// its own data dir and port), then, with bodies serialized beforehand:
//   1. sequential: one client posting 5,000-event NDJSON bodies to
//      POST /v1/predictions one after another, each waiting for its 200;
//   2. concurrent: 8 clients doing the same at once.
// Every answer must be 200 with all events stored (http_spool_after is 60 s,
// so a slow insert is waited for rather than spooled); at the end count() and
// uniqExact(event_id) of what was sent are checked through /v1/sql. Events
// (~600 bytes, 20 features) have a ts of now and ids unique to the run.
// Environment: BENCH_HTTP_SEQUENTIAL_REQUESTS (default 40),
// BENCH_HTTP_CONCURRENT_REQUESTS (per client, default 10),
// BENCH_HTTP_EVENTS_PER_REQUEST (default 5000), BENCH_HTTP_CLIENTS (default 8).
// The last line is `RESULT {...}`.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { predictionEvent } from '../testkit/events.ts';
import { freePort } from '../testkit/ports.ts';

const SEQ_REQUESTS = Number(process.env.BENCH_HTTP_SEQUENTIAL_REQUESTS ?? 40);
const CONC_REQUESTS = Number(process.env.BENCH_HTTP_CONCURRENT_REQUESTS ?? 10);
const PER_REQUEST = Number(process.env.BENCH_HTTP_EVENTS_PER_REQUEST ?? 5000);
const CLIENTS = Number(process.env.BENCH_HTTP_CLIENTS ?? 8);
const REPO = resolve(import.meta.dirname, '..');
const say = (s: string): void => void process.stdout.write(s + '\n');

function bodies(prefix: string, requests: number): Buffer[] {
  const now = Date.now();
  const out: Buffer[] = [];
  for (let r = 0; r < requests; r++) {
    const lines: string[] = [];
    for (let i = 0; i < PER_REQUEST; i++) {
      const n = r * PER_REQUEST + i;
      lines.push(JSON.stringify({ ...predictionEvent(n, { prefix }), ts: new Date(now - 60_000 + (n % 60_000)).toISOString() }));
    }
    out.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return out;
}

async function startDaemon(dir: string): Promise<{ child: ChildProcess; base: string; output: () => string }> {
  const port = await freePort();
  const config = join(dir, 'driftwatch.yaml');
  writeFileSync(config, stringify({ data_dir: join(dir, 'data'), http: { port }, log: { level: 'warn' }, kafka: { enabled: false }, scheduler: { enabled: false }, ingest: { http_spool_after: '60s' } }));
  const child = spawn(process.execPath, [...(process.env.BENCH_HTTP_DAEMON_NODE_OPTIONS ?? '').split(' ').filter(Boolean), join(REPO, 'bin/driftwatch.mjs'), 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the daemon exited (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`the daemon did not get ready:\n${out}`);
    const ready = await fetch(`${base}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { child, base, output: () => out };
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** CPU seconds (user + system) the daemon process has used so far (Linux /proc; 0 elsewhere). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function post(base: string, body: Buffer): Promise<void> {
  const r = await fetch(`${base}/v1/predictions`, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson' } });
  const answer = (await r.json()) as { stored?: boolean; accepted?: number };
  if (r.status !== 200 || answer.stored !== true || answer.accepted !== PER_REQUEST) throw new Error(`ingest answered ${r.status}: ${JSON.stringify(answer).slice(0, 300)}`);
}

async function sql(base: string, query: string): Promise<Array<Record<string, unknown>>> {
  const r = await fetch(`${base}/v1/sql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const body = (await r.json()) as { rows?: Array<Record<string, unknown>> };
  if (!body.rows) throw new Error(`sql failed: ${JSON.stringify(body).slice(0, 300)}`);
  return body.rows;
}

function percentile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'dw-bench-http-'));
  const run = Date.now().toString(36);
  say(`serializing ${SEQ_REQUESTS} + ${CLIENTS} x ${CONC_REQUESTS} bodies of ${PER_REQUEST} events`);
  const seqBodies = bodies(`seq-${run}`, SEQ_REQUESTS);
  const concBodies = Array.from({ length: CLIENTS }, (_, c) => bodies(`conc-${run}-${c}`, CONC_REQUESTS));
  say(`body size ${(seqBodies[0]!.length / 1048576).toFixed(1)} MiB; starting the daemon (embedded store, Kafka off)`);
  const daemon = await startDaemon(dir);
  try {
    // Warm up: the first inserts create parts and load code paths.
    await post(daemon.base, bodies(`warm-${run}`, 1)[0]!);

    const latencies: number[] = [];
    const pid = daemon.child.pid;
    let cpu0 = cpuSeconds(pid);
    let t0 = performance.now();
    for (const b of seqBodies) {
      const s = performance.now();
      await post(daemon.base, b);
      latencies.push(performance.now() - s);
    }
    const seqMs = performance.now() - t0;
    const sequential = (SEQ_REQUESTS * PER_REQUEST) / (seqMs / 1000);
    const seqCpu = cpuSeconds(pid) - cpu0;
    say(
      `sequential: ${SEQ_REQUESTS * PER_REQUEST} events in ${(seqMs / 1000).toFixed(2)} s = ${Math.round(sequential)} events/s; request p50 ${percentile(latencies, 0.5).toFixed(0)} ms, p95 ${percentile(latencies, 0.95).toFixed(0)} ms; daemon CPU ${((seqCpu / (SEQ_REQUESTS * PER_REQUEST)) * 1e6).toFixed(1)} µs/event`,
    );

    cpu0 = cpuSeconds(pid);
    t0 = performance.now();
    await Promise.all(
      concBodies.map(async (mine) => {
        for (const b of mine) await post(daemon.base, b);
      }),
    );
    const concMs = performance.now() - t0;
    const concurrent = (CLIENTS * CONC_REQUESTS * PER_REQUEST) / (concMs / 1000);
    const concCpu = cpuSeconds(pid) - cpu0;
    say(
      `concurrent (${CLIENTS} clients): ${CLIENTS * CONC_REQUESTS * PER_REQUEST} events in ${(concMs / 1000).toFixed(2)} s = ${Math.round(concurrent)} events/s; daemon CPU ${((concCpu / (CLIENTS * CONC_REQUESTS * PER_REQUEST)) * 1e6).toFixed(1)} µs/event`,
    );

    const [seqRow] = await sql(daemon.base, `SELECT count() AS n, uniqExact(event_id) AS u FROM predictions WHERE startsWith(event_id, 'seq-${run}-')`);
    const [concRow] = await sql(daemon.base, `SELECT count() AS n, uniqExact(event_id) AS u FROM predictions WHERE startsWith(event_id, 'conc-${run}-')`);
    const want = { seq: SEQ_REQUESTS * PER_REQUEST, conc: CLIENTS * CONC_REQUESTS * PER_REQUEST };
    if (Number(seqRow?.n) !== want.seq || Number(seqRow?.u) !== want.seq || Number(concRow?.n) !== want.conc || Number(concRow?.u) !== want.conc) {
      throw new Error(`stored counts differ from what was sent: ${JSON.stringify({ seqRow, concRow, want })}`);
    }
    say(`stored: ${want.seq} + ${want.conc} events, each once (count() = uniqExact(event_id))`);
    say(
      `RESULT ${JSON.stringify({
        sequential_events_per_s: Math.round(sequential),
        concurrent_events_per_s: Math.round(concurrent),
        events_per_request: PER_REQUEST,
        clients: CLIENTS,
        sequential_p50_ms: Math.round(percentile(latencies, 0.5)),
      })}`,
    );
  } finally {
    daemon.child.kill('SIGTERM');
    await new Promise((r) => daemon.child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
