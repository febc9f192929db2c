// What a kafkajs codec can learn about the record batch it is decompressing,
// and what it hands back when the batch cannot be decoded.
//
// kafkajs (2.2.4, src/protocol/recordBatch/v0/decoder.js) reads a batch's
// header, then calls codec.decompress(records) with a Buffer view into the
// fetch response that starts right after the header and ends at the batch's
// end, and decodes exactly `recordCount` records from what it gets back. Any
// throw there fails the whole fetch response (every partition of that
// broker), which kafkajs retries forever: one bad batch stalls everything.
//
// So the codec never throws for a magic-2 batch. It reads the header from the
// bytes before the view (checked: the length field must match the view and
// the magic byte must be 2), verifies the batch CRC-32C, decompresses under
// a cap and checks that the output holds exactly `recordCount` well-formed
// records. When anything fails it returns a marker instead: `recordCount`
// records, all at the batch's last offset, the first of them carrying a
// `dw-poison-batch` header that says which offsets the batch held and why it
// was refused (plus the batch's stored bytes as its value). The consumer
// dead-letters that one marker and commits past the batch.
import { randomBytes } from 'node:crypto';
import { crc32c } from './codecs/checksums.ts';
import type { UndecodableCause } from './codecs/errors.ts';

/** Bytes of a v2 record batch before its records (baseOffset .. recordCount). */
export const BATCH_HEADER = 61;
/** Where the CRC-covered part starts (attributes), counted from the batch start. */
const CRC_FROM = 21;

export interface BatchHeader {
  baseOffset: bigint;
  lastOffsetDelta: number;
  recordCount: number;
  attributes: number;
  /** True when the stored CRC-32C matches the batch's bytes. */
  crcOk: boolean;
}

/**
 * The header of the batch whose records `view` is, or null when the bytes
 * before the view are not that batch's header (kafkajs's legacy message-set
 * path hands codecs a message value instead).
 */
export function batchHeaderOf(view: Uint8Array): BatchHeader | null {
  if (view.byteOffset < BATCH_HEADER) return null;
  const dv = new DataView(view.buffer, view.byteOffset - BATCH_HEADER, BATCH_HEADER);
  const length = dv.getInt32(8);
  const magic = dv.getInt8(16);
  if (magic !== 2 || length !== BATCH_HEADER - 12 + view.byteLength) return null;
  const whole = new Uint8Array(view.buffer, view.byteOffset - BATCH_HEADER, BATCH_HEADER + view.byteLength);
  return {
    baseOffset: dv.getBigInt64(0),
    attributes: dv.getInt16(21),
    lastOffsetDelta: dv.getInt32(23),
    recordCount: dv.getInt32(57),
    crcOk: dv.getUint32(17) === crc32c(whole, CRC_FROM),
  };
}

/** A zigzag varint (as kafkajs reads them: at most 5 bytes), or null past `end`. */
function varint(b: Uint8Array, pos: { i: number }, end: number, maxBytes = 5): number | null {
  let raw = 0;
  for (let n = 0; n < maxBytes; n++) {
    if (pos.i >= end) return null;
    const byte = b[pos.i++]!;
    raw += (byte & 0x7f) * 2 ** (7 * n);
    if (byte < 0x80) return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  }
  return null;
}

function bytesField(b: Uint8Array, pos: { i: number }, end: number, nullable: boolean): boolean {
  const len = varint(b, pos, end);
  if (len === null || len < (nullable ? -1 : 0)) return false;
  if (len > 0) pos.i += len;
  return pos.i <= end;
}

/** One record's fields, exactly filling [start, end). */
function recordWellFormed(b: Uint8Array, start: number, end: number): boolean {
  const pos = { i: start + 1 }; // attributes
  if (pos.i > end) return false;
  if (varint(b, pos, end, 10) === null) return false; // timestamp delta (varlong)
  if (varint(b, pos, end) === null) return false; // offset delta
  if (!bytesField(b, pos, end, true) || !bytesField(b, pos, end, true)) return false; // key, value
  const headers = varint(b, pos, end);
  if (headers === null || headers < -1) return false;
  for (let h = 0; h < headers; h++) {
    if (!bytesField(b, pos, end, false) || !bytesField(b, pos, end, true)) return false;
  }
  return pos.i === end;
}

/** True when `records` holds exactly `count` well-formed records and nothing else (as the Java client requires). */
export function recordsWellFormed(records: Uint8Array, count: number): boolean {
  const pos = { i: 0 };
  for (let r = 0; r < count; r++) {
    const len = varint(records, pos, records.length);
    if (len === null || len < 0 || pos.i + len > records.length) return false;
    if (!recordWellFormed(records, pos.i, pos.i + len)) return false;
    pos.i += len;
  }
  return pos.i === records.length;
}

/** Header carrying a marker's facts; its value is JSON (PoisonInfo). */
export const POISON_HEADER = 'dw-poison-batch';
/** Markers carry this process's token, so a producer cannot forge one. */
const TOKEN = randomBytes(12).toString('hex');
/** The most records a marker is built for; a larger count means a corrupt header. */
export const MAX_MARKER_RECORDS = 1_000_000;

export interface PoisonInfo {
  token: string;
  cause: UndecodableCause;
  codec: string;
  firstOffset: string;
  lastOffset: string;
  records: number;
  message: string;
}

function zigzag(n: number): number[] {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function record(offsetDelta: number, value: Uint8Array | null, headers: Array<[string, Uint8Array]>): Buffer {
  const body: Array<number[] | Uint8Array> = [[0, 0], zigzag(offsetDelta), zigzag(-1)];
  if (value === null) body.push(zigzag(-1));
  else body.push(zigzag(value.length), value);
  body.push(zigzag(headers.length));
  for (const [k, v] of headers) {
    const key = Buffer.from(k);
    body.push(zigzag(key.length), key, zigzag(v.length), v);
  }
  const bytes = Buffer.concat(body.map((p) => (p instanceof Uint8Array ? p : Buffer.from(p))));
  return Buffer.concat([Buffer.from(zigzag(bytes.length)), bytes]);
}

/** The records kafkajs decodes in place of a batch it could not: see the top of this file. */
export function poisonMarker(header: BatchHeader, stored: Uint8Array, info: Omit<PoisonInfo, 'token' | 'firstOffset' | 'lastOffset' | 'records'>): Buffer {
  const full: PoisonInfo = {
    token: TOKEN,
    ...info,
    firstOffset: header.baseOffset.toString(),
    lastOffset: (header.baseOffset + BigInt(header.lastOffsetDelta)).toString(),
    records: header.recordCount,
  };
  const first = record(header.lastOffsetDelta, stored, [[POISON_HEADER, Buffer.from(JSON.stringify(full))]]);
  if (header.recordCount === 1) return first;
  const filler = record(header.lastOffsetDelta, null, []);
  const out = Buffer.allocUnsafe(first.length + filler.length * (header.recordCount - 1));
  first.copy(out, 0);
  for (let i = 0, at = first.length; i < header.recordCount - 1; i++, at += filler.length) filler.copy(out, at);
  return out;
}

/** The marker's facts when a message is one this process made, else null. */
export function poisonInfo(headers: Record<string, unknown> | undefined): PoisonInfo | null {
  const raw = headers?.[POISON_HEADER];
  if (raw === undefined) return null;
  const text = Buffer.isBuffer(raw) ? raw.toString() : Array.isArray(raw) ? String(raw[0]) : String(raw);
  try {
    const info = JSON.parse(text) as PoisonInfo;
    return info.token === TOKEN ? info : null;
  } catch {
    return null;
  }
}
