// Scoped bearer tokens (RFC 6750): 401 with a challenge without a token or
// with an unknown one, 403 insufficient_scope with a token lacking the
// route's scope, the scheme case-insensitive, comparisons of digests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Secret } from '../../src/core/config/secret.ts';
import { Authenticator } from '../../src/http/auth.ts';
import { ROUTE_SCOPES } from '../../src/http/scopes.ts';
import { startTestServer } from '../helpers/http.ts';

const T = {
  ingest: 'ingest-token-aaaaaaaaaaaa',
  read: 'read-token-bbbbbbbbbbbbbb',
  admin: 'admin-token-cccccccccccccc',
  all: 'legacy-token-dddddddddddd',
};
let api: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  api = await startTestServer(
    (r) => {
      for (const key of Object.keys(ROUTE_SCOPES)) {
        const [method, path] = key.split(' ') as [string, string];
        r.add(method, path, async () => ({ status: 200, body: { route: key } }));
      }
      r.add('GET', '/v1/unlisted', async () => ({ status: 200, body: {} }));
    },
    {
      token: T.all,
      tokens: [
        { name: 'model-servers', token: new Secret(T.ingest), scopes: ['ingest'] },
        { name: 'grafana', token: new Secret(T.read), scopes: ['read'] },
        { name: 'ops', token: new Secret(T.admin), scopes: ['admin'] },
      ],
    },
  );
});
afterAll(async () => api.stop());

const call = (method: string, path: string, authorization?: string) =>
  fetch(api.base + path.replace(':id', 'x'), { method, headers: authorization === undefined ? {} : { authorization } });

describe('scoped tokens', () => {
  it('no token: 401 with a plain Bearer challenge', async () => {
    const r = await call('GET', '/v1/models');
    expect(r.status).toBe(401);
    expect(r.headers.get('www-authenticate')).toBe('Bearer realm="driftwatch"');
    expect(await r.json()).toMatchObject({ code: 'DW_AUTH_TOKEN' });
  });

  it.each([['Bearer nope'], [`Bearer ${T.read}x`], [`Bearer ${T.read.slice(0, -1)}`], ['Basic dXNlcjpwYXNz'], [`Token ${T.read}`], ['Bearer'], [`Bearer ${T.read} extra`], ['Bearer ' + 'x'.repeat(5000)]])(
    '%s: 401 invalid_token',
    async (authorization) => {
      const r = await call('GET', '/v1/models', authorization);
      expect(r.status).toBe(401);
      expect(r.headers.get('www-authenticate')).toMatch(/^Bearer realm="driftwatch", error="invalid_token"/);
      const body = JSON.stringify(await r.json());
      for (const t of Object.values(T)) expect(body).not.toContain(t);
    },
  );

  it('the scheme is case-insensitive', async () => {
    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) expect((await call('GET', '/v1/models', `${scheme} ${T.read}`)).status).toBe(200);
  });

  it.each(Object.entries(ROUTE_SCOPES))('%s needs %s: only tokens with that scope pass', async (key, scope) => {
    const [method, path] = key.split(' ') as [string, string];
    for (const [which, token] of Object.entries(T)) {
      const r = await call(method, path, `Bearer ${token}`);
      const allowed = which === 'all' || which === scope;
      expect(r.status, `${which} on ${key}`).toBe(allowed ? 200 : 403);
      if (!allowed) {
        expect(r.headers.get('www-authenticate')).toMatch(new RegExp(`error="insufficient_scope".*scope="${scope}"`));
        expect(await r.json()).toMatchObject({ code: 'DW_AUTH_SCOPE' });
      }
    }
  });

  it('a /v1 route missing from the scope table needs admin', async () => {
    expect((await call('GET', '/v1/unlisted', `Bearer ${T.read}`)).status).toBe(403);
    expect((await call('GET', '/v1/unlisted', `Bearer ${T.admin}`)).status).toBe(200);
  });

  it('public routes stay open', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    expect((await call('GET', '/metrics')).status).toBe(200);
  });
});

describe('Authenticator', () => {
  it('compares SHA-256 digests: every configured token is compared, whatever the length sent', () => {
    const a = new Authenticator([
      { name: 'one', token: new Secret('a'.repeat(20)), scopes: ['read'] },
      { name: 'two', token: new Secret('b'.repeat(40)), scopes: ['admin'] },
    ]);
    expect(a.authenticate(`Bearer ${'b'.repeat(40)}`).name).toBe('two');
    for (const sent of ['a', 'a'.repeat(19), 'a'.repeat(21), 'b'.repeat(39), '']) expect(() => a.authenticate(`Bearer ${sent}`)).toThrow(/bearer|Authorization/);
  });

  it('with no token configured, the API is open', () => {
    expect(new Authenticator([]).open).toBe(true);
  });
});
