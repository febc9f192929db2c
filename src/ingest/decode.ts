// Tell the formats of a Kafka message or HTTP body apart (content-type
// header first, then the bytes) and turn them into events: one JSON object,
// a JSON array, NDJSON lines, or an Arrow IPC stream of many rows.
//
// decodePayload never throws and never does more work than its input's size
// allows: JSON must be UTF-8 (bytes that are not become a Rejection rather
// than U+FFFD, which would make different values equal), a payload holds at
// most `maxEvents` events, and Arrow is checked against its limits
// (arrow-ipc.ts) before apache-arrow reads it.
import { isUtf8 } from 'node:buffer';
import { DEFAULT_ARROW_LIMITS, type ArrowLimits } from './arrow-ipc.ts';
import { decodeArrowRows } from './arrow.ts';
import type { TableName } from './encode.ts';
import { isRejection, reject, type Rejection } from './reasons.ts';

export interface DecodeLimits {
  /** Most events one payload may hold (more: reason oversize). */
  maxEvents: number;
  /** Children an Arrow features struct may have (ingest.max_features). */
  maxFeatures: number;
  /** Limits of Arrow IPC payloads (their maxRows is maxEvents). */
  arrow: Omit<ArrowLimits, 'maxRows'>;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxEvents: 100_000, maxFeatures: 1000, arrow: DEFAULT_ARROW_LIMITS };

export type Format = 'json' | 'ndjson' | 'arrow';

/** Events of one payload; an item is a Rejection when that one event (an NDJSON line) did not parse. */
export interface Events {
  readonly count: number;
  get(i: number): unknown;
  /** True when the payload was exactly one JSON object (the bytes may then go to the engine as they are). */
  readonly singleJsonObject?: boolean;
}

const ARROW_TYPES = new Set(['application/vnd.apache.arrow.stream', 'application/vnd.apache.arrow.file', 'application/x-apache-arrow-stream', 'application/arrow']);
const NDJSON_TYPES = new Set(['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']);
const JSON_TYPES = new Set(['application/json', 'text/json']);
const SNIFF_TYPES = new Set(['', 'application/octet-stream', 'text/plain']);

/** The format a content-type names: a Format, 'sniff' (say nothing), or a Rejection. */
export function formatOfContentType(contentType: string | undefined): Format | 'sniff' | Rejection {
  if (contentType === undefined) return 'sniff';
  const semi = contentType.indexOf(';');
  const ct = (semi >= 0 ? contentType.slice(0, semi) : contentType).trim().toLowerCase();
  if (JSON_TYPES.has(ct) || ct.endsWith('+json')) return 'json';
  if (NDJSON_TYPES.has(ct)) return 'ndjson';
  if (ARROW_TYPES.has(ct)) return 'arrow';
  if (SNIFF_TYPES.has(ct)) return 'sniff';
  return reject('unsupported_format', `content-type ${JSON.stringify(ct.slice(0, 100))} is not JSON, NDJSON or Arrow IPC`);
}

function firstSignificant(buf: Uint8Array): number {
  let i = 0;
  // UTF-8 byte order mark
  if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) i = 3;
  for (; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}

/** Arrow IPC stream (continuation marker) or file ("ARROW1" magic). */
export function looksLikeArrow(buf: Uint8Array): boolean {
  if (buf.length >= 4 && buf[0] === 0xff && buf[1] === 0xff && buf[2] === 0xff && buf[3] === 0xff) return true;
  return buf.length >= 6 && buf[0] === 0x41 && buf[1] === 0x52 && buf[2] === 0x52 && buf[3] === 0x4f && buf[4] === 0x57 && buf[5] === 0x31;
}

class One implements Events {
  readonly count = 1;
  readonly singleJsonObject: boolean;
  constructor(private readonly value: unknown) {
    this.singleJsonObject = typeof value === 'object' && value !== null;
  }
  get(): unknown {
    return this.value;
  }
}

class Many implements Events {
  constructor(private readonly values: readonly unknown[]) {}
  get count(): number {
    return this.values.length;
  }
  get(i: number): unknown {
    return this.values[i];
  }
}

function tooMany(max: number): Rejection {
  return reject('oversize', `more than ${max} events in one payload`);
}

function parseNdjson(text: string, maxEvents: number): Events | Rejection {
  const values: unknown[] = [];
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, end).trim();
    lineNo++;
    if (line.length > 0) {
      if (values.length >= maxEvents) return tooMany(maxEvents);
      try {
        values.push(JSON.parse(line));
      } catch (e) {
        values.push(reject('invalid_json', `line ${lineNo}: ${(e as Error).message.slice(0, 200)}`));
      }
    }
    start = end + 1;
  }
  if (values.length === 0) return reject('empty', 'no events');
  return new Many(values);
}

function parseJson(text: string, allowNdjson: boolean, maxEvents: number): Events | Rejection {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    // Several objects one per line, without a content-type saying so.
    if (allowNdjson && text.indexOf('\n') > 0 && text.trimStart().startsWith('{')) return parseNdjson(text, maxEvents);
    return reject('invalid_json', (e as Error).message.slice(0, 200));
  }
  if (Array.isArray(value)) {
    if (value.length > maxEvents) return tooMany(maxEvents);
    return value.length === 0 ? reject('empty', 'an empty JSON array') : new Many(value);
  }
  return new One(value);
}

/** The format of a payload: from its content-type, else from its bytes. */
export function formatOf(buf: Uint8Array, contentType: string | undefined): Format | Rejection {
  const fmt = formatOfContentType(contentType);
  if (isRejection(fmt) || fmt !== 'sniff') return fmt;
  return looksLikeArrow(buf) ? 'arrow' : 'json';
}

/**
 * Decode a payload into events for `target`. A Rejection means the payload as
 * a whole is unusable (bad JSON or Arrow, empty, unsupported format, too
 * many events); single bad events show up later, when each is validated.
 * `limits` defaults to DEFAULT_DECODE_LIMITS.
 */
export function decodePayload(buf: Uint8Array, contentType: string | undefined, target: TableName, limits: Partial<DecodeLimits> = {}): Events | Rejection {
  const lim = { ...DEFAULT_DECODE_LIMITS, ...limits };
  if (buf.length === 0) return reject('empty', 'empty message');
  const fmt = formatOfContentType(contentType);
  if (isRejection(fmt)) return fmt;
  let format: Format;
  if (fmt === 'sniff') {
    if (looksLikeArrow(buf)) format = 'arrow';
    else {
      const c = firstSignificant(buf);
      if (c === -1) return reject('empty', 'the message holds only whitespace');
      format = 'json';
    }
  } else {
    format = fmt;
  }
  if (format === 'arrow') {
    const rows = decodeArrowRows(buf, target, { ...lim.arrow, maxRows: lim.maxEvents }, { maxFeatures: lim.maxFeatures, maxNameBytes: 8 * buf.length + 1024 * 1024 });
    if (isRejection(rows)) return rows;
    return { count: rows.count, get: (i: number) => rows.row(i) };
  }
  if (!isUtf8(buf)) return reject('invalid_json', 'the bytes are not valid UTF-8');
  const text = Buffer.isBuffer(buf) ? buf.toString('utf8') : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  return format === 'ndjson' ? parseNdjson(text, lim.maxEvents) : parseJson(text, true, lim.maxEvents);
}
