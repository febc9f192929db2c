// A daemon with a known story for the dashboard's browser tests: fraud/v1
// (champion) and fraud/v2 (canary) over the last hour in six 10-minute
// windows; in the last three windows the canary's `amount` and `country`
// drift (planted), every other feature is a control with the champion's
// distribution. A canary-vs-champion drift job scores every window, a rule
// turns PSI >= 0.25 into a critical alert, and scoped tokens guard /v1.
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { rng } from '../../testkit/events.ts';
import { freePort } from '../../testkit/ports.ts';
import { tempDir } from '../../testkit/tmp.ts';

export const READ_TOKEN = 'dashboard-read-token-0123456789';
export const ADMIN_TOKEN = 'dashboard-admin-token-0123456789';
export const INGEST_TOKEN = 'dashboard-ingest-token-0123456789';
export const DRIFTED = ['amount', 'country'];
export const CONTROLS = ['age', 'device', 'risk_score', 'basket_items'];
const WINDOW = 10 * 60_000;
const WINDOWS = 6;

export interface Fixture {
  app: App;
  base: string;
  windowEnd: number;
  stop(): Promise<void>;
}

function normal(r: () => number): number {
  return Math.sqrt(-2 * Math.log(Math.max(r(), 1e-12))) * Math.cos(2 * Math.PI * r());
}

/** Events of one version in one window; `drift` moves amount and country only. */
export function plantedEvents(o: { version: string; start: number; count: number; drift: boolean; seed: number }): Array<Record<string, unknown>> {
  const r = rng(o.seed);
  const out: Array<Record<string, unknown>> = [];
  for (let i = 0; i < o.count; i++) {
    const amount = Math.round(Math.exp(4 + 0.7 * normal(r) + (o.drift ? 1.2 : 0)) * 100) / 100;
    const country = o.drift && r() < 0.35 ? 'BR' : (['DE', 'FR', 'US', 'GB'][Math.floor(r() * 4)] as string);
    const p = Math.min(0.99, Math.max(0.01, 0.2 + 0.1 * normal(r)));
    out.push({
      event_id: `${o.version}-${o.start}-${i}`,
      ts: o.start + Math.floor((i / o.count) * WINDOW),
      model: 'fraud',
      model_version: o.version,
      features: {
        amount,
        country,
        age: Math.round(40 + 12 * normal(r)),
        device: ['ios', 'android', 'web'][Math.floor(r() * 3)] as string,
        risk_score: Math.round(r() * 1000) / 1000,
        basket_items: 1 + Math.floor(r() * 8),
      },
      prediction: p > 0.5 ? 'fraud' : 'ok',
      confidence: Math.max(p, 1 - p),
      latency_ms: Math.round((12 + 3 * Math.abs(normal(r)) + (o.version === 'v2' ? 6 : 0)) * 10) / 10,
      error: r() < (o.version === 'v2' ? 0.03 : 0.005) ? 'timeout' : null,
      tags: { deployment: o.version === 'v2' ? 'canary' : 'stable' },
    });
  }
  return out;
}

export async function startFixture(opts: { port?: number } = {}): Promise<Fixture> {
  const dir = tempDir('dw-web-');
  // Tokens are secrets: the config names them as ${ENV}.
  Object.assign(process.env, { DW_WEB_READ_TOKEN: READ_TOKEN, DW_WEB_ADMIN_TOKEN: ADMIN_TOKEN, DW_WEB_INGEST_TOKEN: INGEST_TOKEN });
  const config = parseConfig({
    data_dir: dir.path,
    kafka: { enabled: false },
    scheduler: { enabled: false },
    http: {
      // A fixed port, so a restart of the HTTP server comes back where the page looks.
      port: opts.port ?? (await freePort()),
      tokens: [
        { name: 'viewer', token: '${DW_WEB_READ_TOKEN}', scopes: ['read'] },
        { name: 'ops', token: '${DW_WEB_ADMIN_TOKEN}', scopes: ['read', 'admin'] },
        { name: 'model-servers', token: '${DW_WEB_INGEST_TOKEN}', scopes: ['ingest'] },
      ],
    },
    detectors: {
      min_samples: 200,
      jobs: [{ name: 'canary-vs-champion', window: '10m', delay: '0s', models: ['fraud'], baseline: { type: 'version', version: 'v1' } }],
      monitors: [{ name: 'canary-ops', kind: 'operational', window: '10m', delay: '0s', model: 'fraud', baseline: { type: 'version', version: 'v1' } }],
    },
    alerts: {
      rules: [
        {
          name: 'canary-feature-drift',
          match: { metric: 'psi', model: 'fraud', version: 'v2' },
          thresholds: { critical: 0.25 },
          annotations: { summary: '{{metric}} of {{feature}} is {{value}} on {{model}}/{{version}} (threshold {{threshold}})' },
        },
      ],
    },
  });
  const app = createApp(config, { logger: silentLogger, exit: () => undefined });
  await app.daemon.start();
  const base = `http://127.0.0.1:${app.http.port}`;
  const windowEnd = Math.floor(Date.now() / WINDOW) * WINDOW;
  const start = windowEnd - WINDOWS * WINDOW;
  for (let w = 0; w < WINDOWS; w++) {
    const t = start + w * WINDOW;
    const drift = w >= WINDOWS - 3;
    const events = [...plantedEvents({ version: 'v1', start: t, count: 900, drift: false, seed: 10 + w }), ...plantedEvents({ version: 'v2', start: t, count: 450, drift, seed: 100 + w })];
    const res = await fetch(`${base}/v1/predictions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/x-ndjson' },
      body: events.map((e) => JSON.stringify(e)).join('\n'),
    });
    if (!res.ok) throw new Error(`ingest answered ${res.status}: ${await res.text()}`);
  }
  await app.scheduler.backfill({ from: new Date(start), to: new Date(windowEnd) });
  return {
    app,
    base,
    windowEnd,
    async stop() {
      await app.daemon.stop();
      dir.remove();
    },
  };
}
