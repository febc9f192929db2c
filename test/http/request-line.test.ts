// Request lines that used to throw outside the error handling (`new URL` on
// `//`) or answer 500 before the auth check (a malformed escape in a route
// parameter), sent byte for byte over a socket since fetch normalises URLs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError } from '../../src/core/http/router.ts';
import { startTestServer } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const TOKEN = 'request-line-token-0123456789';
let api: Awaited<ReturnType<typeof startTestServer>>;
const seen: Record<string, string>[] = [];

beforeAll(async () => {
  api = await startTestServer(
    (r) => {
      r.add('GET', '/v1/items/:id', async (req) => {
        seen.push(req.params);
        if (req.params.id === 'missing') throw new HttpError(404, 'no such item');
        return { status: 200, body: { id: req.params.id } };
      });
      r.add('GET', '/v1/models', async (req) => ({ status: 200, body: { q: req.query.get('q') } }));
    },
    { token: TOKEN },
  );
});
afterAll(async () => api.stop());

const auth = `Authorization: Bearer ${TOKEN}`;

describe('request lines parse inside the error handling', () => {
  it.each([
    ['GET // HTTP/1.1', [404]],
    ['GET //a:b@ HTTP/1.1', [404]],
    ['GET //a:b@/v1/models HTTP/1.1', [404]],
    ['GET //%00 HTTP/1.1', [404]],
    ['GET /%00 HTTP/1.1', [404]],
    ['GET /%zz HTTP/1.1', [404]],
    ['GET /v1/models?%zz=%E0%A4%A HTTP/1.1', [401]],
    ['GET * HTTP/1.1', [400]],
    ['GET ftp://x/v1/models HTTP/1.1', [400]],
    ['GET http://[::1 HTTP/1.1', [400]],
    ['GET http://example.com/v1/models HTTP/1.1', [401]],
    ['GET http://example.com//v1/models HTTP/1.1', [404]],
    ['GET /v1/items/%E0%A4%A HTTP/1.1', [401]],
    ['GET /v1/items/%zz HTTP/1.1', [401]],
    ['GET /v1/items/%C0%80 HTTP/1.1', [401]],
    ['GET /v1/items/a%2Fb HTTP/1.1', [401]],
    ['GET /v1/../v1/models HTTP/1.1', [404]],
    ['BREW /v1/models HTTP/1.1', [400, 405]],
    ['GET /v1/models HTTP/9.9', [400, 505]],
    ['GET /\x01\x7f HTTP/1.1', [400]],
  ] as const)('without a token: %j answers %j', async (line, statuses) => {
    const r = await rawRequest(api.port, line);
    expect(statuses as readonly number[]).toContain(r.status);
  });

  it.each([
    ['GET /v1/items/%E0%A4%A HTTP/1.1', 400],
    ['GET /v1/items/%zz HTTP/1.1', 400],
    ['GET /v1/items/%C0%80 HTTP/1.1', 400],
    ['GET /v1/items/%00 HTTP/1.1', 200],
    ['GET /v1/items/a%2Fb HTTP/1.1', 200],
    ['GET /v1/items/missing HTTP/1.1', 404],
    ['GET http://example.com/v1/models?q=1 HTTP/1.1', 200],
    ['GET /v1/models?%zz=%E0%A4%A HTTP/1.1', 200],
  ] as const)('with the token: %j answers %i', async (line, status) => {
    const r = await rawRequest(api.port, line, [auth]);
    expect(r.status, r.raw).toBe(status);
    if (status === 400) expect(JSON.parse(r.body)).toMatchObject({ error: expect.stringMatching(/percent-encoded/) });
  });

  it('decodes parameters only after auth, and as UTF-8', async () => {
    seen.length = 0;
    await rawRequest(api.port, 'GET /v1/items/%E2%82%AC HTTP/1.1');
    expect(seen).toEqual([]);
    await rawRequest(api.port, 'GET /v1/items/%E2%82%AC HTTP/1.1', [auth]);
    expect(seen).toEqual([{ id: '€' }]);
  });

  it('keeps answering after all of them', async () => {
    const r = await fetch(`${api.base}/healthz`);
    expect(r.status).toBe(200);
  });
});
