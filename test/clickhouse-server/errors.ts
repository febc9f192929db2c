// Errors the way a ClickHouse server reports them over HTTP: a status code
// chosen from the exception type (the server's exceptionCodeToHTTPStatus),
// an X-ClickHouse-Exception-Code header, and a body
// `Code: N. DB::Exception: <message>. (TYPE) (version V)` that
// @clickhouse/client parses into a ClickHouseError with that code.

/** Error codes this server raises itself (the engine raises the rest). */
export const CODES = {
  SYNTAX_ERROR: 62,
  BAD_ARGUMENTS: 36,
  NOT_IMPLEMENTED: 48,
  UNKNOWN_SETTING: 115,
  REQUIRED_PASSWORD: 194,
  QUERY_WITH_SAME_ID_IS_ALREADY_RUNNING: 216,
  ABORTED: 236,
  SESSION_NOT_FOUND: 372,
  SESSION_IS_LOCKED: 373,
  AUTHENTICATION_FAILED: 516,
  STD_EXCEPTION: 1001,
} as const;

export type CodeName = keyof typeof CODES;

export class ServerError extends Error {
  readonly code: number;
  readonly type: string;
  constructor(type: CodeName, message: string) {
    super(message);
    this.type = type;
    this.code = CODES[type];
  }
}

const BAD_REQUEST = new Set([
  'BAD_ARGUMENTS', 'CANNOT_COMPILE_REGEXP', 'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_ESCAPE_SEQUENCE', 'CANNOT_PARSE_QUOTED_STRING',
  'CANNOT_PARSE_DATE', 'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'CANNOT_PARSE_DOMAIN_VALUE_FROM_STRING', 'CANNOT_PARSE_IPV4',
  'CANNOT_PARSE_IPV6', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_UUID', 'CANNOT_PARSE_BOOL', 'DUPLICATE_COLUMN',
  'ILLEGAL_COLUMN', 'THERE_IS_NO_COLUMN', 'UNKNOWN_ELEMENT_IN_AST', 'UNKNOWN_TYPE_OF_AST_NODE', 'TOO_DEEP_AST', 'TOO_BIG_AST',
  'UNEXPECTED_AST_STRUCTURE', 'SYNTAX_ERROR', 'INCORRECT_DATA', 'TYPE_MISMATCH', 'VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE',
]);
const NOT_FOUND = new Set([
  'UNKNOWN_TABLE', 'UNKNOWN_FUNCTION', 'UNKNOWN_IDENTIFIER', 'UNKNOWN_TYPE', 'UNKNOWN_STORAGE', 'UNKNOWN_DATABASE',
  'UNKNOWN_SETTING', 'UNKNOWN_DIRECTION_OF_SORTING', 'UNKNOWN_AGGREGATE_FUNCTION', 'UNKNOWN_FORMAT', 'UNKNOWN_DATABASE_ENGINE',
  'UNKNOWN_TYPE_OF_QUERY', 'UNKNOWN_ROLE',
]);

/** HTTP status a ClickHouse server answers for an exception of this type. */
export function httpStatusFor(type: string): number {
  if (type === 'REQUIRED_PASSWORD') return 401;
  if (['UNKNOWN_USER', 'WRONG_PASSWORD', 'AUTHENTICATION_FAILED', 'SET_NON_GRANTED_ROLE'].includes(type)) return 403;
  if (BAD_REQUEST.has(type)) return 400;
  if (NOT_FOUND.has(type)) return 404;
  if (type === 'QUERY_IS_TOO_LARGE') return 413;
  if (type === 'NOT_IMPLEMENTED') return 501;
  if (type === 'SOCKET_TIMEOUT' || type === 'CANNOT_OPEN_FILE' || type === 'CANNOT_SCHEDULE_TASK' || type === 'ABORTED') return 503;
  if (type === 'TIMEOUT_EXCEEDED') return 408;
  return 500;
}

export interface WireError {
  status: number;
  code: number;
  type: string;
  body: string;
}

const ENGINE_ERROR = /^Code: (\d+)\. [\s\S]*\(([A-Z][A-Z0-9_]+)\)\s*$/;

// chDB sometimes wraps an exception in itself:
// `Code: 108. DB::Exception: Code: 108. DB::Exception: No data. (X) (version V). (X)`.
const WRAPPED = /^Code: (\d+)\. DB::Exception: (Code: \1\. [\s\S]*\)) \(version [^)]*\)\. \([A-Z0-9_]+\)$/;
function unwrap(message: string): string {
  let m = WRAPPED.exec(message);
  let inner = message;
  while (m) {
    inner = m[2] as string;
    m = WRAPPED.exec(inner);
  }
  return inner;
}

/** Turn whatever was thrown (engine or ours) into the server's error answer. */
export function toWireError(e: unknown, version: string): WireError {
  if (e instanceof ServerError) {
    return { status: httpStatusFor(e.type), code: e.code, type: e.type, body: `Code: ${e.code}. DB::Exception: ${e.message}. (${e.type}) (version ${version})\n` };
  }
  const message = unwrap((e instanceof Error ? e.message : String(e)).trim());
  const m = ENGINE_ERROR.exec(message);
  if (m) {
    const type = m[2] as string;
    const tail = /\(version [^)]*\)$/.test(message) ? '' : ` (version ${version})`;
    return { status: httpStatusFor(type), code: Number(m[1]), type, body: `${message}${tail}\n` };
  }
  const code = CODES.STD_EXCEPTION;
  return { status: 500, code, type: 'STD_EXCEPTION', body: `Code: ${code}. DB::Exception: ${message}. (STD_EXCEPTION) (version ${version})\n` };
}
