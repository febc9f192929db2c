// Validate one event against the event contract and turn it into one
// JSONEachRow line for the predictions or labels table. This is the hot path
// of ingestion: no intermediate row object, one string per event. The engine
// reads the `features`, `probabilities` and `tags` objects straight from the
// line (input_format_json_read_objects_as_strings for the String column).
//
// Everything the engine is given was produced here from validated values, so
// a batch cannot fail to parse: a bad event is a Rejection, never a bad line.
import { bytesEqual, ownKeyCount, scanObject } from './json-keys.ts';
import { reject, type Rejection } from './reasons.ts';

export interface EncodeLimits {
  maxFeatures: number;
  maxStringLength: number;
  /**
   * Refuse events whose ts is older than this many milliseconds (reason
   * `expired`): the retention TTL (clickhouse.ttl_days) would drop them at
   * once. Unset: no check.
   */
  retentionMs?: number;
}

/** Columns the encoders write, besides the ones the tail adds. */
export type TableName = 'predictions' | 'labels';

const MIN_TS_MS = Date.UTC(2000, 0, 1);
const MAX_TS_MS = Date.UTC(2200, 0, 1);
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/i;
const DIGITS_RE = /^\d{10,16}$/;

const q = JSON.stringify as (s: string) => string;

/**
 * The tail of a line: where the row came from, and the closing brace. Built
 * once per (topic, partition) so the hot path appends two numbers.
 */
export function kafkaTailPrefix(topic: string, partition: number): string {
  return `,"source":"kafka","kafka_topic":${q(topic)},"kafka_partition":${partition},"kafka_offset":`;
}

export function kafkaTail(prefix: string, offset: number | string, index: number): string {
  return `${prefix}${offset},"kafka_index":${index}}`;
}

export const HTTP_TAIL = ',"source":"http","kafka_topic":"","kafka_partition":-1,"kafka_offset":-1,"kafka_index":0}';

/** Epoch ms of a contract timestamp (ISO-8601 string or epoch ms), or a Rejection. */
export function parseTimestamp(v: unknown): number | Rejection {
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return reject('non_finite', 'ts is not a finite number');
    ms = Math.floor(v);
  } else if (typeof v === 'string') {
    if (DIGITS_RE.test(v)) {
      ms = Number(v);
    } else {
      const m = ISO_RE.exec(v);
      if (!m) return reject('bad_timestamp', `ts ${q(v.slice(0, 64))} is not ISO-8601 or epoch milliseconds`);
      // A date-time without a zone is UTC here (JavaScript would read it as local time).
      const text = v.length > 10 ? v.replace(' ', 'T') : v;
      ms = Date.parse(m[1] === undefined && v.length > 10 ? text + 'Z' : text);
      if (!Number.isFinite(ms)) return reject('bad_timestamp', `ts ${q(v.slice(0, 64))} is not a valid date`);
    }
  } else if (v === undefined || v === null || v === '') {
    return reject('missing_field', 'ts is required');
  } else {
    return reject('wrong_type', `ts must be an ISO-8601 string or epoch milliseconds, not ${kindOf(v)}`);
  }
  if (ms < MIN_TS_MS || ms >= MAX_TS_MS) {
    return reject('bad_timestamp', `ts ${String(v).slice(0, 64)} is outside 2000-01-01..2200-01-01 (epoch milliseconds expected)`);
  }
  return ms;
}

/** ts (epoch ms) against the retention window of `limits`, or why it is refused. */
function checkRetention(ts: number, limits: EncodeLimits): Rejection | null {
  if (limits.retentionMs === undefined || limits.retentionMs <= 0) return null;
  const cutoff = Date.now() - limits.retentionMs;
  if (ts >= cutoff) return null;
  const days = Math.round(limits.retentionMs / 86_400_000);
  return reject('expired', `ts ${formatTs(ts)} is older than the retention window (clickhouse.ttl_days = ${days}): it would be deleted at once`);
}

// Events of one batch mostly share their second: keep the text of the last one.
let lastSecond = NaN;
let lastPrefix = '';

/** `YYYY-MM-DD hh:mm:ss.sss` in UTC: parsed the same by every date_time_input_format. */
export function formatTs(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    const iso = new Date(second * 1000).toISOString();
    lastPrefix = iso.slice(0, 10) + ' ' + iso.slice(11, 20);
    lastSecond = second;
  }
  const frac = ms - second * 1000;
  return lastPrefix + (frac < 10 ? '00' : frac < 100 ? '0' : '') + frac;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

