// A small router over node:http. Components register their routes; the
// server owns parsing, auth, errors and the response shape.
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
  ) {
    super(message);
  }
}

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: Handler;
  /** Public routes skip bearer auth (health, metrics, dashboard). */
  public: boolean;
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
    this.#routes.push({ method: method.toUpperCase(), pattern, keys, handler, public: opts.public ?? false });
  }

  match(method: string, path: string): { route: Route; params: Record<string, string> } | { allowed: string[] } | null {
    const allowed: string[] = [];
    for (const r of this.#routes) {
      const m = r.pattern.exec(path);
      if (!m) continue;
      if (r.method !== method && !(method === 'HEAD' && r.method === 'GET')) {
        allowed.push(r.method);
        continue;
      }
      const params: Record<string, string> = {};
      r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1] ?? '')));
      return { route: r, params };
    }
    return allowed.length > 0 ? { allowed } : null;
  }
}
