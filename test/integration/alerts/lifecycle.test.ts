// Alerting as a daemon component: a stop at the deadline with a receiver
// that never answers loses nothing (the next start sends the notification),
// and its /metrics pass promtool.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertingComponent } from '../../../alerts/component.ts';
import { alertsSchema } from '../../../alerts/config.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { captureLogger, run, startReceiver, type Receiver } from '../../alerts/helpers.ts';

let store: Store;
let cleanup: () => Promise<void>;
let hook: Receiver;
let hang = true;
beforeAll(async () => {
  ({ store, cleanup } = await openTestStore());
  hook = await startReceiver(() => (hang ? { hang: true } : undefined));
});
afterAll(async () => {
  await hook.close();
  await cleanup();
});

function component(registry = createRegistry({ defaultMetrics: false })) {
  const config = alertsSchema.parse({
    rules: [{ name: 'drift', match: { metric: 'psi' }, thresholds: { critical: 0.25 } }],
    route: { receiver: 'hook', group_wait: '100ms', group_interval: '200ms' },
    receivers: [{ name: 'hook', webhook_configs: [{ url: `${hook.url}/alerts` }] }],
    delivery: { timeout: '30s', attempts: 1 },
  });
  const log = captureLogger();
  return { c: new AlertingComponent({ config, store: () => store, logger: log.logger, registry }), log, registry };
}

describe('alerting component', () => {
  it('stops at the deadline with a hanging receiver; the next start delivers what was not sent', async () => {
    const a = component();
    await a.c.start();
    await a.c.evaluate(run([{ value: 0.4 }]));
    await hook.waitFor(1);
    const t0 = Date.now();
    await a.c.stop(AbortSignal.timeout(300));
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(a.c.readiness()).toEqual({ ready: false, reason: 'stopping' });
    expect(await a.c.evaluate(run([{ value: 0.4 }]))).toBeNull();

    hang = false;
    const b = component();
    await b.c.start();
    await hook.waitFor(2);
    expect((hook.requests[1]?.json as { status: string; alerts: unknown[] }).status).toBe('firing');
    await new Promise((r) => setTimeout(r, 600));
    expect(hook.requests).toHaveLength(2);
    await b.c.stop(AbortSignal.timeout(1000));
  });

  it('its metrics pass promtool check metrics', async () => {
    const { c, registry } = component();
    await c.start();
    await c.evaluate(run([{ value: 0.1 }]));
    const text = await registry.metrics();
    expect(text).toContain('driftwatch_alert_evaluations_total{outcome="ok"} 1');
    expect(text).toContain('driftwatch_alerts{state="resolved"} 1');
    await c.stop(AbortSignal.timeout(1000));
    const res = spawnSync(process.env.PROMTOOL_BIN ?? 'promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect(res.error, 'promtool (Debian package prometheus) must be installed').toBeUndefined();
    expect(res.stdout + res.stderr).toBe('');
    expect(res.status).toBe(0);
  });
});
