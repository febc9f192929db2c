// HTTP ingest under inputs that used to crash, stall or silently drop
// (issue 10): a 60 MB body of `{}` objects blocked /healthz for 21 s and took
// RSS to 2.2 GB; Arrow with two bytes changed ran the process out of memory;
// a lone UTF-16 surrogate was answered 200 and then refused by ClickHouse;
// an event older than the TTL was answered 200 and deleted at once. Now:
// bodies are parsed as they arrive with a cap on events per request,
// /healthz keeps answering, and every refusal is a 4xx with its reason.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../src/http/server.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { openTestStore } from '../../helpers/store.ts';
import { arrowPredictions } from '../../../testkit/arrow-events.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

const run = promisify(execFile);
// The bound a /healthz answer must stay under while a big request is
// processed. Measured values are printed (tens to a few hundred ms); the
// bound is generous because this 2-core machine runs other test files, a
// broker and other engineers' work at the same time.
const HEALTHZ_BOUND_MS = 2000;

const FIXTURES = join(import.meta.dirname, '../../regression/fixtures');

/** Events with a ts of now (the fixed testkit dates would age out of the retention window). */
function freshEvent(i: number, prefix: string) {
  return { ...predictionEvent(i, { prefix }), ts: new Date(Date.now() - 60_000 + (i % 1000)).toISOString() };
}

