// Structured JSON logs, one line per event, secrets redacted. Small on purpose:
// the daemon needs levels, child bindings and a swappable destination (tests
// capture lines to grep them for secrets).
import { describeError } from '../errors.ts';
import { redact } from './redact.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

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

function serializeFields(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields)) {
    if (v instanceof Error) {
      out[k] = { message: describeError(v), code: (v as { code?: unknown }).code, stack: v.stack?.split('\n').slice(0, 6).join('\n') };
    } else {
      out[k] = v;
    }
  }
  return redact(out) as Record<string, unknown>;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const threshold = RANK[opts.level ?? 'info'];
  const sink = opts.sink ?? stderrSink;
  const format = opts.format ?? 'json';
  const bindings = opts.bindings ?? {};

  const emit = (level: LogLevel, msg: string, fields?: Record<string, unknown>): void => {
    if (RANK[level] < threshold) return;
    const record = { time: new Date().toISOString(), level, msg, ...serializeFields({ ...bindings, ...fields }) };
    if (format === 'pretty') {
      const { time, level: lv, msg: m, ...rest } = record;
      const extra = Object.keys(rest).length > 0 ? ' ' + JSON.stringify(rest) : '';
      sink(`${time.slice(11, 23)} ${lv.toUpperCase().padEnd(5)} ${m}${extra}`);
    } else {
      sink(JSON.stringify(record));
    }
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
