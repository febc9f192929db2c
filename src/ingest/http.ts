// HTTP ingest for users without Kafka (and the demo): POST /v1/predictions
// and POST /v1/labels take NDJSON, a JSON array (or one object) or Arrow IPC,
// validate every event exactly as the consumer does, and go through the same
// buffer. An answer is a promise:
//   200  the rows are stored (`duplicates`: events already stored within
//        ingest.http_dedup_horizon, not stored again);
//   202  ClickHouse did not store them within ingest.http_spool_after, and
//        they are on disk in the spool (fsynced): they are stored later,
//        after a restart too; do not retry;
//   400  an event is invalid: nothing from the request is stored;
//   409  a request with the same Idempotency-Key is being processed;
//   413  body, event count or encoded size above their limits;
//   422  the Idempotency-Key was used with another body;
//   503  not stored and not spooled (buffer full, shutting down, spool full
//        or failing): retry after Retry-After.
// Reading and encoding the body is http-request.ts; the spool, per-event
// deduplication and Idempotency-Key answers are spool.ts, dedup.ts and
// idempotency.ts.
import { createHash } from 'node:crypto';
import { HttpError, type HttpRequest, type HttpResponse, type Router } from '../core/http/router.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Chunk, IngestBuffer } from './buffer.ts';
import type { TableName } from './encode.ts';
import { readRequestRows, type RequestLimits, type RequestRows } from './http-request.ts';
import { badIdempotencyKey, type IdempotencyStore } from './idempotency.ts';
import type { IngestMetrics } from './metrics.ts';
import type { Spool, SpoolEntry } from './spool.ts';

