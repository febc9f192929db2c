// From an HTTP request (URL parameters, multipart form parts, headers, body)
// to what the engine runs, the way ClickHouse's HTTP handler reads one:
// `query` (URL) + "\n" + body is the query text, except that an INSERT whose
// text ends where its data starts takes the body as its data; `param_<name>`
// are bound parameters; the handler's own parameters are consumed; every
// other parameter is a setting for this query.
import type { IncomingHttpHeaders } from 'node:http';
import type { EngineRequest } from './engine.ts';
import { ServerError } from './errors.ts';
import { inspectStatement } from './sql-lex.ts';

/** Parameters of the HTTP handler itself, never passed to the engine as settings. */
const HANDLER_PARAMS = new Set([
  'query', 'database', 'default_format', 'query_id', 'session_id', 'session_timeout', 'session_check', 'user', 'password',
  'quota_key', 'compress', 'decompress', 'buffer_size', 'wait_end_of_query', 'role', 'stacktrace', 'enable_http_compression',
  'http_zlib_compression_level', 'send_progress_in_http_headers', 'http_headers_progress_interval_ms', 'http_response_buffer_size',
  'http_wait_end_of_query', 'http_native_compression_disable_checksumming_on_decompress', 'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close', 'http_write_exception_in_output_format', 'client_protocol_version',
]);

export const DEFAULT_SESSION_TIMEOUT_SEC = 60;
export const MAX_SESSION_TIMEOUT_SEC = 3600;

export interface ParsedRequest {
  engine: EngineRequest;
  queryId?: string;
  /** Format of the answer (X-ClickHouse-Format). */
  format: string;
  compressResponse: boolean;
  user: string;
  password: string;
}

/** multipart/form-data: named parts are parameters; file parts would be external tables. */
export function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const m = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (!boundary) throw new ServerError('BAD_ARGUMENTS', 'multipart/form-data without a boundary');
  const out = new Map<string, string>();
  const delimiter = Buffer.from(`--${boundary.trim()}`);
  let at = body.indexOf(delimiter);
  while (at >= 0) {
    const start = at + delimiter.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    const part = body.subarray(start + 2, next - 2); // drop the CRLF after the delimiter and before the next
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd < 0 ? 0 : headerEnd).toString();
    const name = /name="([^"]*)"/i.exec(headers)?.[1];
    if (/filename=/i.test(headers)) throw new ServerError('NOT_IMPLEMENTED', 'external tables (multipart file parts) are not supported by the test server');
    if (name !== undefined && headerEnd >= 0) out.set(name, part.subarray(headerEnd + 4).toString('utf8'));
    at = next;
  }
  return out;
}

/** Where inline INSERT data starts: after the first newline, or after all whitespace when there is none (ParserInsertQuery). */
function dataOffset(text: string, from: number): number {
  let i = from;
  while (i < text.length && /[ \t\r\n]/.test(text[i] as string)) {
    if (text[i] === '\n') return i + 1;
    i += 1;
  }
  return i;
}

function credentials(headers: IncomingHttpHeaders, params: Map<string, string>): { user: string; password: string } {
  const auth = headers.authorization;
  if (auth && /^Bearer /i.test(auth)) throw new ServerError('AUTHENTICATION_FAILED', 'JWT (Bearer) authentication is not supported by the test server');
  if (auth && /^Basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return { user: colon < 0 ? decoded : decoded.slice(0, colon), password: colon < 0 ? '' : decoded.slice(colon + 1) };
  }
  const hUser = headers['x-clickhouse-user'];
  const hKey = headers['x-clickhouse-key'];
  if (typeof hUser === 'string' || typeof hKey === 'string') return { user: typeof hUser === 'string' ? hUser : 'default', password: typeof hKey === 'string' ? hKey : '' };
  return { user: params.get('user') ?? 'default', password: params.get('password') ?? '' };
}

