// The daemon's HTTP server: /healthz, /readyz, /metrics, the JSON API under
// /v1 (bearer auth when configured) and whatever routes components add.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import type { Registry } from 'prom-client';
import { describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Secret } from '../core/config/secret.ts';
import { HttpError, type HttpRequest, type Router } from '../core/http/router.ts';

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  registry: Registry;
  logger: Logger;
  authToken?: Secret;
  readiness: () => { ready: boolean; checks: Record<string, Readiness> };
  liveness?: () => { state: string };
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      req.resume();
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function tokenMatches(header: string | undefined, token: Secret): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7));
  const want = Buffer.from(token.reveal());
  return given.length === want.length && timingSafeEqual(given, want);
}

export class HttpServer implements Component {
  readonly name = 'http';
  readonly #opts: HttpServerOptions;
  #server: Server | null = null;

  constructor(opts: HttpServerOptions) {
    this.#opts = opts;
    const { router } = opts;
    router.add('GET', '/healthz', async () => ({ status: 200, body: { status: 'ok', ...opts.liveness?.() } }), { public: true });
    router.add(
      'GET',
      '/readyz',
      async () => {
        const r = opts.readiness();
        return { status: r.ready ? 200 : 503, body: { ready: r.ready, checks: r.checks } };
      },
      { public: true },
    );
    router.add(
      'GET',
      '/metrics',
      async () => ({ status: 200, headers: { 'content-type': opts.registry.contentType }, body: await opts.registry.metrics() }),
      { public: true },
    );
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? this.#opts.port;
  }

  async start(): Promise<void> {
    const { router, logger } = this.#opts;
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
        if (res.headersSent) return;
        const isText = typeof body === 'string' || Buffer.isBuffer(body);
        res.writeHead(status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
        res.end(isText ? body : JSON.stringify(body));
      };
      const run = async (): Promise<void> => {
        const found = router.match(method, url.pathname);
        if (!found) throw new HttpError(404, `no route for ${method} ${url.pathname}`);
        if ('allowed' in found) throw new HttpError(405, `method ${method} not allowed`, undefined, { allow: found.allowed.join(', ') });
        const { route, params } = found;
        if (!route.public && this.#opts.authToken) {
          const auth = req.headers.authorization;
          if (!auth) throw new HttpError(401, 'missing bearer token', undefined, { 'www-authenticate': 'Bearer' });
          if (!tokenMatches(auth, this.#opts.authToken)) throw new HttpError(403, 'invalid bearer token');
        }
        const hreq: HttpRequest = {
          method,
          path: url.pathname,
          query: url.searchParams,
          params,
          headers: req.headers,
          raw: req,
          body: (limit = DEFAULT_BODY_LIMIT) => readBody(req, limit),
          json: async <T>(limit = DEFAULT_BODY_LIMIT) => {
            const buf = await readBody(req, limit);
            try {
              return JSON.parse(buf.toString('utf8')) as T;
            } catch (e) {
              throw new HttpError(400, `request body is not valid JSON: ${(e as Error).message}`);
            }
          },
        };
        const out = await route.handler(hreq, res);
        if (out) send(out.status, out.body ?? '', out.headers);
      };
      run().catch((e: unknown) => {
        if (e instanceof HttpError) {
          send(e.status, { error: e.message, ...(e.details === undefined ? {} : { details: e.details }) }, e.headers);
          return;
        }
        const code = (e as { code?: unknown }).code;
        if (code === 'DW_STORE_UNREACHABLE') {
          send(503, { error: describeError(e), code }, { 'retry-after': '5' });
          return;
        }
        logger.error('http handler failed', { method, path: url.pathname, error: describeError(e) });
        send(500, { error: describeError(e), ...(typeof code === 'string' ? { code } : {}) });
      });
    });
    server.keepAliveTimeout = 5_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.#opts.port, this.#opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.#server = server;
    logger.info('http listening', { host: this.#opts.host, port: this.port });
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    this.#server = null;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }

  readiness(): Readiness {
    return this.#server ? { ready: true, reason: `listening on ${this.port}` } : { ready: false, reason: 'not listening' };
  }
}