export interface HttpIngestOptions {
  buffer: IngestBuffer;
  metrics: IngestMetrics;
  logger: Logger;
  /** Request limits; `encode.retentionMs` comes from retentionMs at each request. */
  limits: Omit<RequestLimits, 'withKeys'>;
  /** Per-event deduplication is on: compute the rows' identities. */
  withKeys: boolean;
  /** clickhouse.ttl_days in ms (0: keep forever). */
  retentionMs: number;
  /** How long a request waits for its rows to be stored before they are spooled and it is answered 202. */
  spoolAfterMs: number;
  spool: Spool;
  idempotency: IdempotencyStore;
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

function busy(buffer: IngestBuffer, message: string): HttpError {
  return new HttpError(503, message, { code: 'DW_INGEST_BUFFER_FULL' }, { 'retry-after': String(buffer.retryAfterSeconds()) });
}

function headerValue(req: HttpRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export function ingestHandler(table: TableName, opts: HttpIngestOptions): (req: HttpRequest) => Promise<HttpResponse> {
  const { buffer, idempotency, metrics } = opts;
  const route = `/v1/${table}`;
  return async (req) => {
    if (!buffer.accepting) throw busy(buffer, 'ingest is not running (starting or shutting down)');
    if (buffer.full) throw busy(buffer, 'the ingest buffer is full (ClickHouse slow or unreachable); retry later');
    const key = idempotency.enabled ? headerValue(req, 'idempotency-key') : undefined;
    if (key === undefined) return (await store(await read(req, false), opts)).answer;
    const badKey = badIdempotencyKey(key);
    if (badKey) throw new HttpError(400, badKey, { code: 'DW_INGEST_IDEMPOTENCY_KEY', reason: 'idempotency_key' });
    if (!idempotency.claim(route, key)) {
      metrics.idempotentReplays.inc({ outcome: 'in_progress' });
      req.raw.resume();
      throw new HttpError(409, 'a request with this Idempotency-Key is being processed; retry when it is answered', { code: 'DW_INGEST_IDEMPOTENCY_KEY', reason: 'in_progress' }, { 'retry-after': '1' });
    }
    try {
      const kept = idempotency.answer(route, key);
      const rows = await read(req, true, kept !== undefined);
      if (kept) {
        if (kept.hash !== rows.hash) {
          metrics.idempotentReplays.inc({ outcome: 'mismatch' });
          throw new HttpError(422, 'this Idempotency-Key was used with a different body', { code: 'DW_INGEST_IDEMPOTENCY_KEY', reason: 'mismatch' });
        }
        metrics.idempotentReplays.inc({ outcome: 'replayed' });
        return { status: kept.status, body: kept.body, headers: { 'idempotent-replayed': 'true' } };
      }
      const { answer, kept: keep } = await store(rows, opts);
      if (keep) await idempotency.keep(route, key, { hash: rows.hash!, status: answer.status, body: answer.body, at: Date.now() });
      return answer;
    } finally {
      idempotency.release(route, key);
    }
  };

  /** The request's rows; with `hashOnly` (a kept answer exists) the body is only hashed. */
  async function read(req: HttpRequest, hash: boolean, hashOnly = false): Promise<RequestRows> {
    const limits: RequestLimits = { ...opts.limits, encode: { ...opts.limits.encode, retentionMs: opts.retentionMs }, withKeys: opts.withKeys };
    if (hashOnly) return hashBody(req, limits.maxBodyBytes, table);
    return readRequestRows(req.raw, table, limits, hash, (reason, n) => metrics.invalid.inc({ source: 'http', reason }, n));
  }
}

/** Only the SHA-256 of a body (to compare with a kept answer's). */
async function hashBody(req: HttpRequest, limit: number, table: TableName): Promise<RequestRows> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of req.raw.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.raw.resume();
      throw new HttpError(413, `request body exceeds ingest.max_http_body_bytes (${limit})`, { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' }, { connection: 'close' });
    }
    h.update(chunk);
  }
  return { table, rows: 0, body: Buffer.alloc(0), dedup: null, hash: h.digest('hex') };
}

/**
 * Hand the rows to the buffer and answer once they are stored (200), or
 * spooled (202), or neither (503). `kept`: the answer acknowledges rows and
 * is kept for its Idempotency-Key.
 */
async function store(rows: RequestRows, opts: HttpIngestOptions): Promise<{ answer: Answer; kept: boolean }> {
  const { buffer, metrics, spool } = opts;
  if (buffer.full) throw busy(buffer, 'the ingest buffer is full (ClickHouse slow or unreachable); retry later');
  let settle!: { resolve: () => void; reject: (e: unknown) => void };
  let stored = false;
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.then(
    () => (stored = true),
    () => undefined,
  );
  const chunk: Chunk = { table: rows.table, source: 'http', body: rows.body, rows: rows.rows, done: settle, urgent: true, ...(rows.dedup ? { dedup: rows.dedup } : {}) };
  try {
    buffer.append(chunk);
  } catch {
    throw busy(buffer, 'ingest is shutting down');
  }
  metrics.consumed.inc({ source: 'http', table: rows.table }, rows.rows);
  const storedAnswer = (): { answer: Answer; kept: boolean } => {
    const duplicates = rows.dedup?.duplicates ?? 0;
    return { answer: { status: 200, body: { accepted: rows.rows, stored: true, duplicates } }, kept: true };
  };
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), opts.spoolAfterMs);
    timer.unref();
  });
  try {
    if ((await Promise.race([done.then(() => 'stored' as const), late])) === 'stored') return storedAnswer();
  } catch {
    throw busy(buffer, 'the rows could not be stored before shutdown; retry later');
  } finally {
    clearTimeout(timer);
  }
  // ClickHouse is slow: put the rows on disk, then promise them (202).
  let entry: SpoolEntry;
  try {
    entry = await spool.write({
      table: rows.table,
      rows: rows.rows,
      keys: rows.dedup?.keys ?? new Uint8Array(0),
      body: rows.body,
      models: rows.dedup?.models ?? [],
      tmin: rows.dedup?.tmin ?? 0,
      tmax: rows.dedup?.tmax ?? 0,
      created: Date.now(),
    });
  } catch (e) {
    if (stored) return storedAnswer();
    // Take the rows back if they are still waiting; if they are being
    // inserted, they may yet be stored: the retry is then deduplicated.
    buffer.discard((c) => c === chunk);
    opts.logger.warn('could not spool HTTP rows; answering 503', { rows: rows.rows, error: describeError(e), code: 'DW_INGEST_SPOOL_FAILED' });
    throw new HttpError(503, `ClickHouse is slow and the rows could not be spooled (${describeError(e)}); retry later`, { code: 'DW_INGEST_SPOOL_FAILED' }, { 'retry-after': String(buffer.retryAfterSeconds()) });
  }
  metrics.spoolBytes.set(spool.bytes);
  const removeEntry = (): void => {
    void spool.remove(entry).then(() => metrics.spoolBytes.set(spool.bytes));
  };
  if (stored) {
    removeEntry();
    return storedAnswer();
  }
  metrics.spooled.inc({ table: rows.table }, rows.rows);
  // Stored later: the entry goes. Given up at shutdown: it stays, for the next start.
  done.then(removeEntry, () => undefined);
  return {
    answer: { status: 202, body: { accepted: rows.rows, stored: false, spooled: true, message: 'ClickHouse is slow; the rows are on disk and will be stored, do not retry' } },
    kept: true,
  };
}

export function addIngestRoutes(router: Router, opts: HttpIngestOptions): void {
  router.add('POST', '/v1/predictions', ingestHandler('predictions', opts));
  router.add('POST', '/v1/labels', ingestHandler('labels', opts));
}