function sessionOf(params: Map<string, string>): EngineRequest['session'] {
  const id = params.get('session_id');
  if (!id) return undefined;
  const timeoutSec = params.has('session_timeout') ? Number(params.get('session_timeout')) : DEFAULT_SESSION_TIMEOUT_SEC;
  if (!Number.isFinite(timeoutSec) || timeoutSec < 0) throw new ServerError('BAD_ARGUMENTS', `Invalid session timeout: '${params.get('session_timeout')}'`);
  if (timeoutSec > MAX_SESSION_TIMEOUT_SEC) throw new ServerError('BAD_ARGUMENTS', `Session timeout '${timeoutSec}' is larger than max_session_timeout: ${MAX_SESSION_TIMEOUT_SEC}. Maximum session timeout could be modified in configuration file.`);
  return { id, timeoutSec, check: params.get('session_check') === '1' };
}

/** Settings of the request in the order to apply them: readonly last, as it forbids changing any after it. */
function settingsOf(params: Map<string, string>, method: string): Array<[string, string]> {
  const settings: Array<[string, string]> = [];
  for (const [k, v] of params) if (!HANDLER_PARAMS.has(k) && !k.startsWith('param_') && k !== 'readonly') settings.push([k, v]);
  let readonly = params.get('readonly');
  // A GET request is read-only (readonly=2 unless a stricter level was asked).
  if (method === 'GET' && (readonly === undefined || readonly === '0')) readonly = '2';
  if (readonly !== undefined) settings.push(['readonly', readonly]);
  return settings;
}

/** The statement text and the insert data, from the `query` parameter and the body. */
function statementOf(query: string | undefined, body: Buffer): { sql: string; data?: Buffer } {
  if (query !== undefined && query.trim() !== '') {
    const info = inspectStatement(query);
    if (info.first === 'INSERT' && info.dataStart !== undefined && query.slice(info.dataStart).trim() === '') return { sql: query, data: body };
    return { sql: body.length > 0 ? `${query}\n${body.toString('utf8')}` : query };
  }
  const text = body.toString('utf8');
  const info = inspectStatement(text);
  if (info.first === 'INSERT' && info.dataStart !== undefined) {
    const prefix = text.slice(0, info.dataStart);
    return { sql: prefix, data: body.subarray(Buffer.byteLength(text.slice(0, dataOffset(text, info.dataStart)))) };
  }
  return { sql: text };
}

export function parseRequest(method: string, url: URL, headers: IncomingHttpHeaders, rawBody: Buffer): ParsedRequest {
  const params = new Map<string, string>(url.searchParams);
  let body = rawBody;
  const contentType = headers['content-type'] ?? '';
  if (/^multipart\/form-data/i.test(contentType)) {
    for (const [k, v] of parseMultipart(body, contentType)) params.set(k, v);
    body = Buffer.alloc(0);
  }
  const { user, password } = credentials(headers, params);
  if (params.get('compress') === '1' || params.get('decompress') === '1') {
    throw new ServerError('NOT_IMPLEMENTED', "ClickHouse's native block compression (compress=1 / decompress=1) is not supported by the test server");
  }
  if (params.get('role')) throw new ServerError('NOT_IMPLEMENTED', 'roles are not supported by the test server');
  const { sql, data } = statementOf(params.get('query'), body);
  if (sql.trim() === '') throw new ServerError('SYNTAX_ERROR', 'Empty query');
  const info = inspectStatement(sql);
  if (info.multi) throw new ServerError('SYNTAX_ERROR', 'Multi-statements are not allowed');
  const boundParams = new Map([...params].filter(([k]) => k.startsWith('param_')).map(([k, v]) => [k.slice('param_'.length), v]));
  const defaultFormat = params.get('default_format') || 'TabSeparated';
  const session = sessionOf(params);
  return {
    engine: {
      sql,
      ...(data !== undefined ? { data } : {}),
      database: params.get('database') || 'default',
      settings: settingsOf(params, method),
      ...(boundParams.size > 0 ? { params: Object.fromEntries(boundParams) } : {}),
      format: defaultFormat,
      ...(session ? { session } : {}),
      changesState: ['SET', 'USE', 'BEGIN', 'COMMIT', 'ROLLBACK'].includes(info.first) || info.firstTwo === 'CREATE TEMPORARY',
    },
    ...(params.get('query_id') ? { queryId: params.get('query_id') as string } : {}),
    format: info.format ?? defaultFormat,
    compressResponse: params.get('enable_http_compression') === '1',
    user,
    password,
  };
}
