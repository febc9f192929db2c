// docs/openapi.json documents exactly the routes the daemon registers, is
// what `npm run docs:openapi` writes, is served at GET /v1/openapi.json, and
// its Problem schema is what error answers really look like.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDetectRoutes } from '../../src/api/detect-routes.ts';
import { addOpenApiRoute, openApiDocument, openApiPath } from '../../src/api/openapi.ts';
import { addReadRoutes } from '../../src/api/read-routes.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Scheduler } from '../../src/scheduler/scheduler.ts';
import type { Store } from '../../src/core/store/store.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { startTestServer } from '../helpers/http.ts';

type Doc = { openapi: string; paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; responses: Record<string, unknown>; requestBody?: { content: Record<string, { schema: unknown }> } }>>; components: { schemas: { Problem: object } } };
const committed = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../docs/openapi.json'), 'utf8')) as Doc;
const dir = tempDir('dw-openapi-');
const TOKEN = 'openapi-token-123';
let api: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  const store = { query: async () => [] } as unknown as Store;
  const scheduler = { runOnce: async () => [] } as unknown as Scheduler;
  api = await startTestServer(
    (r) => {
      addOpenApiRoute(r);
      addReadRoutes(r, () => store);
      addDetectRoutes(r, () => scheduler);
    },
    { token: TOKEN },
  );
});
afterAll(async () => {
  await api.stop();
  dir.remove();
});

const ajv = () => {
  const a = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(a);
  return a;
};

describe('OpenAPI document', () => {
  it('documents every route the daemon registers, and no other', () => {
    const app = createApp(parseConfig({ data_dir: dir.path, kafka: { enabled: false } }), { logger: silentLogger });
    const routes = app.router.routes().map((r) => `${r.method} ${openApiPath(r.path)}`);
    const documented = Object.entries(committed.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(routes.length).toBeGreaterThan(15);
    expect(documented.sort()).toEqual([...new Set(routes)].sort());
  });

  it('is what npm run docs:openapi writes (run it after changing a route or a schema)', () => {
    expect(committed).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(committed.openapi).toBe('3.1.0');
  });

  it('every schema in it compiles as JSON Schema 2020-12, and every /v1 error answer is the Problem schema', () => {
    const a = ajv();
    for (const [path, ops] of Object.entries(committed.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const c of Object.values(op.requestBody?.content ?? {})) expect(() => a.compile(c.schema as object), `${method} ${path}`).not.toThrow();
        if (path.startsWith('/v1/')) {
          expect(op.responses['400'], `${method} ${path}`).toEqual({ $ref: '#/components/responses/Problem400' });
          expect(op.responses['401']).toEqual({ $ref: '#/components/responses/Problem401' });
        }
      }
    }
    const query = committed.paths['/v1/scores/history']!.get!.parameters.filter((p) => p.in === 'query').map((p) => p.name);
    expect(query).toEqual(expect.arrayContaining(['cursor', 'limit', 'from', 'to', 'model']));
    expect(query).not.toContain('offset');
  });

  it('is served at GET /v1/openapi.json, and real error answers validate against its Problem schema', async () => {
    const served = await api.get('/v1/openapi.json');
    expect(served.status).toBe(200);
    expect(served.body).toEqual(committed);
    const validate = ajv().compile(committed.components.schemas.Problem);
    const answers = [
      await api.get('/v1/runs?limit=0&colour=red'),
      await api.get('/v1/nothing'),
      { ...(await fetch(`${api.base}/v1/models`).then(async (r) => ({ status: r.status, body: await r.json() }))) },
      await fetch(`${api.base}/v1/detect`, { method: 'POST', body: '{"detector":', headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => ({ status: r.status, body: await r.json() })),
    ];
    expect(answers.map((a) => a.status)).toEqual([400, 404, 401, 400]);
    for (const a of answers) expect(validate(a.body), JSON.stringify(validate.errors)).toBe(true);
    // And the schema can fail: the old {error, details} shape does not pass.
    expect(validate({ error: 'invalid query parameters', details: ['limit: too small'] })).toBe(false);
  });
});
