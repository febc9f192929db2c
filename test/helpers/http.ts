// An in-process HTTP server with the given routes, for API tests.
import { Secret } from '../../src/core/config/secret.ts';
import type { TokenSpec } from '../../src/http/auth.ts';
import { HttpServer } from '../../src/http/server.ts';
import { Router } from '../../src/core/http/router.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';

export async function startTestServer(addRoutes: (router: Router) => void, opts: { token?: string; tokens?: TokenSpec[] } = {}) {
  const router = new Router();
  addRoutes(router);
  const registry = createRegistry({ defaultMetrics: false });
  const server = new HttpServer({
    host: '127.0.0.1',
    port: 0,
    router,
    registry,
    logger: silentLogger,
    authToken: opts.token ? new Secret(opts.token) : undefined,
    tokens: opts.tokens,
    readiness: () => ({ ready: true, checks: {} }),
  });
  await server.start();
  const base = `http://127.0.0.1:${server.port}`;
  return {
    base,
    registry,
    get: async (path: string, headers: Record<string, string> = {}) => {
      const r = await fetch(base + path, { headers: opts.token ? { authorization: `Bearer ${opts.token}`, ...headers } : headers });
      return { status: r.status, body: (await r.json()) as Record<string, unknown> };
    },
    port: server.port,
    stop: () => server.stop(),
  };
}
