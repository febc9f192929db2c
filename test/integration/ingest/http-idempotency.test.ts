// Idempotent and fast HTTP ingest (issue 11), in process over the real
// engine: per-event deduplication within the horizon (across requests and
// within one), Idempotency-Key (replayed answer, 422 on another body, 409
// while in progress), labels, rows flushed at once rather than at the next
// flush_interval while concurrent requests share inserts, and 202/503 from
// the spool when ClickHouse is slow. Crashes are http-kill.test.ts.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpServer } from '../../../src/http/server.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { openTestStore } from '../../helpers/store.ts';
import { faultInjecting } from '../../ingest/faulty-store.ts';
import { predictionEvent } from '../../../testkit/events.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { countRows, startIngest, type Harness } from './harness.ts';

// One base time for the whole file: the same (prefix, index) is the same event, ts included.
const NOW = Date.now();
function events(prefix: string, from: number, n: number) {
  return Array.from({ length: n }, (_, k) => ({ ...predictionEvent(from + k, { prefix }), ts: new Date(NOW - 3_600_000 + from + k).toISOString() }));
}
const ndjson = (evs: unknown[]) => evs.map((e) => JSON.stringify(e)).join('\n') + '\n';

describe('HTTP ingest: idempotent and fast', () => {
  let opened: Awaited<ReturnType<typeof openTestStore>>;
  let harness: Harness;
  let server: HttpServer;
  let base: string;
  let switches: ReturnType<typeof faultInjecting>['switches'];
  const state = tempDir('dw-http-idem-');

  beforeAll(async () => {
    opened = await openTestStore();
    const faulty = faultInjecting(opened.store);
    switches = faulty.switches;
    harness = await startIngest({
      store: faulty.store,
      stateDir: state.path,
      // A long flush_interval: HTTP rows must not wait for it.
      ingest: { flush_interval: '30s', http_spool_after: '1s', insert_retry_max: '200ms', spool_max_bytes: 1024 * 1024 },
    });
    server = new HttpServer({ host: '127.0.0.1', port: 0, router: harness.router, registry: harness.registry, logger: silentLogger, readiness: () => ({ ready: true, checks: {} }) });
    await server.start();
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.stop();
    await harness.stop();
    await opened.cleanup();
    state.remove();
  });

  const post = async (path: string, body: string, headers: Record<string, string> = {}) => {
    const r = await fetch(base + path, { method: 'POST', body, headers: { 'content-type': 'application/x-ndjson', ...headers } });
    return { status: r.status, headers: r.headers, body: (await r.json()) as Record<string, unknown> };
  };
  const count = (sql: string) => countRows(opened.store, sql);

  it('stores an event sent again (a retry after a timeout) once', async () => {
    expect(await post('/v1/predictions', ndjson(events('dup', 0, 100)))).toMatchObject({ status: 200, body: { accepted: 100, stored: true, duplicates: 0 } });
    expect(await post('/v1/predictions', ndjson(events('dup', 0, 100)))).toMatchObject({ status: 200, body: { accepted: 100, duplicates: 100 } });
    // Half old, half new; and one event twice in the same request.
    const mixed = [...events('dup', 50, 100), ...events('dup', 149, 1)];
    expect(await post('/v1/predictions', ndjson(mixed))).toMatchObject({ status: 200, body: { accepted: 101, duplicates: 51 } });
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'dup-')")).toBe(150);
    expect(await count("SELECT uniqExact(event_id) AS c FROM predictions WHERE startsWith(event_id, 'dup-')")).toBe(150);
    expect(await harness.metric('driftwatch_ingest_http_duplicates_total')).toBe(151);
  });

  it('tells an event from its copy by model, version, ts and event_id', async () => {
    const [e] = events('same-id', 0, 1);
    expect((await post('/v1/predictions', ndjson([e]))).body).toMatchObject({ duplicates: 0 });
    // Same event_id, another ts or version: another event.
    const later = { ...e!, ts: new Date(Date.parse(e!.ts as string) + 1).toISOString() };
    const canary = { ...e!, model_version: 'v99' };
    expect((await post('/v1/predictions', ndjson([later, canary]))).body).toMatchObject({ duplicates: 0 });
    // JSON array and epoch-ms ts of the same event: a copy.
    expect((await post('/v1/predictions', JSON.stringify([{ ...e!, ts: Date.parse(e!.ts as string) }]), { 'content-type': 'application/json' })).body).toMatchObject({ duplicates: 1 });
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'same-id-')")).toBe(3);
  });

  it('deduplicates labels too, and stores a corrected label', async () => {
    const ts = new Date().toISOString();
    const label = { event_id: 'lab-1', model: 'fraud', label: 0, ts };
    expect((await post('/v1/labels', JSON.stringify(label))).body).toMatchObject({ duplicates: 0 });
    expect((await post('/v1/labels', JSON.stringify(label))).body).toMatchObject({ duplicates: 1 });
    expect((await post('/v1/labels', JSON.stringify({ ...label, label: 1 }))).body).toMatchObject({ duplicates: 0 });
    expect(await count("SELECT count() AS c FROM labels WHERE event_id = 'lab-1'")).toBe(2);
  });

  it('answers an Idempotency-Key with the same body again with the first answer, and refuses another body', async () => {
    const body = ndjson(events('idem', 0, 20));
    const first = await post('/v1/predictions', body, { 'idempotency-key': 'req-1' });
    expect(first).toMatchObject({ status: 200, body: { accepted: 20, duplicates: 0 } });
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const again = await post('/v1/predictions', body, { 'idempotency-key': 'req-1' });
    expect(again).toMatchObject({ status: 200, body: first.body });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await post('/v1/predictions', ndjson(events('idem', 100, 2)), { 'idempotency-key': 'req-1' });
    expect(other).toMatchObject({ status: 422, body: { details: { code: 'DW_INGEST_IDEMPOTENCY_KEY', reason: 'mismatch' } } });
    // The key is per route.
    expect((await post('/v1/labels', JSON.stringify({ event_id: 'idem-0', model: 'fraud', label: 1, ts: new Date().toISOString() }), { 'idempotency-key': 'req-1' })).status).toBe(200);
    expect((await post('/v1/predictions', body, { 'idempotency-key': 'has space' })).status).toBe(400);
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'idem-')")).toBe(20);
  });

  it('answers 409 to a request whose Idempotency-Key is still being processed', async () => {
    switches.insertDelayMs = 600;
    try {
      const body = ndjson(events('busy', 0, 10));
      const [a, b] = await Promise.all([post('/v1/predictions', body, { 'idempotency-key': 'busy-1' }), new Promise((r) => setTimeout(r, 150)).then(() => post('/v1/predictions', body, { 'idempotency-key': 'busy-1' }))]);
      expect(a.status).toBe(200);
      expect(b).toMatchObject({ status: 409, body: { details: { reason: 'in_progress' } } });
      expect(b.headers.get('retry-after')).toBe('1');
    } finally {
      switches.insertDelayMs = 0;
    }
  });

  it('answers a request as soon as its rows are stored, not at the next flush_interval (30 s here)', async () => {
    for (let k = 0; k < 5; k++) {
      const t0 = performance.now();
      expect((await post('/v1/predictions', ndjson(events('quick', k * 100, 100)))).status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(15_000);
    }
  });

  it('puts concurrent requests into shared inserts', async () => {
    // Long enough that all eight requests arrive while the first insert is in
    // flight even on a loaded machine (with 300 ms a busy CI host let them in
    // one at a time).
    switches.insertDelayMs = 2000;
    try {
      const calls = switches.insertCalls;
      const answers = await Promise.all(Array.from({ length: 8 }, (_, c) => post('/v1/predictions', ndjson(events(`conc${c}`, 0, 50)))));
      expect(answers.map((a) => a.status)).toEqual(Array(8).fill(200));
      const inserts = switches.insertCalls - calls;
      console.log(`8 concurrent requests: ${inserts} inserts`);
      expect(inserts).toBeLessThan(8);
    } finally {
      switches.insertDelayMs = 0;
    }
  });

  it('answers 202 once rows ClickHouse did not store in time are in the spool, and stores them later', async () => {
    switches.failInserts = true;
    let answer: Awaited<ReturnType<typeof post>>;
    try {
      answer = await post('/v1/predictions', ndjson(events('late', 0, 50)), { 'idempotency-key': 'late-1' });
      expect(answer).toMatchObject({ status: 202, body: { accepted: 50, stored: false, spooled: true } });
      expect(readdirSync(join(state.path, 'spool')).filter((n) => n.endsWith('.spool'))).toHaveLength(1);
      expect(await harness.metric('driftwatch_ingest_http_spool_bytes')).toBeGreaterThan(0);
    } finally {
      switches.failInserts = false;
    }
    await harness.ingest.buffer.drain();
    await new Promise((r) => setTimeout(r, 200));
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'late-')")).toBe(50);
    expect(readdirSync(join(state.path, 'spool')).filter((n) => n.endsWith('.spool'))).toHaveLength(0);
    expect(await post('/v1/predictions', ndjson(events('late', 0, 50)), { 'idempotency-key': 'late-1' })).toMatchObject({ status: 202, body: answer.body });
  });

  it('answers 503 with Retry-After when ClickHouse is slow and the spool is full; the retry stores each event once', async () => {
    switches.failInserts = true;
    const body = ndjson(events('full', 0, 3000));
    try {
      // More than spool_max_bytes (1 MiB) in one request.
      const answer = await post('/v1/predictions', body);
      expect(answer).toMatchObject({ status: 503, body: { details: { code: 'DW_INGEST_SPOOL_FAILED' } } });
      expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      switches.failInserts = false;
    }
    // The rows were already being inserted when the spool refused them, and
    // that insert went on: the client's retry finds them stored.
    const retry = await post('/v1/predictions', body);
    expect(retry).toMatchObject({ status: 200, body: { accepted: 3000 } });
    await harness.ingest.buffer.drain();
    expect(await count("SELECT count() AS c FROM predictions WHERE startsWith(event_id, 'full-')")).toBe(3000);
  });
});
