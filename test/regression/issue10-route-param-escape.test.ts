// Issue 10: a malformed percent-escape in a route parameter answered 500
// before the auth check. Without a token it is 401 (auth first); with one it
// is 400 (the client's bad escape), never 500.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { AlertingComponent } from '../../alerts/component.ts';
import { registerAlertRoutes } from '../../alerts/http.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { startTestServer } from '../helpers/http.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { openTestStore } from '../helpers/store.ts';
import { alertsSchema } from '../../alerts/config.ts';

const TOKEN = 'issue10-escape-token-0123456789';
let api: Awaited<ReturnType<typeof startTestServer>>;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  const t = await openTestStore();
  cleanup = t.cleanup;
  const alerting = new AlertingComponent({ config: alertsSchema.parse({}), store: () => t.store, logger: silentLogger, registry: createRegistry({ defaultMetrics: false }) });
  await alerting.start();
  api = await startTestServer((r) => registerAlertRoutes(r, alerting), { token: TOKEN });
});
afterAll(async () => {
  await api.stop();
  await cleanup();
});

it.each(['%E0%A4%A', '%zz', '%', '%C0%80', '%ED%A0%80'])('GET and DELETE /v1/silences/%s: 401 without a token, 400 with one', async (bad) => {
  for (const method of ['GET', 'DELETE']) {
    expect((await rawRequest(api.port, `${method} /v1/silences/${bad} HTTP/1.1`)).status).toBe(401);
    const r = await rawRequest(api.port, `${method} /v1/silences/${bad} HTTP/1.1`, [`Authorization: Bearer ${TOKEN}`]);
    expect(r.status, r.raw).toBe(400);
  }
});

it('a well-formed unknown id is still a 404', async () => {
  const r = await rawRequest(api.port, 'GET /v1/silences/no-such-id HTTP/1.1', [`Authorization: Bearer ${TOKEN}`]);
  expect(r.status).toBe(404);
});
