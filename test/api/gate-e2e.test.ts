// The rollout gate end to end, in the daemon as `driftwatch start` builds it
// (embedded store, HTTP API, alerting with its outbox): three versions of a
// fraud model serve 1000 requests a minute each for 30 minutes, and a
// controller asks GET /v1/gate once per simulated minute (end = that minute).
//   - v2, a canary with a planted regression (3x the errors, 40% slower,
//     confidence 0.05 lower), gets `fail` (at the first look with
//     min_samples a side); the policy's rollback action
//     arrives once at a loopback receiver, signed per Standard Webhooks,
//     naming v1 as the target, even though the controller keeps asking
//     (cooldown per model and candidate);
//   - v1clone, the champion's distributions with other samples, gets `pass`
//     before max_duration (not by timing out) and never `fail` on the way.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../alerts/actions/sign.ts';
import type { GateReport } from '../../detectors/gate/types.ts';
import { createApp, type App } from '../../src/app.ts';
import { parseConfig } from '../../src/config/load.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { startReceiver, waitUntil, type Receiver } from '../alerts/helpers.ts';
import { generatePredictions } from '../detectors/operational/fixtures.ts';

const SECRET = 'whsec_' + Buffer.from('gate e2e rollback signing key!!!').toString('base64');
const START = Date.parse('2026-11-23T10:00:00Z');
const MINUTE = 60_000;
const U = (salt: string) => `((cityHash64(number, '${salt}') % 1000000) / 1000000)`;

let app: App;
let receiver: Receiver;
let base: string;
const dir = tempDir('dw-gate-e2e-');

async function seed(version: string, salt: string, regressed: boolean): Promise<void> {
  const k = regressed ? 1.4 : 1;
  await generatePredictions(app.storeComponent.store, {
    model: 'fraud',
    version,
    start: new Date(START).toISOString(),
    n: 30_000,
    stepMs: 60,
    prediction: `toString(toUInt8(${U(`p${salt}`)} < 0.3))`,
    confidence: `${regressed ? 0.55 : 0.6} + 0.4 * ${U(`c${salt}`)}`,
    latency: `${10 * k} + ${20 * k} * ${U(`l${salt}`)}`,
    error: `if(${U(`e${salt}`)} < ${regressed ? 0.03 : 0.01}, 'timeout', '')`,
    tags: `map('deployment', '${version === 'v1' ? 'champion' : 'canary'}')`,
    features: `concat('{"amount":', toString(100 + 50 * ${U(`a${salt}`)}), ',"country":"', ['DE', 'US', 'FR'][1 + cityHash64(number, 'k${salt}') % 3], '"}')`,
  });
}

async function ask(candidate: string, minute: number): Promise<GateReport> {
  const qs = new URLSearchParams({ model: 'fraud', candidate, baseline: 'v1', policy: 'canary', end: new Date(START + minute * MINUTE).toISOString() });
  const r = await fetch(`${base}/v1/gate?${qs}`);
  expect(r.status).toBe(200);
  return (await r.json()) as GateReport;
}

beforeAll(async () => {
  receiver = await startReceiver(() => ({ status: 204, body: '' }));
  process.env.DW_GATE_E2E_SECRET = SECRET;
  const config = parseConfig({
    data_dir: dir.path,
    http: { port: 0 },
    kafka: { enabled: false },
    scheduler: { enabled: false },
    alerts: {
      actions: [{ name: 'rollback-fraud', type: 'rollback', url: `${receiver.url}/hooks/rollback`, secret: '${DW_GATE_E2E_SECRET}', cooldown: '1h' }],
      outbox: { poll_interval: '100ms' },
    },
    gates: {
      policies: [
        {
          name: 'canary',
          alpha: 0.05,
          min_samples: 500,
          max_duration: '30m',
          on_timeout: 'fail',
          critical_features: ['amount', 'country'],
          rollback_action: 'rollback-fraud',
          checks: {
            latency_p95_ratio: { threshold: 1.2 },
            error_rate_increase: { threshold: 0.01 },
            confidence_shift: { threshold: 0.03 },
            prediction_shift: { threshold: 0.05 },
            feature_drift: { threshold: 0.05 },
          },
        },
      ],
    },
  });
  app = createApp(config, { logger: silentLogger });
  await app.daemon.start();
  base = `http://127.0.0.1:${app.http.port}`;
  await seed('v1', '', false);
  await seed('v2', '-canary', true);
  await seed('v1clone', '-clone', false);
});

afterAll(async () => {
  await app?.daemon.stop();
  await receiver?.close();
  dir.remove();
});

