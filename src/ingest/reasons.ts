// Why an input was refused. The reason is the `dw-reason` header on the
// dead-letter topic, the `reason` label of the metrics, and the `reason` of a
// per-line error in an HTTP 400; the README lists them all.
import type { ErrorCode } from '../core/errors.ts';

export const REJECT_REASONS = {
  invalid_json: 'The bytes are not valid JSON (NaN and Infinity literals included).',
  not_an_object: 'An event is not a JSON object (a number, string, nested array...).',
  missing_field: 'A required field is missing, null or empty (event_id, model, ts; label for labels).',
  wrong_type: 'A field has the wrong type (e.g. a feature that is an object, a model that is a number).',
  non_finite: 'A number is NaN or Infinity (Arrow floats, or JSON numbers too large for a double).',
  bad_timestamp: 'ts is neither an ISO-8601 string nor epoch milliseconds between 2000 and 2200.',
  expired: 'ts is older than the retention window (clickhouse.ttl_days): the event would be deleted as soon as it was stored.',
  invalid_unicode: 'A string holds a lone UTF-16 surrogate (e.g. "\\ud800"), which is not Unicode and which ClickHouse refuses.',
  oversize:
    'The message is larger than ingest.max_message_bytes, an HTTP body holds more than ingest.max_http_events events, an Arrow payload exceeds its limits, or an event has too many features or too long a string.',
  empty: 'The message or body holds no event (empty value, tombstone, empty array).',
  invalid_arrow: 'The bytes look like Arrow IPC but do not decode.',
  arrow_schema: 'The Arrow columns do not fit the event contract (missing or unsupported column types).',
  unsupported_format: 'The content-type names a format driftwatch does not read.',
  store_rejected: 'ClickHouse refused the row although it passed validation.',
  undecodable_batch:
    'A Kafka record batch could not be decoded (unknown codec, failed CRC, corrupt compressed data, or more decompressed bytes than allowed); the whole batch is one dead letter.',
} as const;

export type RejectReason = keyof typeof REJECT_REASONS;

/** Message-level reasons (the whole payload is unusable) vs event-level ones. */
const MESSAGE_LEVEL: ReadonlySet<RejectReason> = new Set(['invalid_json', 'empty', 'invalid_arrow', 'arrow_schema', 'unsupported_format', 'oversize']);

export interface Rejection {
  readonly reason: RejectReason;
  readonly message: string;
}

export function reject(reason: RejectReason, message: string): Rejection {
  return { reason, message };
}

export function isRejection(v: unknown): v is Rejection {
  return typeof v === 'object' && v !== null && 'reason' in v && 'message' in v;
}

/** The DW_ code that goes with a reason (the `dw-error-code` header). */
export function errorCodeOf(reason: RejectReason): ErrorCode {
  if (reason === 'store_rejected') return 'DW_INGEST_STORE_REJECTED';
  if (reason === 'undecodable_batch') return 'DW_INGEST_UNDECODABLE_BATCH';
  return MESSAGE_LEVEL.has(reason) ? 'DW_INGEST_INVALID_MESSAGE' : 'DW_INGEST_INVALID_EVENT';
}
