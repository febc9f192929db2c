// Every error answer of the HTTP server is RFC 9457 problem details with
// driftwatch's code, whatever produced it: the router (404, 405), auth (401,
// 403), validation (400, also for a body that is not JSON, POST /v1/detect
// included), body limits (413) and failures nobody anticipated (500).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDetectRoutes } from '../../src/api/detect-routes.ts';
import { addReadRoutes } from '../../src/api/read-routes.ts';
import { Secret } from '../../src/core/config/secret.ts';
import { ERROR_CODES } from '../../src/core/errors.ts';
import { HttpError } from '../../src/core/http/router.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import type { Store } from '../../src/core/store/store.ts';
import { startTestServer } from '../helpers/http.ts';

const ADMIN = 'admin-token-1';
const READER = 'reader-token-1';
let api: Awaited<ReturnType<typeof startTestServer>>;
const runOnce: unknown[] = [];

beforeAll(async () => {
  const scheduler = { runOnce: async (o: unknown) => (runOnce.push(o), []), backfill: async () => [] } as unknown as Scheduler;
  const store = { query: async () => [] } as unknown as Store;
  api = await startTestServer(
    (r) => {
      addReadRoutes(r, () => store);
      addDetectRoutes(r, () => scheduler);
      r.add('GET', '/v1/boom', async () => {
        throw new Error('an unexpected failure', { cause: new Error('the root cause') });
      });
      r.add('POST', '/v1/small', async (req) => ({ status: 200, body: { n: (await req.body(10)).length } }));
      r.add('GET', '/v1/teapot', async () => {
        throw new HttpError(418, 'no coffee here');
      });
    },
    {
      tokens: [
        { name: 'admin', token: new Secret(ADMIN), scopes: ['read', 'ingest', 'admin'] },
        { name: 'reader', token: new Secret(READER), scopes: ['read'] },
      ],
    },
  );
});
afterAll(async () => api.stop());

async function call(method: string, path: string, opts: { token?: string | null; body?: string; headers?: Record<string, string> } = {}) {
  const token = opts.token === undefined ? ADMIN : opts.token;
  const r = await fetch(api.base + path, { method, body: opts.body, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers } });
  const text = await r.text();
  return { status: r.status, headers: r.headers, text, body: JSON.parse(text || 'null') as Record<string, unknown> };
}

/** The problem shape every error answer has. */
function expectProblem(r: Awaited<ReturnType<typeof call>>, status: number, code: string): void {
  expect(r.status, r.text).toBe(status);
  expect(r.headers.get('content-type')).toBe('application/problem+json');
  expect(r.body).toMatchObject({ type: `urn:driftwatch:problem:${code}`, status, code });
  expect(typeof r.body.title).toBe('string');
  expect((r.body.title as string).length).toBeGreaterThan(0);
  expect(typeof r.body.detail).toBe('string');
  expect(code in ERROR_CODES, `${code} is in the error table`).toBe(true);
  expect(r.body.request_id).toBe(r.headers.get('x-request-id'));
}

