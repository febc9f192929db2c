// The README's "Gate a rollout" examples run as written: the YAML is a valid
// config, the SQL runs against the schema, and the curl commands (pointed at
// a test server instead of localhost:8080) get the answers the text
// describes. The `driftwatch gate` and script commands run in
// test/cli/gate.test.ts.
import { exec } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addGateRoutes } from '../../src/api/gate-routes.ts';
import { GateService } from '../../src/api/gate-service.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import type { Store } from '../../src/core/store/store.ts';
import { generatePredictions } from '../detectors/operational/fixtures.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';

const readme = readFileSync(resolve(import.meta.dirname, '../../README.md'), 'utf8');
const section = readme.slice(readme.indexOf('\n## Gate a rollout\n'), readme.indexOf('\n## Alerts\n'));
const blocks = (lang: string) => [...section.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1] as string);

let store: Store;
let cleanup: () => Promise<void>;
let server: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  const start = new Date(Date.now() - 20 * 60_000).toISOString();
  for (const [version, latency, errors] of [
    ['v1', '10 + 20 * ((cityHash64(number, 1) % 1000) / 1000)', 0.01],
    ['v2', '20 + 40 * ((cityHash64(number, 2) % 1000) / 1000)', 0.1],
  ] as const) {
    await generatePredictions(store, { model: 'fraud', version, start, n: 2_000, stepMs: 600, prediction: "'0'", confidence: '0.8', latency, error: `if((cityHash64(number, 3) % 1000) / 1000 < ${errors}, 'timeout', '')` });
  }
  const service = new GateService({ store: () => store, gates: parseConfig({}).gates, actions: [], outbox: () => null, logger: silentLogger });
  server = await startTestServer((router) => addGateRoutes(router, service));
});
afterAll(async () => {
  await server?.stop();
  await cleanup?.();
});

describe('README: Gate a rollout', () => {
  it('has the section, between Champion vs canary and Alerts', () => {
    expect(section.length).toBeGreaterThan(1000);
    expect(readme.indexOf('### Champion vs canary')).toBeLessThan(readme.indexOf('## Gate a rollout'));
  });

  it('the policy YAML is a valid config', () => {
    const [yaml] = blocks('yaml');
    process.env.ROLLBACK_WEBHOOK_SECRET = 'whsec_' + Buffer.from('readme').toString('base64');
    const config = parseConfig(parse(yaml as string));
    expect(config.gates.default_policy).toBe('canary');
    expect(config.gates.policies[0]).toMatchObject({ name: 'canary', rollback_action: 'rollback-fraud', critical_features: ['amount', 'country'] });
    expect(Object.keys(config.gates.policies[0]?.checks ?? {}).filter((k) => config.gates.policies[0]?.checks[k as 'quality'] !== undefined)).toHaveLength(6);
  });

  it('the SQL runs against the schema', async () => {
    const [sql] = blocks('sql');
    await expect(store.query(sql as string)).resolves.toBeDefined();
  });

  it('the curl commands get the verdict', async () => {
    const commands = blocks('sh')
      .join('\n')
      .replace(/\\\n\s*/g, '')
      .split('\n')
      .filter((l) => l.startsWith('curl '));
    expect(commands).toHaveLength(2);
    const port = new URL(server.base).port;
    for (const c of commands) {
      const { stdout } = await promisify(exec)(c.replace(/localhost:8080/g, `127.0.0.1:${port}`));
      expect(JSON.parse(stdout)).toMatchObject({ verdict: 'fail' });
    }
  });
});
