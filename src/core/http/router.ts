// A small router over node:http. Components register their routes; the
// server owns parsing, auth, errors and the response shape.
//
// Matching works on the raw (still percent-encoded) path and hands back raw
// parameters: decoding a parameter can fail on a malformed escape, and that
// must happen after the auth check, inside the server's error handling
// (decodeParams), never while a route is looked up.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface HttpRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: IncomingMessage['headers'];
  /** Read the body (at most limitBytes; larger => HttpError 413). */
  body(limitBytes?: number): Promise<Buffer>;
  json<T = unknown>(limitBytes?: number): Promise<T>;
  raw: IncomingMessage;
}

export interface HttpResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export type Handler = (req: HttpRequest, res: ServerResponse) => Promise<HttpResponse | void>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
    /** A DW_ code for the error body, when the error has one. */
    readonly code?: string,
  ) {
    super(message);
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
      throw new HttpError(400, `route parameter ${k} is not valid percent-encoded UTF-8`);
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