// String.prototype.isWellFormed (Node 20) is not in the ES2023 lib typings.
const wellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/**
 * A string that is not valid Unicode (a lone UTF-16 surrogate, sent as a
 * `\ud800` escape) cannot be stored: ClickHouse refuses the whole row. It is
 * refused here, before anything is acknowledged, rather than repaired:
 * replacing it with U+FFFD would make different ids or categories equal.
 */
function badUnicode(what: string): Rejection {
  return reject('invalid_unicode', `${what} holds a lone UTF-16 surrogate (not valid Unicode)`);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A required, non-empty identifier-like field (event_id, model). Numbers are accepted as their decimal text. */
function requiredString(obj: Record<string, unknown>, key: string, limits: EncodeLimits): string | Rejection {
  const v = obj[key];
  if (typeof v === 'string') {
    if (v.length === 0) return reject('missing_field', `${key} is empty`);
    if (v.length > limits.maxStringLength) return reject('oversize', `${key} is longer than ${limits.maxStringLength} characters`);
    if (!wellFormed(v)) return badUnicode(key);
    return v;
  }
  if (v === undefined || v === null) return reject('missing_field', `${key} is required`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return reject('non_finite', `${key} is not a finite number`);
    return String(v);
  }
  return reject('wrong_type', `${key} must be a string, not ${kindOf(v)}`);
}

function optionalString(obj: Record<string, unknown>, key: string, limits: EncodeLimits): string | Rejection {
  const v = obj[key];
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') {
    if (v.length > limits.maxStringLength) return reject('oversize', `${key} is longer than ${limits.maxStringLength} characters`);
    if (!wellFormed(v)) return badUnicode(key);
    return v;
  }
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return reject('non_finite', `${key} is not a finite number`);
    return String(v);
  }
  return reject('wrong_type', `${key} must be a string, not ${kindOf(v)}`);
}

/** JSON text of an optional number: `null` when absent. */
function optionalNumber(obj: Record<string, unknown>, key: string): string | Rejection {
  const v = obj[key];
  if (v === undefined || v === null) return 'null';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : reject('non_finite', `${key} is NaN or Infinity`);
  return reject('wrong_type', `${key} must be a number, not ${kindOf(v)}`);
}

/** optionalNumber's checks without building the text (the hot path validates first, writes later). */
function checkOptionalNumber(obj: Record<string, unknown>, key: string): Rejection | null {
  const v = obj[key];
  if (v === undefined || v === null) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? null : reject('non_finite', `${key} is NaN or Infinity`);
  return reject('wrong_type', `${key} must be a number, not ${kindOf(v)}`);
}

/** Check every feature value's type; null when the features are fine. */
function checkFeatures(v: unknown, limits: EncodeLimits): Rejection | null {
  if (v === undefined || v === null) return null;
  if (!isPlainObject(v)) return reject('wrong_type', `features must be an object, not ${kindOf(v)}`);
  let n = 0;
  for (const key in v) {
    if (++n > limits.maxFeatures) return reject('oversize', `more than ${limits.maxFeatures} features`);
    const x = v[key];
    switch (typeof x) {
      case 'number':
        if (!Number.isFinite(x)) return reject('non_finite', `feature ${q(key.slice(0, 100))} is NaN or Infinity`);
        break;
      case 'string':
        if (x.length > limits.maxStringLength) return reject('oversize', `feature ${q(key.slice(0, 100))} is longer than ${limits.maxStringLength} characters`);
        if (!wellFormed(x)) return badUnicode(`feature ${q(key.slice(0, 100))}`);
        break;
      case 'boolean':
        break;
      default:
        if (x !== null) return reject('wrong_type', `feature ${q(key.slice(0, 100))} must be a number, string, boolean or null, not ${kindOf(x)}`);
    }
    if (key.length === 0) return reject('wrong_type', 'a feature name is empty');
    if (key.length > limits.maxStringLength) return reject('oversize', 'a feature name is too long');
    if (!wellFormed(key)) return badUnicode('a feature name');
  }
  return null;
}

function checkNumberMap(v: unknown, key: string): Rejection | null {
  if (v === undefined || v === null) return null;
  if (!isPlainObject(v)) return reject('wrong_type', `${key} must be an object of numbers, not ${kindOf(v)}`);
  for (const k in v) {
    const x = v[k];
    if (!wellFormed(k)) return badUnicode(`a ${key} key`);
    if (typeof x !== 'number') return reject('wrong_type', `${key}.${k.slice(0, 100)} must be a number, not ${kindOf(x)}`);
    if (!Number.isFinite(x)) return reject('non_finite', `${key}.${k.slice(0, 100)} is NaN or Infinity`);
  }
  return null;
}

