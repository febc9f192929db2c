// The one schema of driftwatch.yaml: type, validation, defaults and the docs
// table in the README all come from here. Every object is strict, so a typo in
// a key is an error rather than a silently ignored setting.
import { z } from 'zod';
import { alertsSchema } from '../../alerts/config.ts';
import { unproducibleLabels } from '../../alerts/label-check.ts';
import { detectorsSchema, scoreTagNames } from '../../detectors/config.ts';
import { gateActionIssues, gatesSchema } from '../../detectors/gate/config.ts';
import { Secret, secretFile, secretRef } from '../core/config/secret.ts';
import { SCOPES } from '../http/scopes.ts';
import { durationSchema } from '../core/util/duration.ts';

const duration = durationSchema;

const hostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

export const logSchema = z
  .strictObject({
    level: z.enum(['debug', 'info', 'warn', 'error']).default('info').describe('Minimum level written.'),
    format: z.enum(['json', 'pretty']).default('json').describe('json: one JSON object per line; pretty: for a terminal.'),
  })
  .prefault({});

const MIN_TOKEN_LENGTH = 16;

export const httpTokenSchema = z
  .strictObject({
    name: z
      .string()
      .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
      .describe('Name of the token, shown in logs and 403 answers (never the token itself), e.g. model-servers.'),
    token: secretRef('The bearer token, as ${ENV}.').optional(),
    token_file: secretFile('File holding the bearer token.').optional(),
    scopes: z
      .array(z.enum(SCOPES))
      .min(1, 'give at least one scope')
      .describe('What the token may do: ingest (POST predictions and labels), read (GET API, SQL, dashboard), admin (silences, baseline imports, detect, backfill).'),
  })
  .superRefine((t, ctx) => {
    // Other issues (a literal instead of ${ENV}) leave no Secret to look at.
    const secret = [t.token, t.token_file].find((v) => v instanceof Secret);
    if ((t.token === undefined) === (t.token_file === undefined)) ctx.addIssue({ code: 'custom', message: 'give exactly one of token or token_file' });
    else if (secret && secret.reveal().length < MIN_TOKEN_LENGTH) ctx.addIssue({ code: 'custom', path: [t.token ? 'token' : 'token_file'], message: `a token must be at least ${MIN_TOKEN_LENGTH} characters` });
  });

export const sqlSchema = z
  .strictObject({
    max_concurrent: z.number().int().min(1).max(64).default(4).describe('Queries POST /v1/sql runs at once; more are answered 429 with Retry-After.'),
    default_timeout: duration('30s').describe('Time limit of a query that asks for none.'),
    max_timeout: duration('300s').describe('Largest time limit a query may ask for (timeout_seconds above it is refused with 400).'),
    max_result_bytes: z.number().int().min(1024).default(32 * 1024 * 1024).describe('Result size at which the engine stops reading (the answer says truncated).'),
    max_memory_bytes: z.number().int().min(16 * 1024 * 1024).default(512 * 1024 * 1024).describe('Memory one query may use in the engine, its serialized result included; above it the query is refused (DW_SQL_LIMIT). Large GROUP BY and ORDER BY spill to disk at half of it.'),
    username: z.string().optional().describe('ClickHouse server only: run read-only SQL as this user (see deploy/clickhouse/readonly-user.sql) instead of clickhouse.username.'),
    password: secretRef('Password of http.sql.username.').optional(),
    password_file: secretFile('File holding the password of http.sql.username.').optional(),
  })
  .prefault({})
  .describe('Read-only SQL (POST /v1/sql, driftwatch sql): limits, and the ClickHouse user it runs as.');

export const httpSchema = z
  .strictObject({
    host: z.string().default('127.0.0.1').describe('Address the HTTP server binds (0.0.0.0 in containers).'),
    port: z.number().int().min(0).max(65535).default(8080).describe('Port for /metrics, /healthz, /readyz, /v1 and the dashboard.'),
    auth_token: secretRef('A bearer token with every scope (ingest, read, admin); kept for compatibility, prefer http.tokens.').optional(),
    auth_token_file: secretFile('File holding the every-scope bearer token.').optional(),
    tokens: z
      .array(httpTokenSchema)
      .default([])
      .superRefine((list, ctx) => {
        const names = new Set<string>();
        const values = new Set<string>();
        list.forEach((t, i) => {
          if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `token name ${t.name} is used twice` });
          names.add(t.name);
          const v = [t.token, t.token_file].find((x) => x instanceof Secret)?.reveal();
          if (v !== undefined && values.has(v)) ctx.addIssue({ code: 'custom', path: [i], message: 'the same token is configured twice' });
          if (v !== undefined) values.add(v);
        });
      })
      .describe('Scoped bearer tokens for /v1; with none (and no auth_token) /v1 is open.'),
    sql: sqlSchema,
  })
  .prefault({});

