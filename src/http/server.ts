// The daemon's HTTP server: /healthz, /readyz, /metrics, the JSON API under
// /v1 (bearer auth when configured) and whatever routes components add.
// Every answer carries X-Request-Id (the client's, when it sent a usable one,
// else a new UUID), and so do the log lines of the request. Every error
// answer is RFC 9457 problem details (application/problem+json, see
// src/core/http/problem.ts); a failure that is not an HttpError is a 500
// whose log line has the error with its stack and causes.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Secret } from '../core/config/secret.ts';
import { problem, PROBLEM_CONTENT_TYPE } from '../core/http/problem.ts';
import { decodeParams, HttpError, type HttpRequest, type Router } from '../core/http/router.ts';
import { Authenticator, type TokenSpec } from './auth.ts';
import { parseRequestTarget } from './request-target.ts';
import { scopeFor } from './scopes.ts';
import type { StaticFiles } from './static.ts';


/** How long stop() lets requests in flight finish before cutting their connections. */
const STOP_GRACE_MS = 10_000;
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
  /** The dashboard's files, served for GET paths no route takes (src/http/static.ts). */
  staticFiles?: StaticFiles;
}

const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** A client's X-Request-Id is kept when it is short and plain (it goes into logs and headers as is). */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

export function requestIdOf(header: string | string[] | undefined): string {
  const v = Array.isArray(header) ? header[0] : header;
  return v !== undefined && REQUEST_ID.test(v) ? v : randomUUID();
}

function parseJson<T>(buf: Buffer, emptyAs: { value: unknown } | null): T {
  const text = buf.toString('utf8');
  if (text.trim() === '') {
    if (emptyAs) return emptyAs.value as T;
    throw new HttpError(400, 'the request body is empty: send a JSON document', [{ detail: 'empty body', pointer: '#' }], undefined, 'DW_HTTP_INVALID_REQUEST');
  }
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new HttpError(400, `the request body is not valid JSON: ${(e as Error).message}`, [{ detail: 'not valid JSON', pointer: '#' }], undefined, 'DW_HTTP_INVALID_REQUEST');
  }
}

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
      reject(new HttpError(413, `request body of ${declared} bytes exceeds the limit of ${limit}`, undefined, undefined, 'DW_HTTP_BODY_TOO_LARGE'));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.destroy();
        reject(new HttpError(413, `request body exceeds the limit of ${limit} bytes`, undefined, undefined, 'DW_HTTP_BODY_TOO_LARGE'));
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
    const { router } = this.#opts;
    const method = (req.method ?? 'GET').toUpperCase();
    const id = requestIdOf(req.headers['x-request-id']);
    const started = Date.now();
    let path = '';
    let log = this.#opts.logger.child({ request_id: id, method });
    res.setHeader('x-request-id', id);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      if (res.headersSent || res.destroyed) return;
      const isText = typeof body === 'string' || Buffer.isBuffer(body);
      // While stopping, the answer ends its connection (no keep-alive reuse).
      const closing = this.#server === null ? { connection: 'close' } : {};
      res.writeHead(status, { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json', ...closing, ...headers });
      res.end(isText ? body : JSON.stringify(body));
    };
    const fail = (status: number, detail: string, opts: { code?: string; extra?: unknown; headers?: Record<string, string> } = {}): void => {
      const body = problem(status, detail, { code: opts.code, extra: opts.extra, instance: printable(path || '/'), requestId: id });
      send(status, body, { ...opts.headers, 'content-type': PROBLEM_CONTENT_TYPE });
    };
    // Everything from the request line on happens inside run(), so no input
    // can throw past the error handling below.
    const run = async (): Promise<void> => {
      const target = parseRequestTarget(req.url);
      path = target.path;
      log = log.child({ path: printable(path) });
      const found = router.match(method, target.path);
      if (!found && this.#opts.staticFiles?.serve(method, target.path, res)) return;
      if (!found) throw new HttpError(404, `no route for ${method} ${printable(target.path)}`, undefined, undefined, 'DW_HTTP_NOT_FOUND');
      if ('allowed' in found) throw new HttpError(405, `method ${method} not allowed`, undefined, { allow: found.allowed.join(', ') }, 'DW_HTTP_METHOD_NOT_ALLOWED');
      const { route, rawParams } = found;
      // Auth before anything of the request is decoded or read.
      if (!route.public && !this.#auth.open) {
        const who = this.#auth.authenticate(req.headers.authorization);
        this.#auth.authorize(who, scopeFor(method, route.path));
        log = log.child({ token: who.name });
      }
      const params = decodeParams(rawParams);
      const hreq: HttpRequest = {
        id,
        log,
        method,
        path: target.path,
        query: target.query,
        params,
        headers: req.headers,
        raw: req,
        body: (limit = DEFAULT_BODY_LIMIT) => readBody(req, limit),
        json: async <T>(limit = DEFAULT_BODY_LIMIT, opts: { emptyAs?: unknown } = {}) => parseJson<T>(await readBody(req, limit), 'emptyAs' in opts ? { value: opts.emptyAs } : null),
      };
      const out = await route.handler(hreq, res);
      if (out) send(out.status, out.body ?? '', out.headers);
    };
    run()
      .catch((e: unknown) => {
        // A handler that failed mid-stream cannot change its status any more.
        if (res.headersSent) {
          log.warn('http handler failed after answering; connection closed', { err: e });
          if (!res.writableEnded) res.destroy();
          return;
        }
        if (e instanceof HttpError) {
          fail(e.status, e.message, { code: e.code, extra: e.details, headers: e.headers });
          return;
        }
        const code = (e as { code?: unknown }).code;
        if (code === 'DW_STORE_UNREACHABLE') {
          log.warn('http request failed: the store is unreachable', { err: e });
          fail(503, describeError(e), { code, headers: { 'retry-after': '5' } });
          return;
        }
        log.error('http handler failed', { err: e });
        fail(500, describeError(e), { code: typeof code === 'string' && code.startsWith('DW_') ? code : 'DW_INTERNAL' });
      })
      .finally(() => {
        // One line per request at debug (per-request info lines would drown a
        // daemon scraped every few seconds); errors above are logged at warn/error.
        log.debug('http request', { status: res.statusCode, duration_ms: Date.now() - started });
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
    // close() only refuses new connections: a client that keeps its
    // keep-alive connections busy (the dashboard polls) would hold the server
    // open for ever. Connections are closed as they go idle, and whatever is
    // still open after the grace period is cut.
    const idle = setInterval(() => server.closeIdleConnections(), 100);
    const cut = setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS);
    try {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    } finally {
      clearInterval(idle);
      clearTimeout(cut);
    }
  }

  readiness(): Readiness {
    return this.#server ? { ready: true, reason: `listening on ${this.port}` } : { ready: false, reason: 'not listening' };
  }
}
