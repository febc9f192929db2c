// Coded errors. Every error driftwatch raises on purpose carries a stable code
// (DW_...) that users can grep in logs and find in the README's error table.

export const ERROR_CODES = {
  DW_CONFIG_INVALID: 'The configuration file or environment overrides failed validation.',
  DW_CONFIG_READ: 'The configuration file could not be read or parsed as YAML.',
  DW_SECRET_UNRESOLVED: 'A secret reference (${ENV} or *_file) could not be resolved.',
  DW_STORE_UNREACHABLE: 'ClickHouse could not be reached.',
  DW_STORE_QUERY: 'A ClickHouse query failed.',
  DW_STORE_LOCKED: 'The embedded store data directory is held by another process.',
  DW_STORE_ENGINE_MISSING: 'The embedded engine (the optional chdb package) is needed but not installed.',
  DW_MIGRATION_FAILED: 'A schema migration failed to apply.',
  DW_MIGRATION_CHANGED: 'An applied migration file was edited after it was applied.',
  DW_KAFKA_UNREACHABLE: 'The Kafka brokers could not be reached.',
  DW_INGEST_INVALID_MESSAGE: 'A Kafka message or HTTP body could not be decoded (bad JSON or Arrow, empty, oversize); it went to the dead-letter topic (Kafka) or was answered 400/413 (HTTP).',
  DW_INGEST_INVALID_EVENT: 'An event broke the event contract (missing or wrongly typed field, NaN or Infinity, bad timestamp); it went to the dead-letter topic (Kafka) or was answered 400 (HTTP).',
  DW_INGEST_STORE_REJECTED: 'ClickHouse refused a row that passed validation; the row went to the dead-letter topic and the rest of its batch was stored.',
  DW_INGEST_INSERT_FAILED: 'Inserting a batch into ClickHouse failed; ingest keeps the batch, pauses intake when the buffer fills, and retries with capped backoff.',
  DW_INGEST_BUFFER_FULL: 'The ingest buffer is full (ClickHouse slow or down): Kafka partitions are paused and HTTP ingest answers 503 with Retry-After.',
  DW_INGEST_DLQ_FAILED: 'Writing to the dead-letter topic failed; the partition waits and retries, committing nothing past the message.',
  DW_INGEST_COMMIT_FAILED: 'Committing Kafka offsets failed (usually during a rebalance); the rows are stored and are skipped when Kafka delivers them again.',
  DW_INGEST_CONSUMER_FAILED: 'The Kafka consumer stopped on an error; it is recreated with exponential backoff (reset after a healthy period), and /readyz says why.',
  DW_INGEST_UNDECODABLE_BATCH:
    'A Kafka record batch could not be decoded (unknown codec, failed CRC, corrupt compressed data, or a decompression bomb); it went to the dead-letter topic as one record and the partition went on past it.',
  DW_INGEST_IDEMPOTENCY_KEY: 'An HTTP ingest request was refused for its Idempotency-Key: malformed (400), in use by a request being processed (409), or used before with a different body (422).',
  DW_INGEST_SPOOL_FAILED: 'HTTP rows ClickHouse had not stored in time could not be written to the local spool (full or failing); the request was answered 503, or a spool entry could not be read at start.',
  DW_SHUTDOWN_TIMEOUT: 'Draining did not finish before the shutdown deadline.',
  DW_USAGE: 'The command line was invalid.',
  DW_INPUT: 'An input file could not be read, was empty, or has no column in common with the other file.',
  DW_DAEMON_API: 'The running daemon refused or failed a request.',
  DW_ALERT_DELIVERY: 'A notification or action webhook could not be delivered (after retries, or refused with a final status).',
  DW_ALERT_STATE: 'Alert state, silences or the notification log could not be read or written.',
  DW_ALERT_SILENCE_INVALID: 'A silence was rejected: bad matchers, times, or missing author or comment.',
  DW_ALERT_SILENCE_NOT_FOUND: 'No silence has the given id.',
  DW_ALERT_NO_ROLLBACK_TARGET: 'A rollback was due but no other version of the model has a healthy record; it was recorded (state no_target), not sent.',
  DW_ALERT_SIGNATURE: 'A webhook signature did not verify (wrong secret, altered body, or timestamp outside the tolerance).',
  DW_AUTH_TOKEN: 'A /v1 request carried no bearer token, a malformed one, or one that is not configured (401).',
  DW_AUTH_SCOPE: 'The bearer token is valid but lacks the scope the route needs (403).',
  DW_SQL_REFUSED: 'Read-only SQL refused the query before running it: not one SELECT over the allowed tables and functions (400, with the reason).',
  DW_SQL_LIMIT: 'A read-only SQL query hit a limit: memory, time, or the timeout it asked for is above the cap (400).',
  DW_SQL_BUSY: 'Too many read-only SQL queries run at once (http.sql.max_concurrent); retry after Retry-After (429).',
  DW_BASELINE_PATH: 'A baseline import named a server-side path outside baselines.import_dir (or none is configured) (400).',
  DW_BASELINE_UPLOAD: 'A baseline upload was refused: too large, an unknown format, or a body that does not parse as that format (400/413/415).',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface DriftwatchErrorOptions {
  cause?: unknown;
  /** True when retrying the same operation may succeed (network, overload). */
  retriable?: boolean;
  details?: Record<string, unknown>;
}

export class DriftwatchError extends Error {
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, opts: DriftwatchErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DriftwatchError';
    this.code = code;
    this.retriable = opts.retriable ?? false;
    this.details = opts.details;
  }
}

export function isDriftwatchError(e: unknown, code?: ErrorCode): e is DriftwatchError {
  return e instanceof DriftwatchError && (code === undefined || e.code === code);
}

/** A short, single-line description of any thrown value, including its cause chain. */
export function describeError(e: unknown): string {
  const parts: string[] = [];
  let cur: unknown = e;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    if (cur instanceof Error) {
      const code = (cur as { code?: unknown }).code;
      parts.push(typeof code === 'string' && !cur.message.includes(code) ? `${code}: ${cur.message}` : cur.message);
      cur = cur.cause;
    } else {
      parts.push(String(cur));
      break;
    }
  }
  return parts.join(' <- caused by: ');
}