export const baselinesSchema = z
  .strictObject({
    max_upload_bytes: z
      .number()
      .int()
      .min(1024)
      .default(256 * 1024 * 1024)
      .describe('Largest dataset POST /v1/baselines takes, uploaded or from import_dir (413 above); an upload is streamed to a temporary file, never held in memory.'),
    max_memory_bytes: z
      .number()
      .int()
      .min(16 * 1024 * 1024)
      .default(1024 * 1024 * 1024)
      .describe('Memory the engine may use to import one baseline (the dataset is loaded in memory); above it the import is refused (413).'),
    import_dir: z
      .string()
      .optional()
      .describe('Directory from which POST /v1/baselines may import a server-side path (checked after resolving links and ..); unset: server-side paths are refused.'),
    tmp_dir: z.string().optional().describe('Where uploads are spooled while they are imported (default: the system temporary directory).'),
  })
  .prefault({});

export const clickhouseSchema = z
  .strictObject({
    url: z.url().optional().describe('ClickHouse HTTP(S) URL. Unset: the embedded engine (chDB) on disk under data_dir.'),
    username: z.string().default('default').describe('User for a ClickHouse server.'),
    password: secretRef('Password for a ClickHouse server.').optional(),
    password_file: secretFile('File holding the ClickHouse password.').optional(),
    database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('driftwatch').describe('Database holding driftwatch tables (created when missing).'),
    tls: z
      .strictObject({
        ca_file: z.string().optional().describe('CA certificate (PEM) to trust.'),
        cert_file: z.string().optional().describe('Client certificate (PEM) for mutual TLS.'),
        key_file: z.string().optional().describe('Client key (PEM) for mutual TLS.'),
      })
      .optional()
      .describe('TLS options for an https:// URL.'),
    request_timeout: duration('60s').describe('Timeout of one request to the server.'),
    connect_retry_max: duration('30s').describe('Cap of the backoff between connection attempts at start.'),
    ttl_days: z.number().int().min(0).default(90).describe('Days raw predictions and labels are kept (0 keeps them forever).'),
  })
  .prefault({});

export const kafkaSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Consume predictions and labels from Kafka.'),
    brokers: z
      .preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(hostPort).min(1))
      .default(['127.0.0.1:9092'])
      .describe('Bootstrap brokers (list, or comma-separated in env).'),
    client_id: z.string().default('driftwatch').describe('Kafka client id.'),
    group_id: z.string().default('driftwatch').describe('Consumer group id; all driftwatch replicas share it.'),
    topics: z
      .strictObject({
        predictions: z.string().default('predictions').describe('Topic with prediction events.'),
        labels: z.string().default('labels').describe('Topic with ground-truth labels.'),
        dead_letter: z.string().default('driftwatch-dlq').describe('Topic receiving messages that failed validation.'),
      })
      .prefault({}),
    ssl: z.boolean().default(false).describe('Connect with TLS.'),
    sasl: z
      .strictObject({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).describe('SASL mechanism.'),
        username: z.string().describe('SASL user.'),
        password: secretRef('SASL password.').optional(),
        password_file: secretFile('File holding the SASL password.').optional(),
      })
      .optional()
      .describe('SASL authentication.'),
    connect_retry_max: duration('30s').describe('Cap of the backoff between connection attempts.'),
    from_beginning: z.boolean().default(true).describe('Where a consumer group without committed offsets starts: the earliest retained message (true) or only new ones (false).'),
    session_timeout: duration('30s').describe('Consumer group session timeout: a member silent this long is removed and its partitions reassigned.'),
    rebalance_timeout: duration('60s').describe('How long the group waits for members to rejoin during a rebalance.'),
    heartbeat_interval: duration('3s').describe('Heartbeat period of the consumer (well below session_timeout).'),
    partitions_consumed_concurrently: z.number().int().min(1).max(64).default(4).describe('Partitions whose fetched batches are decoded concurrently.'),
    fetch_max_bytes: z.number().int().min(1024).default(64 * 1024 * 1024).describe('Upper bound of one fetch response from a broker.'),
    fetch_max_bytes_per_partition: z.number().int().min(1024).default(8 * 1024 * 1024).describe('Upper bound of the data one fetch returns per partition.'),
    fetch_max_wait: duration('500ms').describe('How long a broker may hold a fetch waiting for data.'),
    dead_letter_compression: z
      .enum(['none', 'gzip', 'snappy', 'lz4', 'zstd'])
      .default('none')
      .describe('Compression of the record batches written to the dead-letter topic.'),
    restart_backoff_initial: duration('1s').describe('Ceiling of the first delay before a failed consumer is recreated; each failure in a row doubles it (with jitter).'),
    restart_backoff_max: duration('60s').describe('Largest delay between attempts to recreate a failed consumer.'),
    restart_healthy_after: duration('60s').describe('A consumer in its group this long counts as healthy: its next failure restarts the backoff from restart_backoff_initial.'),
  })
  .prefault({});

