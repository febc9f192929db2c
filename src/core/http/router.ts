// A small router over node:http. Components register their routes; the
// server owns parsing, auth, errors and the response shape.
//
// Matching works on the raw (still percent-encoded) path and hands back raw
// parameters: decoding a parameter can fail on a malformed escape, and that
// must happen after the auth check, inside the server's error handling
// (decodeParams), never while a route is looked up.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { z } from 'zod';
import type { Logger } from '../log/logger.ts';
import { fieldErrors, summarize } from './problem.ts';

export interface HttpRequest {
  /** The request id: the client's X-Request-Id when it sent a usable one, else generated; echoed in the answer. */
  id: string;
  /** The server's logger bound to this request (request_id, method, path). */
  log: Logger;
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Read the body (at most limitBytes; larger => HttpError 413). */
  body(limitBytes?: number): Promise<Buffer>;
  /**
   * Read and parse a JSON body; anything that is not JSON is a 400. An empty
   * body is `emptyAs` when given (routes whose body is optional), else a 400.
   */
  json<T = unknown>(limitBytes?: number, opts?: { emptyAs?: unknown }): Promise<T>;
  raw: IncomingMessage;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler = (req: HttpRequest, res: ServerResponse) => Promise<HttpResponse | void>;

/**
 * An error answer. The server sends it as RFC 9457 problem details
 * (src/core/http/problem.ts): `message` is the `detail`; `details` becomes
 * `errors` when it is a list, or extension members when it is an object
 * (whose `code` names the code when `code` is not given).
 */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
    /** A DW_ code for the error body; without one it follows from the status. */
    readonly code?: string,
  ) {
    super(message);
  }

  /** 400 for a query or body that fails its zod schema: every problem in `errors`. */
  static invalid(where: 'query' | 'body', issues: ReadonlyArray<z.core.$ZodIssue>): HttpError {
    const errors = fieldErrors(issues, where);
    return new HttpError(400, `invalid ${where === 'query' ? 'query parameters' : 'request body'}: ${summarize(errors)}`, errors, undefined, 'DW_HTTP_INVALID_REQUEST');
  }

  /** 400 for problems found by hand (`parameter` names a query parameter, `pointer` a body member). */
  static problems(errors: ReadonlyArray<{ detail: string; parameter?: string; pointer?: string }>, what = 'invalid request'): HttpError {
    return new HttpError(400, `${what}: ${summarize(errors)}`, [...errors], undefined, 'DW_HTTP_INVALID_REQUEST');
  }
}

export interface Route {
  method: string;
  /** The path as registered, e.g. /v1/silences/:id (the key of the route's auth scope). */
  path: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  /** Public routes skip bearer auth (health, metrics). */
  public: boolean;
}

export interface RouteMatch {
  route: Route;
  /** Parameters as they appear in the path, still percent-encoded. */
  rawParams: Record<string, string>;
}

/** Percent-decode route parameters; a malformed escape is the client's 400. */
export function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new HttpError(400, `route parameter ${k} is not valid percent-encoded UTF-8`, [{ detail: 'not valid percent-encoded UTF-8', parameter: k }]);
    }
  }
  return out;
}

export class Router {
  readonly #routes: Route[] = [];

  add(method: string, path: string, handler: Handler, opts: { public?: boolean } = {}): void {
    const keys: string[] = [];
    const pattern = new RegExp(
      '^' +
        path.replace(/\/:([a-zA-Z_]+)/g, (_, k: string) => {
          keys.push(k);
          return '/([^/]+)';
        }) +
        '/?$',
    );
    this.#routes.push({ method: method.toUpperCase(), path, pattern, keys, handler, public: opts.public ?? false });
  }

  /** Every registered route (for the scope table's completeness check). */
  routes(): ReadonlyArray<Pick<Route, 'method' | 'path' | 'public'>> {
    return this.#routes.map((r) => ({ method: r.method, path: r.path, public: r.public }));
  }

  match(method: string, path: string): RouteMatch | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const r of this.#routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        allowed.push(r.method);
        continue;
      }
      const rawParams: Record<string, string> = {};
      r.keys.forEach((k, i) => (rawParams[k] = m[i + 1] ?? ''));
      return { route: r, rawParams };
    }
    return allowed.length > 0 ? { allowed } : null;
  }
}
