// The daemon's HTTP server: /healthz, /readyz, /metrics, the JSON API under
// /v1 (bearer auth when configured) and whatever routes components add.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Secret } from '../core/config/secret.ts';
import { decodeParams, HttpError, type HttpRequest, type Router } from '../core/http/router.ts';
import { Authenticator, type TokenSpec } from './auth.ts';
import { parseRequestTarget } from './request-target.ts';
import { scopeFor } from './scopes.ts';

export interface HttpServerOptions {
  host: string;
  port: number;
  router: Router;
  registry: Registry;
  logger: Logger;
  /** The legacy single token: every scope. */
  authToken?: Secret;
  /** Scoped tokens (http.tokens). With neither these nor authToken, /v1 is open. */
  tokens?: readonly TokenSpec[];
  readiness: () => { ready: boolean; checks: Record<string, Readiness> };
  liveness?: () => { state: string };
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A path as it may appear in a message or a log line: no control characters, bounded. */
function printable(path: string): string {
  // eslint-disable-next-line no-control-regex
  const p = path.replace(/[\x00-\x1f\x7f]/g, '?');
  return p.length > 200 ? `${p.slice(0, 200)}...` : p;
}

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

export class HttpServer implements Component {
  readonly name = 'http';
  readonly #opts: HttpServerOptions;
  readonly #auth: Authenticator;
  #server: Server | null = null;

  constructor(opts: HttpServerOptions) {
    this.#opts = opts;
    this.#auth = new Authenticator([...(opts.authToken ? [Authenticator.allScopes('auth_token', opts.authToken)] : []), ...(opts.tokens ?? [])]);
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

  #serve(req: IncomingMessage, res: ServerResponse): void {
    const { router, logger } = this.#opts;
    const method = (req.method ?? 'GET').toUpperCase();
    let path = '';
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (res.headersSent || res.destroyed) return;
      const isText = typeof body === 'string' || Buffer.isBuffer(body);
      res.writeHead(status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
      res.end(isText ? body : JSON.stringify(body));
    };
    // Everything from the request line on happens inside run(), so no input
    // can throw past the error handling below.
    const run = async (): Promise<void> => {
      const target = parseRequestTarget(req.url);
      path = target.path;
      const found = router.match(method, target.path);
      if (!found) throw new HttpError(404, `no route for ${method} ${printable(target.path)}`);
      if ('allowed' in found) throw new HttpError(405, `method ${method} not allowed`, undefined, { allow: found.allowed.join(', ') });
      const { route, rawParams } = found;
      // Auth before anything of the request is decoded or read.
      if (!route.public && !this.#auth.open) {
        const who = this.#auth.authenticate(req.headers.authorization);
        this.#auth.authorize(who, scopeFor(method, route.path));
      }
      const params = decodeParams(rawParams);
      const hreq: HttpRequest = {
        method,
        path: target.path,
        query: target.query,
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
      // A handler that failed mid-stream cannot change its status any more.
      if (res.headersSent) {
        if (!res.writableEnded) res.destroy();
        return;
      }
      if (e instanceof HttpError) {
        send(e.status, { error: e.message, ...(e.code ? { code: e.code } : {}), ...(e.details === undefined ? {} : { details: e.details }) }, e.headers);
        return;
      }
      const code = (e as { code?: unknown }).code;
      if (code === 'DW_STORE_UNREACHABLE') {
        send(503, { error: describeError(e), code }, { 'retry-after': '5' });
        return;
      }
      logger.error('http handler failed', { method, path: printable(path), error: describeError(e) });
      send(500, { error: describeError(e), ...(typeof code === 'string' ? { code } : {}) });
    });
  }

  /** The bound port (useful with port 0). */
  get port(): number {
    return (this.#server?.address() as AddressInfo | null)?.port ?? this.#opts.port;
  }

  async start(): Promise<void> {
    const { logger } = this.#opts;
    const server = createServer((req, res) => this.#serve(req, res));
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
    if (this.#auth.open && !['127.0.0.1', '::1', 'localhost'].includes(this.#opts.host)) {
      logger.warn('no http token is configured: /v1 answers anyone who can reach this address (set http.tokens)', { host: this.#opts.host });
    }
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