export const ingestSchema = z
  .strictObject({
    // An insert stays one block (one part per day) below ClickHouse's
    // max_insert_block_size (~1M rows) and min_insert_block_size_bytes (256 MiB).
    batch_rows: z.number().int().min(1).max(1_000_000).default(50_000).describe('Flush a batch at this many rows.'),
    batch_bytes: z.number().int().min(1024).max(256 * 1024 * 1024).default(32 * 1024 * 1024).describe('Flush a batch at this many bytes of input.'),
    flush_interval: duration('1s').describe('Flush a non-empty batch at least this often.'),
    max_message_bytes: z.number().int().min(1024).default(1024 * 1024).describe('Larger messages go to the dead-letter topic.'),
    max_buffered_rows: z.number().int().min(1).default(200_000).describe('Pause intake (Kafka) or answer 503 (HTTP) above this many unflushed rows.'),
    insert_retry_max: duration('30s').describe('Cap of the backoff between insert retries.'),
    max_buffered_bytes: z.number().int().min(1024 * 1024).default(256 * 1024 * 1024).describe('Pause intake (Kafka) or answer 503 (HTTP) above this many unflushed bytes.'),
    max_http_body_bytes: z.number().int().min(1024).default(64 * 1024 * 1024).describe('Largest body POST /v1/predictions and /v1/labels accept (413 above).'),
    max_http_events: z.number().int().min(1).max(1_000_000).default(100_000).describe('Most events one HTTP ingest request may hold (413 above); also the most rows an Arrow payload may hold.'),
    http_spool_after: duration('5s').describe('How long an HTTP ingest request waits for its rows to be stored; then they are written to the spool under data_dir and the request is answered 202.'),
    spool_max_bytes: z.number().int().min(1024 * 1024).default(256 * 1024 * 1024).describe('Largest size of the HTTP ingest spool on disk; when it is full, requests ClickHouse does not store in time are answered 503.'),
    http_dedup_horizon: duration('1h').describe('An HTTP event whose model, model_version, ts and event_id (labels: model, event_id, ts, label) match one stored over HTTP this recently is not stored again; 0s turns it off.'),
    http_dedup_max_keys: z.number().int().min(1000).default(2_000_000).describe('Most event identities held for http_dedup_horizon (16-20 bytes each); above it the oldest are forgotten early.'),
    http_idempotency_horizon: duration('24h').describe('How long the answer to a request with an Idempotency-Key is kept and given again to the same key and body; 0s turns Idempotency-Key off.'),
    http_idempotency_max_keys: z.number().int().min(100).default(100_000).describe('Most Idempotency-Key answers kept; above it the oldest are forgotten early.'),
    max_features: z.number().int().min(1).default(1000).describe('Events with more features than this are rejected (reason oversize).'),
    max_string_length: z.number().int().min(16).default(8192).describe('Longest string accepted in any field of an event (reason oversize above).'),
  })
  .prefault({});

export const schedulerSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Run detectors on their schedules in this instance (detect --once and backfill work either way).'),
    max_catchup: z
      .number()
      .int()
      .min(1)
      .default(24)
      .describe('After downtime, evaluate at most this many missed windows per detector (the newest); on the first start, every complete window among the last this many that has predictions.'),
  })
  .prefault({});

export const configSchema = z.strictObject({
  data_dir: z.string().default('./data').describe('Directory of the embedded store and local state.'),
  log: logSchema,
  http: httpSchema,
  clickhouse: clickhouseSchema,
  kafka: kafkaSchema,
  ingest: ingestSchema,
  detectors: detectorsSchema,
  alerts: alertsSchema,
  gates: gatesSchema,
  scheduler: schedulerSchema,
  baselines: baselinesSchema,
  shutdown_timeout: duration('30s').describe('Drain deadline after SIGINT/SIGTERM; past it the process exits non-zero.'),
})
  // Across sections: a gate policy's rollback_action names an alerts.actions
  // entry of type rollback; a rule, route or inhibit matcher naming a label no
  // detector produces with these jobs can never match: say so with its path.
  .superRefine((c, ctx) => {
    for (const i of gateActionIssues(c.gates, c.alerts.actions)) ctx.addIssue({ code: 'custom', ...i });
    for (const issue of unproducibleLabels(c.alerts, scoreTagNames(c.detectors))) ctx.addIssue({ code: 'custom', path: ['alerts', ...issue.path], message: issue.message });
  });

export type Config = z.output<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;
