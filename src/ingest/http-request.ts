// Read one HTTP ingest request into rows for the buffer, incrementally: the
// body is parsed chunk by chunk as it arrives (json-items.ts), each event is
// validated and encoded at once, and the event loop gets a turn every few
// milliseconds, so one large request neither holds memory proportional to
// its events as objects nor keeps /healthz or other requests waiting.
// Limits: the body (max_http_body_bytes, 413), the events of one request
// (max_http_events, 413), one JSON event (max_message_bytes, oversize), and
// the encoded rows (max_buffered_bytes / 2, 413). A request is all or
// nothing: any bad event and it is refused (400) with the bad ones listed.
import { createHash, type Hash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../core/http/router.ts';
import { decodeArrowRows } from './arrow.ts';
import type { HttpRows } from './buffer.ts';
import { ChunkWriter } from './chunk-writer.ts';
import { identityHash } from './dedup.ts';
import { formatOfContentType, looksLikeArrow, type DecodeLimits } from './decode.ts';
import { encodeHttpEvent, httpPassthrough, type EncodeLimits, type TableName } from './encode.ts';
import { JsonItemSplitter, type JsonItem } from './json-items.ts';
import { errorCodeOf, isRejection, type Rejection } from './reasons.ts';

export interface RequestLimits {
  encode: EncodeLimits;
  maxBodyBytes: number;
  maxEvents: number;
  maxEventBytes: number;
  maxEncodedBytes: number;
  decode: DecodeLimits;
  /** Compute the rows' identities (per-event deduplication is on). */
  withKeys: boolean;
}

export interface RequestRows {
  table: TableName;
  rows: number;
  body: Buffer;
  dedup: HttpRows | null;
  /** SHA-256 of the body (hex), when asked for. */
  hash: string | null;
}

const MAX_LISTED_ERRORS = 100;
const SLICE_BYTES = 16 * 1024;
const BUSY_MS = 8;

interface EventError {
  /** 0-based position of the event in the body (line order for NDJSON, array order for JSON, row for Arrow). */
  index: number;
  event_id?: string;
  reason: string;
  code: string;
  message: string;
}

/** Give the event loop a turn when this request has held it for a while. */
class Breather {
  #since = performance.now();
  async breathe(): Promise<void> {
    if (performance.now() - this.#since < BUSY_MS) return;
    await new Promise<void>((r) => setImmediate(r));
    this.#since = performance.now();
  }
}

function messageError(status: number, r: Rejection, onInvalid?: (reason: string, n: number) => void): HttpError {
  onInvalid?.(r.reason, 1);
  const code = errorCodeOf(r.reason);
  return new HttpError(status, r.message, { code, reason: r.reason, errors: [{ index: 0, reason: r.reason, code, message: r.message }] });
}

/** Validates and encodes events into one chunk body, with their identities. */
class RowsBuilder {
  readonly writer: ChunkWriter;
  #keys: Buffer;
  readonly models = new Set<string>();
  tmin = Infinity;
  tmax = -Infinity;
  total = 0;
  invalid = 0;
  readonly errors: EventError[] = [];
  readonly byReason = new Map<string, number>();
  tooBig = false;

  constructor(
    private readonly table: TableName,
    private readonly limits: RequestLimits,
    sizeHint: number,
    private readonly onInvalid: (reason: string, n: number) => void,
  ) {
    this.writer = new ChunkWriter(Math.min(sizeHint + 4096, 64 * 1024 * 1024));
    this.#keys = Buffer.allocUnsafe(limits.withKeys ? 8 * 1024 : 0);
  }

  get full(): boolean {
    return this.total > this.limits.maxEvents || this.tooBig;
  }

  add(index: number, value: unknown, raw?: Uint8Array): void {
    this.total++;
    if (this.total > this.limits.maxEvents) return;
    if (isRejection(value)) {
      this.#bad(index, value, undefined);
      return;
    }
    // Most predictions go to the engine as they came (no second encoding).
    const pass = raw && this.table === 'predictions' ? httpPassthrough(value, raw, this.limits.encode) : null;
    const enc = pass ?? encodeHttpEvent(this.table, value, this.limits.encode);
    if (isRejection(enc)) {
      const id = typeof value === 'object' && value !== null ? (value as Record<string, unknown>).event_id : undefined;
      this.#bad(index, enc, typeof id === 'string' ? id : undefined);
      return;
    }
    // Once the request is refused only the errors matter.
    if (this.invalid > 0) return;
    if ('suffix' in enc) this.writer.rawObject(raw as Uint8Array, 0, (raw as Uint8Array).length, enc.suffix);
    else this.writer.line(enc.line);
    if (this.writer.byteLength > this.limits.maxEncodedBytes) this.tooBig = true;
    this.models.add(enc.model);
    if (enc.ts < this.tmin) this.tmin = enc.ts;
    if (enc.ts > this.tmax) this.tmax = enc.ts;
    if (this.limits.withKeys) {
      const i = this.writer.rows - 1;
      if (this.#keys.length < 8 * (i + 1)) {
        const next = Buffer.allocUnsafe(this.#keys.length * 2);
        this.#keys.copy(next);
        this.#keys = next;
      }
      identityHash(this.table, enc.key, this.#keys, 8 * i);
    }
  }

  #bad(index: number, r: Rejection, eventId: string | undefined): void {
    this.invalid++;
    this.byReason.set(r.reason, (this.byReason.get(r.reason) ?? 0) + 1);
    if (this.errors.length < MAX_LISTED_ERRORS) this.errors.push({ index, ...(eventId === undefined ? {} : { event_id: eventId }), reason: r.reason, code: errorCodeOf(r.reason), message: r.message });
  }

  /** The rows, or the HttpError refusing the request. */
  finish(hash: string | null): RequestRows {
    for (const [reason, n] of this.byReason) this.onInvalid(reason, n);
    if (this.total > this.limits.maxEvents) {
      throw new HttpError(413, `more than ${this.limits.maxEvents} events in one request (ingest.max_http_events); split it`, { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' });
    }
    if (this.tooBig) {
      throw new HttpError(413, `the request's rows take more than ${this.limits.maxEncodedBytes} bytes once encoded; split it`, { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' });
    }
    if (this.invalid > 0) {
      throw new HttpError(400, `${this.invalid} of ${this.total} events are invalid; nothing was stored`, { code: 'DW_INGEST_INVALID_EVENT', invalid: this.invalid, total: this.total, errors: this.errors });
    }
    if (this.total === 0) throw messageError(400, { reason: 'empty', message: 'the body holds no event' });
    const rows = this.writer.rows;
    return {
      table: this.table,
      rows,
      body: this.writer.finish(),
      dedup: this.limits.withKeys ? { keys: Buffer.from(this.#keys.subarray(0, 8 * rows)), models: [...this.models], tmin: this.tmin, tmax: this.tmax, duplicates: 0 } : null,
      hash,
    };
  }
}

type Mode = 'json' | 'ndjson' | 'arrow';

/** The body's chunks, with the size limit, the hash, and a turn for the event loop between chunks. */
async function* chunks(req: IncomingMessage, limit: number, hasher: Hash | null): AsyncGenerator<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new HttpError(413, `request body of ${declared} bytes exceeds ingest.max_http_body_bytes (${limit})`, { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' }, { connection: 'close' });
  }
  let size = 0;
  // Not destroyed when the loop ends early: the answer (413) still has to go out on this socket.
  for await (const chunk of req.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new HttpError(413, `request body exceeds ingest.max_http_body_bytes (${limit})`, { code: 'DW_INGEST_INVALID_MESSAGE', reason: 'oversize' }, { connection: 'close' });
    }
    hasher?.update(chunk);
    yield chunk;
  }
}

/**
 * Read, validate and encode the events of one request. Throws an HttpError
 * (400, 413) when the request is refused.
 */
export async function readRequestRows(req: IncomingMessage, table: TableName, limits: RequestLimits, hashBody: boolean, onInvalid: (reason: string, n: number) => void = () => undefined): Promise<RequestRows> {
  const ct = typeof req.headers['content-type'] === 'string' ? req.headers['content-type'] : undefined;
  const declared = formatOfContentType(ct);
  if (isRejection(declared)) {
    req.resume();
    throw messageError(400, declared, onInvalid);
  }
  const hasher = hashBody ? createHash('sha256') : null;
  const hint = Number(req.headers['content-length'] ?? 0) || 64 * 1024;
  const rows = new RowsBuilder(table, limits, hint, onInvalid);
  const breather = new Breather();
  let mode: Mode | null = declared === 'sniff' ? null : declared;
  const head: Buffer[] = [];
  let splitter: JsonItemSplitter | null = null;
  let broken: Rejection | null = null;
  let size = 0;
  const sink = (item: JsonItem): void => rows.add(item.index, item.value, item.raw);
  const feed = async (chunk: Buffer): Promise<void> => {
    if (mode === 'arrow') {
      head.push(chunk);
      return;
    }
    splitter ??= new JsonItemSplitter(mode === 'ndjson' ? 'ndjson' : 'json', limits.maxEventBytes);
    for (let off = 0; off < chunk.length && !broken && !rows.full; off += SLICE_BYTES) {
      broken = splitter.push(chunk.subarray(off, off + SLICE_BYTES), sink);
      await breather.breathe();
    }
  };
  for await (const chunk of chunks(req, limits.maxBodyBytes, hasher)) {
    size += chunk.length;
    if (broken || rows.full) continue;
    if (mode === null) {
      // No content-type said what this is: sniff the first bytes.
      head.push(chunk);
      if (size < 8) continue;
      const first = Buffer.concat(head.splice(0));
      mode = looksLikeArrow(first) ? 'arrow' : 'json';
      await feed(first);
      continue;
    }
    await feed(chunk);
  }
  if (mode === null && head.length > 0) {
    const first = Buffer.concat(head.splice(0));
    mode = looksLikeArrow(first) ? 'arrow' : 'json';
    await feed(first);
  }
  if (size === 0) throw messageError(400, { reason: 'empty', message: 'empty body' }, onInvalid);
  if (mode === 'arrow') await readArrow(Buffer.concat(head), rows, table, limits, breather, onInvalid);
  else if (splitter && !broken && !rows.full) broken = (splitter as JsonItemSplitter).end(sink);
  if (broken) throw messageError(400, broken, onInvalid);
  return rows.finish(hasher ? hasher.digest('hex') : null);
}

async function readArrow(bytes: Buffer, rows: RowsBuilder, table: TableName, limits: RequestLimits, breather: Breather, onInvalid: (reason: string, n: number) => void): Promise<void> {
  const decoded = decodeArrowRows(bytes, table, { ...limits.decode.arrow, maxRows: limits.maxEvents }, { maxFeatures: limits.decode.maxFeatures, maxNameBytes: limits.maxEncodedBytes });
  if (isRejection(decoded)) throw messageError(decoded.reason === 'oversize' ? 413 : 400, decoded, onInvalid);
  for (let i = 0; i < decoded.count && !rows.full; i++) {
    rows.add(i, decoded.row(i));
    if ((i & 255) === 255) await breather.breathe();
  }
}