/** Tag values are strings; numbers and booleans are accepted and keep their text ('convert'). */
function checkStringMap(v: unknown, key: string, limits: EncodeLimits): Rejection | 'ok' | 'convert' {
  if (v === undefined || v === null) return 'ok';
  if (!isPlainObject(v)) return reject('wrong_type', `${key} must be an object of strings, not ${kindOf(v)}`);
  let result: 'ok' | 'convert' = 'ok';
  for (const k in v) {
    const x = v[k];
    if (!wellFormed(k)) return badUnicode(`a ${key} key`);
    if (typeof x === 'string') {
      if (x.length > limits.maxStringLength) return reject('oversize', `${key}.${k.slice(0, 100)} is too long`);
      if (!wellFormed(x)) return badUnicode(`${key}.${k.slice(0, 100)}`);
    } else if ((typeof x === 'number' && Number.isFinite(x)) || typeof x === 'boolean') {
      result = 'convert';
    } else {
      return reject('wrong_type', `${key}.${k.slice(0, 100)} must be a string, not ${kindOf(x)}`);
    }
  }
  return result;
}

function stringMapJson(v: unknown, check: 'ok' | 'convert'): string {
  if (v === undefined || v === null) return '{}';
  if (check === 'ok') return JSON.stringify(v);
  const o: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) o[k] = String(x);
  return JSON.stringify(o);
}

/** prediction (String) and prediction_num (Nullable Float64) from a number, string or boolean. */
function predictionFields(v: unknown, limits: EncodeLimits): string | Rejection {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) return reject('non_finite', 'prediction is NaN or Infinity');
      return `"prediction":"${v}","prediction_num":${v}`;
    case 'string':
      if (v.length > limits.maxStringLength) return reject('oversize', 'prediction is too long');
      if (!wellFormed(v)) return badUnicode('prediction');
      return `"prediction":${q(v)},"prediction_num":null`;
    case 'boolean':
      return v ? '"prediction":"true","prediction_num":1' : '"prediction":"false","prediction_num":0';
    default:
      if (v === undefined || v === null) return '"prediction":"","prediction_num":null';
      return reject('wrong_type', `prediction must be a number, string or boolean, not ${kindOf(v)}`);
  }
}

/** The checks every prediction passes, in one place for both ways of writing it. */
interface Checked {
  eventId: string;
  model: string;
  ts: number;
  version: string;
  error: string;
  tags: 'ok' | 'convert';
}

/** What predictions and labels share: event_id, model and a ts inside the retention window. */
function checkIdentity(v: Record<string, unknown>, limits: EncodeLimits): Rejection | { eventId: string; model: string; ts: number } {
  const eventId = requiredString(v, 'event_id', limits);
  if (typeof eventId !== 'string') return eventId;
  const model = requiredString(v, 'model', limits);
  if (typeof model !== 'string') return model;
  const ts = parseTimestamp(v.ts);
  if (typeof ts !== 'number') return ts;
  return checkRetention(ts, limits) ?? { eventId, model, ts };
}

function checkPrediction(v: unknown, limits: EncodeLimits): Rejection | Checked {
  if (!isPlainObject(v)) return reject('not_an_object', `an event must be a JSON object, not ${kindOf(v)}`);
  const id = checkIdentity(v, limits);
  if (isRejectionLike(id)) return id;
  const { eventId, model, ts } = id;
  const version = optionalString(v, 'model_version', limits);
  if (typeof version !== 'string') return version;
  const features = checkFeatures(v.features, limits);
  if (features) return features;
  const confidence = checkOptionalNumber(v, 'confidence');
  if (confidence) return confidence;
  const latency = checkOptionalNumber(v, 'latency_ms');
  if (latency) return latency;
  const error = optionalString(v, 'error', limits);
  if (typeof error !== 'string') return error;
  const probabilities = checkNumberMap(v.probabilities, 'probabilities');
  if (probabilities) return probabilities;
  const tags = checkStringMap(v.tags, 'tags', limits);
  if (typeof tags !== 'string') return tags;
  return { eventId, model, ts, version, error, tags };
}

/**
 * One predictions row (without its trailing newline), or why the event was refused.
 * `tail` closes the line with the row's origin (kafkaTail / HTTP_TAIL).
 */
export function encodePrediction(v: unknown, limits: EncodeLimits, tail: string): string | Rejection {
  const c = checkPrediction(v, limits);
  if (isRejectionLike(c)) return c;
  return predictionLine(c, v as Record<string, unknown>, limits, tail);
}

