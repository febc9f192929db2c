// Every /v1 route the daemon registers has its scope in the one table of
// src/http/scopes.ts, and the table names no route that does not exist.
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { ROUTE_SCOPES, SELF_AUTHENTICATING, scopeFor, scopeForRequest } from '../../src/http/scopes.ts';
import { tempDir } from '../../testkit/tmp.ts';

describe('route scopes', () => {
  const dir = tempDir('dw-scopes-');
  const app = createApp(parseConfig({ data_dir: dir.path, kafka: { enabled: false } }), { logger: silentLogger });
  const routes = app.router.routes();

  it('every /v1 route is listed with its scope', () => {
    const v1 = routes.filter((r) => r.path.startsWith('/v1'));
    expect(v1.length).toBeGreaterThan(10);
    for (const r of v1) {
      expect(r.public, `${r.method} ${r.path} must not be public`).toBe(SELF_AUTHENTICATING.has(`${r.method} ${r.path}`));
      expect(ROUTE_SCOPES[`${r.method} ${r.path}`], `${r.method} ${r.path} has no scope in src/http/scopes.ts`).toBeDefined();
    }
  });

  it('the table lists only routes that exist', () => {
    const keys = new Set(routes.map((r) => `${r.method} ${r.path}`));
    for (const key of Object.keys(ROUTE_SCOPES)) expect(keys.has(key), `${key} is in the scope table but not registered`).toBe(true);
  });

  it('only health, readiness, metrics and the self-authenticating routes are public', () => {
    const open = routes.filter((r) => r.public && !SELF_AUTHENTICATING.has(`${r.method} ${r.path}`));
    expect(open.map((r) => r.path).sort()).toEqual(['/healthz', '/metrics', '/readyz']);
  });

  it('clients find the same scope from a concrete path', () => {
    for (const [key, scope] of Object.entries(ROUTE_SCOPES)) {
      const [method, path] = key.split(' ') as [string, string];
      expect(scopeFor(method, path)).toBe(scope);
      expect(scopeForRequest(method, path.replace(':id', 'abc') + '?x=1')).toBe(scope);
    }
    expect(scopeForRequest('HEAD', '/v1/models')).toBe('read');
    expect(scopeForRequest('GET', '/v1/nothing')).toBe('admin');
  });
});
