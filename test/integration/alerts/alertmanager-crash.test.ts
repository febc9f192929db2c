// A driftwatch that dies does not leave its alerts active in Alertmanager for
// hours: firing alerts are re-posted every resend_interval with endsAt = now
// + 4 x resend_interval (as Prometheus does), so after a SIGKILL the real
// Alertmanager resolves them within 4 x resend_interval of the last post.
// A short resend interval keeps the test short; the relation is the same
// with the default (1m: resolved within 4m, inside the 5 minutes asked for).
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerChannel } from '../../../alerts/channels/alertmanager.ts';
import { alertsSchema } from '../../../alerts/config.ts';
import { silentLogger } from '../../../src/core/log/logger.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { fastDelivery, waitUntil } from '../../alerts/helpers.ts';
import { startAlertmanager, type AlertmanagerProcess } from './alertmanager-process.ts';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/alerting-child.ts');
const RESEND_MS = 2_000;
const VALID_MS = 4 * RESEND_MS;
/** Scheduling noise of a loaded machine: the timer tick, the POST, Alertmanager's answer. */
const SLACK_MS = 2_500;

const dir = tempDir('dw-am-crash-');
let am: AlertmanagerProcess;
let child: ChildProcess | undefined;

beforeAll(async () => {
  am = await startAlertmanager();
});
afterAll(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await am?.stop();
  dir.remove();
});

describe('Alertmanager timing (real Alertmanager)', () => {
  it('the default resend interval is 1m, so a dead driftwatch resolves within 4m', () => {
    const cfg = alertsSchema.parse({ receivers: [{ name: 'am', alertmanager_configs: [{ url: 'http://am:9093' }] }], route: { receiver: 'am' } });
    const am0 = cfg.receivers[0]!.alertmanager_configs[0]!;
    expect(am0.resend_interval).toBe('1m');
    const ch = new AlertmanagerChannel(am0, { receiver: 'am', logger: silentLogger, delivery: fastDelivery });
    expect([ch.resendMs, ch.validForMs]).toEqual([60_000, 240_000]);
    expect(ch.validForMs).toBeLessThan(5 * 60_000);
  });

  it('re-posts a firing alert every resend_interval; after SIGKILL it resolves within 4 x resend_interval', async () => {
    const config = join(dir.path, 'dw.yaml');
    writeFileSync(
      config,
      `data_dir: ${dir.path}
kafka: { enabled: false }
alerts:
  rules:
    - name: feature-drift
      match: { metric: psi }
      thresholds: { critical: 0.25 }
  route: { receiver: am, group_wait: 100ms, group_interval: 1s, repeat_interval: 4h }
  receivers:
    - name: am
      alertmanager_configs:
        - url: ${am.url}
          resend_interval: ${RESEND_MS}ms
`,
    );
    const runs = join(dir.path, 'runs.json');
    const row = { run_id: 'r1', run_at: new Date().toISOString(), detector: 'drift', model: 'fraud', model_version: 'v12', segment: '', feature: 'amount', metric: 'psi', value: 0.4, p_value: null, threshold: 0.2, status: 'alert', tags: {} };
    writeFileSync(runs, JSON.stringify([{ run_id: 'r1', run_at: row.run_at, scores: [row] }]));

    child = spawn(process.execPath, ['--import', 'tsx', FIXTURE], { env: { ...process.env, DW_CONFIG: config, DW_EVALUATE: runs }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    await waitUntil(() => out.includes('EVALUATED') || child!.exitCode !== null, 60_000, 'the child to evaluate');
    expect(out).toContain('EVALUATED');

    const active = async () => (await am.alerts('?filter=alertname%3D%22feature-drift%22')).filter((a) => a.status.state === 'active');
    await waitUntil(async () => (await active()).length === 1, 15_000, 'the alert in Alertmanager');
    const [first] = await active();
    expect(first!.labels).toMatchObject({ alertname: 'feature-drift', model: 'fraud', version: 'v12', feature: 'amount', severity: 'critical' });
    // endsAt is 4 resend intervals after the post that set it.
    const ahead = Date.parse(first!.endsAt) - Date.now();
    expect(ahead).toBeLessThanOrEqual(VALID_MS + 500);
    expect(ahead).toBeGreaterThan(VALID_MS - RESEND_MS - SLACK_MS);
    // Re-posted: endsAt moves forward by about a resend interval at a time, startsAt stays.
    await waitUntil(async () => Date.parse((await active())[0]?.endsAt ?? '0') > Date.parse(first!.endsAt), RESEND_MS + SLACK_MS, 'a re-post refreshing endsAt');
    await waitUntil(async () => Date.parse((await active())[0]?.endsAt ?? '0') >= Date.parse(first!.endsAt) + 2 * RESEND_MS - 500, 2 * RESEND_MS + SLACK_MS, 'a second re-post');
    expect((await active())[0]!.startsAt).toBe(first!.startsAt);

    // SIGKILL: nothing is sent on the way out.
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const killedAt = Date.now();
    const lastEndsAt = Date.parse((await active())[0]!.endsAt);
    expect(lastEndsAt - killedAt).toBeGreaterThan(VALID_MS - RESEND_MS - SLACK_MS);
    // Still active a moment later: Alertmanager waits for endsAt, not for silence.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await active()).toHaveLength(1);
    // Resolved by Alertmanager at endsAt: within 4 x resend_interval of the kill.
    await waitUntil(async () => (await active()).length === 0, VALID_MS + SLACK_MS, 'Alertmanager to resolve the alert of the dead sender');
    const resolvedAfter = Date.now() - killedAt;
    expect(resolvedAfter).toBeLessThanOrEqual(VALID_MS + SLACK_MS);
    expect(resolvedAfter).toBeGreaterThanOrEqual(lastEndsAt - killedAt - 250);
  });
});
