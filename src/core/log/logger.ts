// Structured logs, one JSON line per event, in pino's shape: numeric `level`
// (10 trace .. 60 fatal), `time` in epoch milliseconds, `pid`, `hostname`,
// `name`, `msg`, and errors under `err` as {type, message, stack, code,
// cause}. pino is the de-facto log format of Node services, so Loki, Elastic,
// Datadog, GCP and pino-pretty read these lines without configuration. Secrets
// are redacted; `pretty` is for a terminal. Small on purpose: the daemon
// needs levels, child bindings and a swappable sink (tests capture lines).
import { hostname } from 'node:os';
import { redact } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** pino's numeric levels. */
export const LEVEL_NUMBER = { debug: 20, info: 30, warn: 40, error: 50 } as const;
const RANK: Record<LogLevel, number> = { ...LEVEL_NUMBER, silent: Infinity };

export type LogSink = (line: string) => void;

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  child(bindings: Record<string, unknown>): Logger;
}

export interface LoggerOptions {
  level?: LogLevel;
  format?: 'json' | 'pretty';
  sink?: LogSink;
  bindings?: Record<string, unknown>;
}

const stderrSink: LogSink = (line) => {
  process.stderr.write(line + '\n');
};

export interface SerializedError {
  type: string;
  message: string;
  stack?: string;
  code?: unknown;
  cause?: SerializedError | string;
  [key: string]: unknown;
}

/** pino's std err serializer, with the whole cause chain (cycles cut). */
export function serializeError(e: Error, seen: Set<unknown> = new Set()): SerializedError {
  seen.add(e);
  const out: SerializedError = { type: e.name || e.constructor?.name || 'Error', message: e.message };
  if (e.stack) out.stack = e.stack;
  for (const key of ['code', 'retriable', 'details', 'status', 'statusCode'] as const) {
    const v = (e as unknown as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  const cause = e.cause;
  if (cause instanceof Error && !seen.has(cause)) out.cause = serializeError(cause, seen);
  else if (cause !== undefined && !(cause instanceof Error)) out.cause = String(cause);
  return out;
}

function serializeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    // pino's convention: an error logged under `error` or `e` goes to `err`.
    if (v instanceof Error) out[k === 'error' || k === 'e' ? 'err' : k] = serializeError(v);
    else out[k] = v;
  }
  return redact(out) as Record<string, unknown>;
}

const BASE = { pid: process.pid, hostname: hostname(), name: 'driftwatch' };
const LABEL: Record<number, string> = { 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR' };

function prettyLine(record: Record<string, unknown>): string {
  const { level, time, msg, pid: _pid, hostname: _host, name: _name, err, ...rest } = record;
  const clock = new Date(time as number).toISOString().slice(11, 23);
  const extra = Object.entries(rest)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? (/[\s"=]/.test(v) ? JSON.stringify(v) : v) : JSON.stringify(v)}`)
    .join(' ');
  let line = `${clock} ${(LABEL[level as number] ?? String(level)).padEnd(5)} ${String(msg)}${extra ? ' ' + extra : ''}`;
  for (let e = err as SerializedError | string | undefined; e; e = typeof e === 'string' ? undefined : e.cause) {
    line += typeof e === 'string' ? `\n    caused by: ${e}` : `\n    ${(e.stack ?? `${e.type}: ${e.message}`).split('\n').join('\n    ')}`;
  }
  return line;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const threshold = RANK[opts.level ?? 'info'];
  const sink = opts.sink ?? stderrSink;
  const format = opts.format ?? 'json';
  const bindings = opts.bindings ?? {};

  const emit = (level: Exclude<LogLevel, 'silent'>, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < threshold) return;
    const record = { level: LEVEL_NUMBER[level], time: Date.now(), ...BASE, ...serializeFields({ ...bindings, ...fields }), msg };
    sink(format === 'pretty' ? prettyLine(record) : JSON.stringify(record));
  };

  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (b) => createLogger({ ...opts, bindings: { ...bindings, ...b } }),
  };
}

/** A logger that drops everything; for library callers and tests that do not care. */
export const silentLogger: Logger = createLogger({ level: 'silent' });