describe('problem+json error answers', () => {
  it('404 and 405 (with Allow)', async () => {
    expectProblem(await call('GET', '/v1/nothing'), 404, 'DW_HTTP_NOT_FOUND');
    const r = await call('DELETE', '/v1/models');
    expectProblem(r, 405, 'DW_HTTP_METHOD_NOT_ALLOWED');
    expect(r.headers.get('allow')).toBe('GET');
  });

  it('401 with the RFC 6750 challenge for no token and a wrong one; 403 for a token lacking the scope', async () => {
    const none = await call('GET', '/v1/models', { token: null });
    expectProblem(none, 401, 'DW_AUTH_TOKEN');
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer realm="driftwatch"/);
    const wrong = await call('GET', '/v1/models', { token: 'not-a-token' });
    expectProblem(wrong, 401, 'DW_AUTH_TOKEN');
    expect(wrong.headers.get('www-authenticate')).toMatch(/error="invalid_token"/);
    const scope = await call('POST', '/v1/detect', { token: READER });
    expectProblem(scope, 403, 'DW_AUTH_SCOPE');
    expect(scope.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  });

  it('400 for bad query parameters, every problem with the parameter it is about', async () => {
    const r = await call('GET', '/v1/runs?limit=0&colour=red');
    expectProblem(r, 400, 'DW_HTTP_INVALID_REQUEST');
    expect(r.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ parameter: 'limit' }), { detail: 'unknown key', parameter: 'colour' }]));
    expect(r.body.instance).toBe('/v1/runs');
  });

  it('POST /v1/detect: a malformed body is a 400 and runs nothing; no body, or {}, runs every detector', async () => {
    for (const body of ['{"detector": ', 'detector=x', '[1,', '"unterminated']) {
      const r = await call('POST', '/v1/detect', { body, headers: { 'content-type': 'application/json' } });
      expectProblem(r, 400, 'DW_HTTP_INVALID_REQUEST');
      expect(r.body.errors).toEqual([expect.objectContaining({ pointer: '#' })]);
    }
    const wrongShape = await call('POST', '/v1/detect', { body: '{"detector": 3, "colour": 1}' });
    expectProblem(wrongShape, 400, 'DW_HTTP_INVALID_REQUEST');
    expect(wrongShape.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ pointer: '#/detector' }), { detail: 'unknown key', pointer: '#/colour' }]));
    expect(runOnce).toEqual([]);
    expect((await call('POST', '/v1/detect')).status).toBe(200);
    expect((await call('POST', '/v1/detect', { body: '{}' })).status).toBe(200);
    expect(runOnce).toHaveLength(2);
  });

  it('POST /v1/backfill: an empty or malformed body is a 400', async () => {
    expectProblem(await call('POST', '/v1/backfill'), 400, 'DW_HTTP_INVALID_REQUEST');
    expectProblem(await call('POST', '/v1/backfill', { body: '{' }), 400, 'DW_HTTP_INVALID_REQUEST');
    const order = await call('POST', '/v1/backfill', { body: JSON.stringify({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }) });
    expectProblem(order, 400, 'DW_HTTP_INVALID_REQUEST');
    expect(order.body.errors).toEqual([{ detail: 'must be after from', pointer: '#/to' }]);
  });

  it('413 above a body limit, 500 for an unexpected failure, and a status without a code of its own', async () => {
    expectProblem(await call('POST', '/v1/small', { body: 'x'.repeat(100) }), 413, 'DW_HTTP_BODY_TOO_LARGE');
    const boom = await call('GET', '/v1/boom');
    expectProblem(boom, 500, 'DW_INTERNAL');
    expect(boom.body.detail).toMatch(/an unexpected failure/);
    expectProblem(await call('GET', '/v1/teapot'), 418, 'DW_HTTP_INVALID_REQUEST');
  });

  it('keeps a plain X-Request-Id from the client and replaces one that is not plain', async () => {
    const mine = await call('GET', '/v1/nothing', { headers: { 'x-request-id': 'req-42.abc' } });
    expect(mine.body.request_id).toBe('req-42.abc');
    expect(mine.headers.get('x-request-id')).toBe('req-42.abc');
    const odd = await call('GET', '/v1/nothing', { headers: { 'x-request-id': 'a b<script>' } });
    expect(odd.body.request_id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('HTTP log lines', () => {
  it('carry the request id of the answer, and a failure is logged with its stack and cause', async () => {
    const { HttpServer } = await import('../../src/http/server.ts');
    const { Router } = await import('../../src/core/http/router.ts');
    const { createLogger } = await import('../../src/core/log/logger.ts');
    const { createRegistry } = await import('../../src/metrics/registry.ts');
    const lines: Array<Record<string, unknown>> = [];
    const router = new Router();
    router.add('GET', '/v1/boom', async () => {
      throw new Error('an unexpected failure', { cause: new Error('the root cause') });
    });
    const server = new HttpServer({
      host: '127.0.0.1',
      port: 0,
      router,
      registry: createRegistry({ defaultMetrics: false }),
      logger: createLogger({ level: 'debug', sink: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
      readiness: () => ({ ready: true, checks: {} }),
    });
    await server.start();
    try {
      const r = await fetch(`http://127.0.0.1:${server.port}/v1/boom`);
      const body = (await r.json()) as { request_id: string };
      const mine = lines.filter((l) => l.request_id === body.request_id);
      const failure = mine.find((l) => l.level === 50);
      expect(failure).toMatchObject({ msg: 'http handler failed', method: 'GET', path: '/v1/boom', pid: process.pid });
      const err = failure!.err as { type: string; message: string; stack: string; cause: { message: string; stack: string } };
      expect(err).toMatchObject({ type: 'Error', message: 'an unexpected failure', cause: { message: 'the root cause' } });
      expect(err.stack.split('\n').length).toBeGreaterThan(6);
      expect(err.cause.stack).toMatch(/the root cause\n\s+at /);
      // And one line per request, with its status and duration.
      expect(mine.find((l) => l.msg === 'http request')).toMatchObject({ level: 20, status: 500, duration_ms: expect.any(Number) });
    } finally {
      await server.stop();
    }
  });
});