describe('gate end to end', { timeout: 240_000 }, () => {
  it('the regressed canary fails, and one signed rollback to v1 arrives while the controller keeps asking', async () => {
    let failedAt: number | null = null;
    let failed: GateReport | null = null;
    for (let minute = 1; minute <= 30 && failedAt === null; minute++) {
      const g = await ask('v2', minute);
      expect(g.verdict, `minute ${minute}`).not.toBe('pass');
      if (g.verdict === 'fail') [failedAt, failed] = [minute, g];
    }
    console.log(`regressed canary: fail at minute ${failedAt}; failed checks ${failed?.checks.filter((c) => c.decision === 'fail').map((c) => c.name).join(', ')}`);
    expect(failedAt).not.toBeNull();
    expect(failed).toMatchObject({ timed_out: false, rollback: { action: 'rollback-fraud', outcome: 'queued', webhook_id: expect.stringMatching(/^msg_[0-9a-f]{32}$/) } });
    const failing = failed!.checks.filter((c) => c.decision === 'fail').map((c) => c.name);
    expect(failing).toContain('latency_p95_ratio');

    // The controller asks twice more: still fail, no second rollback.
    for (const extra of [1, 2]) {
      const again = await ask('v2', failedAt! + extra);
      expect(again).toMatchObject({ verdict: 'fail', rollback: { action: 'rollback-fraud', outcome: 'cooldown' } });
    }

    const [hook] = await receiver.waitFor(1);
    const id = verifyWebhook({ secret: SECRET, headers: hook!.headers, body: hook!.body });
    expect(id).toBe(failed!.rollback!.webhook_id);
    expect(hook!.path).toBe('/hooks/rollback');
    expect(hook!.json).toMatchObject({
      type: 'rollback',
      id,
      action: 'rollback-fraud',
      source: 'gate',
      model: 'fraud',
      current_version: 'v2',
      target_version: 'v1',
      gate: { decision_id: failed!.decision_id, policy: 'canary', verdict: 'fail', evidence_url: failed!.evidence_url },
    });
    const reasons = (hook!.json as { reasons: Array<{ name: string; sql: string; params: Record<string, string> }> }).reasons;
    expect(reasons.map((r) => r.name)).toEqual(failing);
    // Each reason carries the query that reads the decision back.
    const [row] = await app.storeComponent.store.query<{ verdict: string; rollback_id: string }>(reasons[0]!.sql, { params: reasons[0]!.params });
    expect(row).toMatchObject({ verdict: 'fail', rollback_id: id });

    await new Promise((r) => setTimeout(r, 1_000));
    expect(receiver.requests).toHaveLength(1);
    const [outbox] = await app.storeComponent.store.query<{ state: string; kind: string }>('SELECT toString(state) AS state, kind FROM alert_outbox WHERE id = {id:String} ORDER BY version DESC LIMIT 1', { params: { id } });
    expect(outbox).toEqual({ state: 'delivered', kind: 'rollback' });
  });

  it('a clone of the champion passes within the policy duration, never failing on the way', async () => {
    let passedAt: number | null = null;
    let passed: GateReport | null = null;
    for (let minute = 1; minute <= 30 && passedAt === null; minute++) {
      const g = await ask('v1clone', minute);
      expect(g.verdict, `minute ${minute}: ${g.reasons.join('; ')}`).not.toBe('fail');
      if (g.verdict === 'pass') [passedAt, passed] = [minute, g];
    }
    console.log(`clone of the champion: pass at minute ${passedAt}`);
    expect(passedAt).not.toBeNull();
    expect(passed).toMatchObject({ timed_out: false, statistical_verdict: 'pass', rollback: null });
    expect(passed!.checks.map((c) => [c.name, c.decision])).toEqual([
      ['latency_p95_ratio', 'pass'],
      ['error_rate_increase', 'pass'],
      ['confidence_shift', 'pass'],
      ['prediction_shift', 'pass'],
      ['feature_drift', 'pass'],
    ]);
    expect(passed!.elapsed_seconds).toBeLessThan(30 * 60);
  });

  it('every verdict is in gate_decisions and in driftwatch_gate_verdicts_total', async () => {
    const rows = await app.storeComponent.store.query<{ verdict: string; n: string }>("SELECT verdict, count() AS n FROM gate_decisions WHERE policy = 'canary' GROUP BY verdict");
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const r of rows) {
      expect(metrics).toContain(`driftwatch_gate_verdicts_total{model="fraud",policy="canary",verdict="${r.verdict}"} ${r.n}`);
    }
    expect(Number(rows.find((r) => r.verdict === 'fail')?.n)).toBe(3);
    await waitUntil(async () => (await app.storeComponent.store.query("SELECT 1 FROM gate_decisions WHERE rollback_outcome = 'cooldown'")).length === 2, 5_000, 'two cooldown decisions');
  });
});