function predictionLine(c: Checked, o: Record<string, unknown>, limits: EncodeLimits, tail: string): string | Rejection {
  const prediction = predictionFields(o.prediction, limits);
  if (typeof prediction !== 'string') return prediction;
  return (
    `{"event_id":${q(c.eventId)},"ts":"${formatTs(c.ts)}","model":${q(c.model)},"model_version":${q(c.version)},${prediction}` +
    `,"confidence":${optionalNumber(o, 'confidence') as string},"probabilities":${o.probabilities == null ? '{}' : JSON.stringify(o.probabilities)}` +
    `,"latency_ms":${optionalNumber(o, 'latency_ms') as string},"error":${q(c.error)}` +
    `,"tags":${stringMapJson(o.tags, c.tags)},"features":${o.features == null ? '{}' : JSON.stringify(o.features)}${tail}`
  );
}

function isRejectionLike(v: object): v is Rejection {
  return 'reason' in v;
}

const RESERVED = ['prediction_num', 'source', 'kafka_topic', 'kafka_partition', 'kafka_offset', 'kafka_index', 'ingested_at'] as const;
const PASSTHROUGH_TS_RE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})?$/;

/**
 * The fast path for a message that is one JSON object: when the object as
 * sent can be a JSONEachRow line (the engine reads ISO timestamps, numbers
 * into String columns, skips unknown keys), only what the engine cannot
 * derive is appended: prediction_num and the origin (`tail`, without its
 * leading brace). `raw` is the object's own text, trimmed. Returns that
 * suffix, a Rejection (same rules as encodePrediction), or null when the
 * event must be re-encoded: epoch-ms timestamps, reserved keys, tags with
 * non-string values, absent features, and what asSent refuses.
 */
export function passthroughSuffix(v: unknown, raw: Uint8Array, limits: EncodeLimits, tail: string): string | Rejection | null {
  const c = checkPrediction(v, limits);
  if (isRejectionLike(c)) return c;
  const o = v as Record<string, unknown>;
  const suffix = suffixOf(c, o, limits, tail);
  return typeof suffix === 'string' && !asSent(o, raw) ? null : suffix;
}

/**
 * Whether the engine reads `raw` (the text JSON.parse made `o` of) as the
 * re-encoded event would be read (json-keys.ts): one line, no top-level key
 * twice (JSON.parse keeps the last, the engine refuses the line, and a row
 * acknowledged must not be refused later), and a numeric prediction written
 * as re-encoding writes it (the engine keeps `1.50` as text where
 * re-encoding writes `1.5`), so the stored row does not depend on the path.
 */
function asSent(o: Record<string, unknown>, raw: Uint8Array): boolean {
  if (raw[0] !== 0x7b || raw[raw.length - 1] !== 0x7d) return false;
  const scan = scanObject(raw);
  if (scan.keys !== ownKeyCount(o)) return false;
  return typeof o.prediction !== 'number' || bytesEqual(raw, scan.predictionStart, scan.predictionEnd, String(o.prediction));
}

function suffixOf(c: Checked, o: Record<string, unknown>, limits: EncodeLimits, tail: string): string | Rejection | null {
  if (c.tags === 'convert' || o.features == null || typeof o.ts !== 'string' || !PASSTHROUGH_TS_RE.test(o.ts)) return null;
  for (const k of RESERVED) if (k in o) return null;
  const p = o.prediction;
  switch (typeof p) {
    case 'number':
      if (!Number.isFinite(p)) return reject('non_finite', 'prediction is NaN or Infinity');
      return `,"prediction_num":${p}${tail}`;
    case 'string':
      if (p.length > limits.maxStringLength) return reject('oversize', 'prediction is too long');
      if (!wellFormed(p)) return badUnicode('prediction');
      return `,"prediction_num":null${tail}`;
    case 'boolean':
      return `,"prediction_num":${p ? 1 : 0}${tail}`;
    default:
      if (p === undefined || p === null) return `,"prediction_num":null${tail}`;
      return reject('wrong_type', `prediction must be a number, string or boolean, not ${kindOf(p)}`);
  }
}

/** ClickHouse settings the lines written here rely on. */
export const INSERT_SETTINGS = {
  input_format_json_read_objects_as_strings: 1,
  input_format_json_read_numbers_as_strings: 1,
  input_format_json_read_bools_as_strings: 1,
  input_format_skip_unknown_fields: 1,
  input_format_null_as_default: 1,
  date_time_input_format: 'best_effort',
} as const;

