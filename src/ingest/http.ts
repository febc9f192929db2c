// HTTP ingest for users without Kafka (and the demo): POST /v1/predictions
// and POST /v1/labels take NDJSON, a JSON array (or one object) or Arrow IPC,
// validate every event exactly as the consumer does, and go through the same
// buffer. A request is all or nothing: any invalid event => 400 listing the
// bad ones, nothing stored. 200 means stored; 503 + Retry-After when the
// buffer is full (the client retries later); 413 above max_http_body_bytes.
import { HttpError, type HttpRequest, type HttpResponse, type Router } from '../core/http/router.ts';
import type { Chunk, IngestBuffer } from './buffer.ts';
import { decodePayload } from './decode.ts';
import { encoderFor, HTTP_TAIL, type EncodeLimits, type TableName } from './encode.ts';
import type { IngestMetrics } from './metrics.ts';
import { errorCodeOf, isRejection } from './reasons.ts';

export interface HttpIngestOptions {
  buffer: IngestBuffer;
  metrics: IngestMetrics;
  limits: EncodeLimits;
  maxBodyBytes: number;
  /** Longest a request waits for its rows to be stored before 202 (default 60 s). */
  maxWaitMs?: number;
}

const MAX_LISTED_ERRORS = 100;

interface EventError {
  /** 0-based position of the event in the body (line order for NDJSON, array order for JSON, row for Arrow). */
  index: number;
  event_id?: string;
  reason: string;
  code: string;
  message: string;
}

function busy(buffer: IngestBuffer, message: string): HttpError {
  return new HttpError(503, message, { code: 'DW_INGEST_BUFFER_FULL' }, { 'retry-after': String(buffer.retryAfterSeconds()) });
}

export function ingestHandler(table: TableName, opts: HttpIngestOptions): (req: HttpRequest) => Promise<HttpResponse> {
  const { buffer, metrics, limits } = opts;
  const encode = encoderFor(table);
  return async (req) => {
    if (!buffer.accepting) throw busy(buffer, 'ingest is not running (starting or shutting down)');
    if (buffer.full) throw busy(buffer, 'the ingest buffer is full (ClickHouse slow or unreachable); retry later');
    const body = await req.body(opts.maxBodyBytes);
    const contentType = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
    const decoded = decodePayload(body, contentType, table);
    if (isRejection(decoded)) {
      metrics.invalid.inc({ source: 'http', reason: decoded.reason });
      throw new HttpError(400, decoded.message, { code: errorCodeOf(decoded.reason), reason: decoded.reason, errors: [{ index: 0, reason: decoded.reason, code: errorCodeOf(decoded.reason), message: decoded.message }] });
    }
    const lines: string[] = [];
    const errors: EventError[] = [];
    let invalid = 0;
    for (let i = 0; i < decoded.count; i++) {
      const ev = decoded.get(i);
      const line = isRejection(ev) ? ev : encode(ev, limits, HTTP_TAIL);
      if (typeof line === 'string') {
        lines.push(line);
        continue;
      }
      invalid++;
      metrics.invalid.inc({ source: 'http', reason: line.reason });
      if (errors.length < MAX_LISTED_ERRORS) {
        const id = typeof ev === 'object' && ev !== null && !isRejection(ev) ? (ev as Record<string, unknown>).event_id : undefined;
        errors.push({ index: i, ...(typeof id === 'string' ? { event_id: id } : {}), reason: line.reason, code: errorCodeOf(line.reason), message: line.message });
      }
    }
    metrics.consumed.inc({ source: 'http', table }, decoded.count);
    if (invalid > 0) {
      throw new HttpError(400, `${invalid} of ${decoded.count} events are invalid; nothing was stored`, { code: 'DW_INGEST_INVALID_EVENT', invalid, total: decoded.count, errors });
    }
    if (buffer.full) throw busy(buffer, 'the ingest buffer is full (ClickHouse slow or unreachable); retry later');
    let settle!: { resolve: () => void; reject: (e: unknown) => void };
    const stored = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
    const chunk: Chunk = { table, source: 'http', body: Buffer.from(lines.join('\n') + '\n'), rows: lines.length, done: settle };
    try {
      buffer.append(chunk);
    } catch {
      throw busy(buffer, 'ingest is shutting down');
    }
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), opts.maxWaitMs ?? 60_000);
      timer.unref();
    });
    try {
      const outcome = await Promise.race([stored.then(() => 'stored' as const), timedOut]);
      if (outcome === 'timeout') {
        // Accepted and still queued: retrying would store it twice.
        return { status: 202, body: { accepted: lines.length, stored: false, message: 'accepted; ClickHouse is slow, the rows are stored when it answers' } };
      }
    } catch {
      throw busy(buffer, 'the rows could not be stored before shutdown; retry later');
    } finally {
      clearTimeout(timer);
    }
    return { status: 200, body: { accepted: lines.length, stored: true } };
  };
}

export function addIngestRoutes(router: Router, opts: HttpIngestOptions): void {
  router.add('POST', '/v1/predictions', ingestHandler('predictions', opts));
  router.add('POST', '/v1/labels', ingestHandler('labels', opts));
}
