// Error answers as RFC 9457 problem details (application/problem+json):
//   type     urn:driftwatch:problem:<code>: the same for every occurrence of
//            a problem, so clients can switch on it (or on `code`)
//   title    fixed per type; `detail` says what happened this time
//   status   the HTTP status, repeated for clients that lose it
//   detail   this occurrence, in words a person can act on
//   instance the request path it happened on
// plus driftwatch's members: `code` (a DW_ code from the README's error
// table), `request_id` (also in X-Request-Id and in the log lines of the
// request), `errors` (one entry per problem of a request that failed
// validation: `detail` with `parameter` for a query or path parameter, or
// `pointer`, a JSON Pointer into the body) and whatever a route adds (ingest's
// per-event `errors`, SQL's `reason`, ...).
import type { z } from 'zod';
import { ERROR_CODES } from '../errors.ts';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
export const PROBLEM_TYPE_PREFIX = 'urn:driftwatch:problem:';

/** One problem of a request that failed validation. */
export interface FieldError {
  detail: string;
  /** The query or path parameter at fault. */
  parameter?: string;
  /** JSON Pointer (RFC 6901, as a URI fragment) to the body member at fault. */
  pointer?: string;
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  request_id?: string;
  errors?: unknown[];
  [extension: string]: unknown;
}

/** Short titles, fixed per problem type. Codes without one get the start of their description. */
const TITLES: Readonly<Record<string, string>> = {
  DW_HTTP_INVALID_REQUEST: 'Invalid request',
  DW_HTTP_NOT_FOUND: 'Not found',
  DW_HTTP_METHOD_NOT_ALLOWED: 'Method not allowed',
  DW_HTTP_BODY_TOO_LARGE: 'Request body too large',
  DW_HTTP_UNAVAILABLE: 'Temporarily unavailable',
  DW_INTERNAL: 'Internal error',
  DW_AUTH_TOKEN: 'Missing or invalid bearer token',
  DW_AUTH_SCOPE: 'Insufficient scope',
  DW_STORE_UNREACHABLE: 'ClickHouse unreachable',
  DW_STORE_QUERY: 'ClickHouse query failed',
  DW_SQL_REFUSED: 'SQL refused',
  DW_SQL_LIMIT: 'SQL limit reached',
  DW_SQL_BUSY: 'Too many SQL queries at once',
  DW_BASELINE_PATH: 'Baseline path refused',
  DW_BASELINE_UPLOAD: 'Baseline dataset refused',
  DW_ALERT_SILENCE_INVALID: 'Invalid silence',
  DW_ALERT_SILENCE_NOT_FOUND: 'Silence not found',
  DW_INGEST_INVALID_MESSAGE: 'Undecodable ingest body',
  DW_INGEST_INVALID_EVENT: 'Invalid events',
  DW_INGEST_BUFFER_FULL: 'Ingest buffer full',
  DW_INGEST_IDEMPOTENCY_KEY: 'Idempotency-Key refused',
  DW_INGEST_SPOOL_FAILED: 'Ingest spool failed',
  DW_GATE_UNEXPECTED_VERDICT: 'Gate verdict is not the expected one',
};

const DEFAULT_CODE: Readonly<Record<number, string>> = {
  400: 'DW_HTTP_INVALID_REQUEST',
  401: 'DW_AUTH_TOKEN',
  403: 'DW_AUTH_SCOPE',
  404: 'DW_HTTP_NOT_FOUND',
  405: 'DW_HTTP_METHOD_NOT_ALLOWED',
  413: 'DW_HTTP_BODY_TOO_LARGE',
  503: 'DW_HTTP_UNAVAILABLE',
};

/** The code of an error answer that names none: by status (any other 4xx is an invalid request, 5xx internal). */
export function defaultCode(status: number): string {
  return DEFAULT_CODE[status] ?? (status < 500 ? 'DW_HTTP_INVALID_REQUEST' : 'DW_INTERNAL');
}

export function problemTitle(code: string): string {
  const known = TITLES[code];
  if (known) return known;
  const described = (ERROR_CODES as Record<string, string>)[code];
  if (described) return described.split(/ \(|: |\. /)[0]!.replace(/\.$/, '');
  return code;
}

const RESERVED = new Set(['type', 'title', 'status', 'detail', 'instance', 'code', 'request_id']);

/**
 * A problem body. `extra` may be an array (the request's `errors`, strings
 * becoming `{detail}`) or an object whose members join the problem (a
 * `code` member names the code when `code` is not given).
 */
export function problem(status: number, detail: string, opts: { code?: string; extra?: unknown; instance?: string; requestId?: string } = {}): ProblemDetails {
  const ext: Record<string, unknown> = {};
  let code = opts.code;
  const extra = opts.extra;
  if (Array.isArray(extra)) {
    ext.errors = extra.map((e) => (typeof e === 'string' ? { detail: e } : e));
  } else if (extra && typeof extra === 'object') {
    for (const [k, v] of Object.entries(extra)) {
      if (k === 'code' && typeof v === 'string') code ??= v;
      else if (!RESERVED.has(k)) ext[k] = v;
    }
  } else if (extra !== undefined) {
    ext.details = extra;
  }
  const c = code ?? defaultCode(status);
  return {
    type: PROBLEM_TYPE_PREFIX + c,
    title: problemTitle(c),
    status,
    detail,
    code: c,
    ...(opts.instance === undefined ? {} : { instance: opts.instance }),
    ...(opts.requestId === undefined ? {} : { request_id: opts.requestId }),
    ...ext,
  };
}

const pointerToken = (seg: PropertyKey): string => String(seg).replace(/~/g, '~0').replace(/\//g, '~1');

/** zod issues as problem `errors`: a parameter name for a query, a JSON Pointer for a body. */
export function fieldErrors(issues: ReadonlyArray<z.core.$ZodIssue>, where: 'query' | 'body'): FieldError[] {
  const at = (path: ReadonlyArray<PropertyKey>): Pick<FieldError, 'parameter' | 'pointer'> =>
    where === 'query' ? { parameter: path.map(String).join('.') || '(query)' } : { pointer: '#' + path.map((p) => '/' + pointerToken(p)).join('') };
  return issues.flatMap((i): FieldError[] => (i.code === 'unrecognized_keys' ? i.keys.map((k) => ({ detail: 'unknown key', ...at([...i.path, k]) })) : [{ detail: i.message, ...at(i.path) }]));
}

/** `limit: must be ...; colour: unknown key`: the errors in one line, for `detail`. */
export function summarize(errors: ReadonlyArray<FieldError>): string {
  return errors.map((e) => `${e.parameter ?? (e.pointer && e.pointer !== '#' ? e.pointer.slice(2).replace(/\//g, '.') : '(body)')}: ${e.detail}`).join('; ');
}

/** `path: problem` lines (formatIssues, hand-made checks) as problem `errors`. */
export function linesToErrors(lines: ReadonlyArray<string>, where: 'query' | 'body'): FieldError[] {
  return lines.flatMap((l) => l.split('\n')).map((line) => {
    const i = line.indexOf(': ');
    if (i <= 0) return { detail: line };
    const path = line.slice(0, i);
    const detail = line.slice(i + 2);
    if (where === 'query') return { detail, parameter: path };
    const segs = path === '(root)' ? [] : path.split(/\.|\[(\d+)\]/).filter((s) => s !== undefined && s !== '');
    return { detail, pointer: '#' + segs.map((s) => '/' + pointerToken(s)).join('') };
  });
}