/** The label's columns and its text as stored, or why it is refused. */
function labelFields(label: unknown, limits: EncodeLimits): { fields: string; text: string } | Rejection {
  switch (typeof label) {
    case 'number':
      if (!Number.isFinite(label)) return reject('non_finite', 'label is NaN or Infinity');
      return { fields: `"label":"${label}","label_num":${label}`, text: String(label) };
    case 'string':
      if (label.length === 0) return reject('missing_field', 'label is empty');
      if (label.length > limits.maxStringLength) return reject('oversize', 'label is too long');
      if (!wellFormed(label)) return badUnicode('label');
      return { fields: `"label":${q(label)},"label_num":null`, text: label };
    case 'boolean':
      return label ? { fields: '"label":"true","label_num":1', text: 'true' } : { fields: '"label":"false","label_num":0', text: 'false' };
    default:
      if (label === undefined || label === null) return reject('missing_field', 'label is required');
      return reject('wrong_type', `label must be a number, string or boolean, not ${kindOf(label)}`);
  }
}

function checkLabel(v: unknown, limits: EncodeLimits): Rejection | { eventId: string; model: string; ts: number; fields: string; text: string } {
  if (!isPlainObject(v)) return reject('not_an_object', `a label must be a JSON object, not ${kindOf(v)}`);
  const id = checkIdentity(v, limits);
  if (isRejectionLike(id)) return id;
  const { eventId, model, ts } = id;
  const label = labelFields(v.label, limits);
  if (isRejectionLike(label)) return label;
  return { eventId, model, ts, ...label };
}

/** One labels row: `{ event_id, model, label, ts }`. */
export function encodeLabel(v: unknown, limits: EncodeLimits, tail: string): string | Rejection {
  const c = checkLabel(v, limits);
  if (isRejectionLike(c)) return c;
  return `{"event_id":${q(c.eventId)},"model":${q(c.model)},${c.fields},"ts":"${formatTs(c.ts)}"${tail}`;
}

/** An event taken over HTTP, ready for the buffer. */
export interface HttpEncoded {
  line: string;
  /**
   * The event's identity: equal for a copy sent again, different for any
   * other event. Predictions: model, model_version, ts and event_id; labels:
   * model, event_id, ts and the label. See dedup.ts.
   */
  key: string;
  model: string;
  /** ts in epoch ms. */
  ts: number;
}

/** A prediction's identity text (HttpEncoded.key). */
const predictionKey = (c: Checked): string => `${c.model}\u0000${c.version}\u0000${c.ts}\u0000${c.eventId}`;

/**
 * Validate and encode one event of an HTTP request, re-encoded from the
 * parsed value. httpPassthrough is the faster way for an event whose bytes
 * the engine can read as they came.
 */
export function encodeHttpEvent(table: TableName, v: unknown, limits: EncodeLimits): HttpEncoded | Rejection {
  if (table === 'labels') {
    const c = checkLabel(v, limits);
    if (isRejectionLike(c)) return c;
    const line = `{"event_id":${q(c.eventId)},"model":${q(c.model)},${c.fields},"ts":"${formatTs(c.ts)}"${HTTP_TAIL}`;
    return { line, key: `${c.model}\u0000${c.eventId}\u0000${c.ts}\u0000${c.text}`, model: c.model, ts: c.ts };
  }
  const c = checkPrediction(v, limits);
  if (isRejectionLike(c)) return c;
  const line = predictionLine(c, v as Record<string, unknown>, limits, HTTP_TAIL);
  if (typeof line !== 'string') return line;
  return { line, key: predictionKey(c), model: c.model, ts: c.ts };
}

/** An HTTP prediction that goes to the engine as it came: its identity, and the suffix closing its line. */
export interface HttpPassthrough {
  suffix: string;
  key: string;
  model: string;
  ts: number;
}

/** The fast path of an HTTP prediction (see passthroughSuffix), with the event's identity. */
export function httpPassthrough(v: unknown, raw: Uint8Array, limits: EncodeLimits): HttpPassthrough | Rejection | null {
  const c = checkPrediction(v, limits);
  if (isRejectionLike(c)) return c;
  const o = v as Record<string, unknown>;
  const suffix = suffixOf(c, o, limits, HTTP_TAIL);
  if (typeof suffix !== 'string') return suffix;
  if (!asSent(o, raw)) return null;
  return { suffix, key: predictionKey(c), model: c.model, ts: c.ts };
}

export function encoderFor(table: TableName): typeof encodePrediction {
  return table === 'predictions' ? encodePrediction : encodeLabel;
}