describe('HTTP ingest limits', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness;
  let server: HttpServer;
  let base: string;

  beforeAll(async () => {
    opened = await openTestStore();
    harness = await startIngest({ store: opened.store, ingest: { max_http_events: 100_000, max_message_bytes: 64 * 1024 }, clickhouse: { ttl_days: 3650 } });
    server = new HttpServer({ host: '127.0.0.1', port: 0, router: harness.router, registry: harness.registry, logger: silentLogger, readiness: () => ({ ready: true, checks: {} }), liveness: () => ({ state: 'running' }) });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.stop();
    await harness.stop();
    await opened.cleanup();
  });

  const post = async (path: string, body: string | Uint8Array | ReadableStream, headers: Record<string, string> = {}) => {
    const init: RequestInit & { duplex?: string } = { method: 'POST', body: body as RequestInit['body'], headers };
    if (body instanceof ReadableStream) init.duplex = 'half';
    const r = await fetch(base + path, init);
    return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
  };
  const count = (sql: string) => countRows(opened.store, sql);

  /**
   * POST a file with curl (another process: the upload is not this one's
   * work) while polling /healthz from here; the answer, the slowest
   * /healthz in ms, this process's longest event-loop block and peak RSS.
   */
  async function curlPost(path: string, file: string, contentType: string): Promise<{ status: number; body: Record<string, unknown> }> {
    const { stdout } = await run('curl', ['-s', '-w', '\n%{http_code}', '-X', 'POST', '-H', `content-type: ${contentType}`, '--data-binary', `@${file}`, base + path], { maxBuffer: 1 << 20 });
    const lines = stdout.trimEnd().split('\n');
    const status = Number(lines.pop());
    return { status, body: JSON.parse(lines.join('\n') || '{}') as Record<string, unknown> };
  }

  async function healthzDuring<T>(work: () => Promise<T>): Promise<{ result: T; worstMs: number; loopBlockMs: number; peakRssMb: number }> {
    let done = false;
    let worst = 0;
    let peak = process.memoryUsage().rss;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const poller = (async () => {
      while (!done) {
        const t0 = performance.now();
        // A reused keep-alive connection can be reset under the client; that
        // is not a stall: one retry, and the time of both counts.
        const r = await fetch(`${base}/healthz`).catch(() => fetch(`${base}/healthz`));
        await r.arrayBuffer();
        worst = Math.max(worst, performance.now() - t0);
        peak = Math.max(peak, process.memoryUsage().rss);
        await new Promise((res) => setTimeout(res, 20));
      }
    })();
    try {
      const result = await work();
      return { result, worstMs: worst, loopBlockMs: loop.max / 1e6, peakRssMb: peak / 1048576 };
    } finally {
      done = true;
      loop.disable();
      await poller;
    }
  }

  it('keeps /healthz answering while a 60 MB body of {} objects is refused', { timeout: 120_000 }, async () => {
    const tmp = tempDir('dw-http-big-');
    try {
      const rss0 = process.memoryUsage().rss / 1048576;
      writeFileSync(join(tmp.path, 'empty.ndjson'), '{}\n'.repeat(20_000_000));
      writeFileSync(join(tmp.path, 'empty.json'), '[' + '{},'.repeat(20_000_000) + '{}]');
      for (const [file, ct] of [
        ['empty.ndjson', 'application/x-ndjson'],
        ['empty.json', 'application/json'],
      ] as const) {
        const r = await healthzDuring(() => curlPost('/v1/predictions', join(tmp.path, file), ct));
        console.log(`60 MB of {} (${file}): ${r.result.status} ${String(r.result.body.error)}; slowest /healthz ${r.worstMs.toFixed(1)} ms, longest event-loop block ${r.loopBlockMs.toFixed(1)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB (from ${rss0.toFixed(0)})`);
        expect(r.result).toMatchObject({ status: 413, body: { details: { reason: 'oversize' } } });
        expect(r.worstMs).toBeLessThan(HEALTHZ_BOUND_MS);
        expect(r.peakRssMb - rss0).toBeLessThan(512);
      }
    } finally {
      tmp.remove();
    }
  });

  it('keeps /healthz answering while 100,000 valid events (60 MB) are parsed, validated and stored', { timeout: 180_000 }, async () => {
    const tmp = tempDir('dw-http-big-');
    try {
      const lines: string[] = [];
      for (let i = 0; i < 100_000; i++) lines.push(JSON.stringify(freshEvent(i, 'big')));
      const file = join(tmp.path, 'valid.ndjson');
      writeFileSync(file, lines.join('\n') + '\n');
      lines.length = 0;
      const r = await healthzDuring(() => curlPost('/v1/predictions', file, 'application/x-ndjson'));
      console.log(`60 MB of valid NDJSON: ${r.result.status}; slowest /healthz ${r.worstMs.toFixed(1)} ms, longest event-loop block ${r.loopBlockMs.toFixed(1)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB`);
      // 200, or 202 when this machine is too busy to store them within http_spool_after.
      expect(r.result.body).toMatchObject({ accepted: 100_000 });
      expect(r.worstMs).toBeLessThan(HEALTHZ_BOUND_MS);
      await harness.ingest.buffer.drain();
      expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'big-')")).toBe(100_000);
    } finally {
      tmp.remove();
    }
  });

  it('keeps /healthz answering while a 100,000-row Arrow stream is decoded, validated and stored', { timeout: 180_000 }, async () => {
    const tmp = tempDir('dw-http-big-');
    try {
      const file = join(tmp.path, 'big.arrows');
      writeFileSync(file, arrowPredictions(0, 100_000, { prefix: 'bigarrow' }));
      const r = await healthzDuring(() => curlPost('/v1/predictions', file, 'application/vnd.apache.arrow.stream'));
      console.log(`100,000-row Arrow stream: ${r.result.status}; slowest /healthz ${r.worstMs.toFixed(1)} ms, longest event-loop block ${r.loopBlockMs.toFixed(1)} ms; peak RSS ${r.peakRssMb.toFixed(0)} MB`);
      expect(r.result.body).toMatchObject({ accepted: 100_000 });
      expect(r.worstMs).toBeLessThan(HEALTHZ_BOUND_MS);
    } finally {
      tmp.remove();
    }
  });

  it('caps the events of one request (413) and stores none of them', async () => {
    const over = Array.from({ length: 100_001 }, (_, i) => JSON.stringify({ event_id: `cap-${i}`, model: 'm', ts: new Date().toISOString() })).join('\n');
    const r = await post('/v1/predictions', over, { 'content-type': 'application/x-ndjson' });
    expect(r).toMatchObject({ status: 413, body: { details: { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' } } });
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'cap-')")).toBe(0);
  });

  it('answers 413 to a chunked body that grows past the limit, and keeps serving', async () => {
    const chunk = new TextEncoder().encode('{}\n'.repeat(100_000));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent > 80 * 1024 * 1024) c.close();
        else {
          sent += chunk.length;
          c.enqueue(chunk);
        }
      },
    });
    const r = await post('/v1/predictions', stream, { 'content-type': 'application/x-ndjson' }).catch((e: unknown) => ({ status: -1, error: String(e) }));
    // The answer is 413; a client may also see the connection closed under its upload.
    expect([413, -1]).toContain(r.status);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });

  it('refuses one JSON event larger than max_message_bytes as oversize', async () => {
    const big = { ...freshEvent(1, 'huge'), features: { pad: 'x'.repeat(70 * 1024) } };
    const r = await post('/v1/predictions', JSON.stringify([freshEvent(0, 'huge'), big]), { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(r.body.details).toMatchObject({ invalid: 1, errors: [{ index: 1, reason: 'oversize' }] });
  });

  it('answers the Arrow streams that used to crash the process with 400 invalid_arrow, promptly', async () => {
    const crashing = readdirSync(FIXTURES).filter((n) => n.startsWith('arrow-2bytes-at-'));
    expect(crashing.length).toBeGreaterThan(5);
    for (const name of crashing) {
      const t0 = performance.now();
      const r = await post('/v1/predictions', readFileSync(join(FIXTURES, name)), { 'content-type': 'application/vnd.apache.arrow.stream' });
      expect(r, name).toMatchObject({ status: 400, body: { details: { reason: 'invalid_arrow' } } });
      expect(performance.now() - t0).toBeLessThan(1000);
    }
    // And Arrow still works.
    const ok = await post('/v1/predictions', arrowPredictions(0, 3, { prefix: 'arrow-ok' }), { 'content-type': 'application/vnd.apache.arrow.stream' });
    expect(ok).toMatchObject({ status: 200, body: { accepted: 3, stored: true } });
  });

  it('refuses events with a lone UTF-16 surrogate (400 invalid_unicode) instead of acknowledging and losing them', async () => {
    const good = freshEvent(1, 'sur');
    for (const bad of [
      { ...freshEvent(2, 'sur'), event_id: 'sur-\ud800' },
      { ...freshEvent(3, 'sur'), features: { country: 'D\udc00E' } },
      { ...freshEvent(4, 'sur'), features: { ['k\ud83d']: 1 } },
      { ...freshEvent(5, 'sur'), tags: { region: '\udfff' } },
    ]) {
      // JSON.stringify writes a lone surrogate as a \u escape: the bytes are valid UTF-8 JSON.
      const body = [good, bad].map((e) => JSON.stringify(e)).join('\n');
      expect(body).toMatch(/\\ud[89a-f]/);
      const r = await post('/v1/predictions', body, { 'content-type': 'application/x-ndjson' });
      expect(r).toMatchObject({ status: 400, body: { details: { invalid: 1, errors: [{ index: 1, reason: 'invalid_unicode', code: 'DW_INGEST_INVALID_EVENT' }] } } });
    }
    const label = await post('/v1/labels', JSON.stringify({ event_id: 'sur-1', model: 'fraud', label: 'ok\ud800', ts: new Date().toISOString() }));
    expect(label.body).toMatchObject({ details: { errors: [{ reason: 'invalid_unicode' }] } });
    // A well-formed pair (an emoji) is fine and stored as sent.
    const emoji = await post('/v1/predictions', JSON.stringify({ ...freshEvent(9, 'sur'), features: { mood: '🚀' } }));
    expect(emoji.status).toBe(200);
    expect(await count("SELECT count() AS c FROM predictions WHERE event_id = 'sur-9' AND JSONExtractString(features, 'mood') = '🚀'")).toBe(1);
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'sur-') AND event_id != 'sur-9'")).toBe(0);
  });

  it('stores an event whose JSON repeats a key as JSON.parse reads it (the engine would refuse the raw line)', async () => {
    const e = freshEvent(1, 'dupkey');
    const line = JSON.stringify(e).replace('{', '{"event_id":"dupkey-first",');
    expect(await post('/v1/predictions', line + '\n', { 'content-type': 'application/x-ndjson' })).toMatchObject({ status: 200, body: { accepted: 1, stored: true } });
    expect(await count("SELECT count() AS c FROM predictions WHERE event_id = 'dupkey-1'")).toBe(1);
  });

  it('refuses events older than the retention window (400 expired) instead of storing them for deletion', async () => {
    const old = { ...freshEvent(1, 'old'), ts: new Date(Date.now() - 3651 * 86_400_000).toISOString() };
    const r = await post('/v1/predictions', JSON.stringify([freshEvent(0, 'old'), old]));
    expect(r).toMatchObject({ status: 400, body: { details: { errors: [{ index: 1, reason: 'expired', message: expect.stringContaining('ttl_days = 3650') }] } } });
    const label = await post('/v1/labels', JSON.stringify({ event_id: 'x', model: 'fraud', label: 1, ts: Date.now() - 4000 * 86_400_000 }));
    expect(label.body).toMatchObject({ details: { errors: [{ reason: 'expired' }] } });
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'old-')")).toBe(0);
  });
});
