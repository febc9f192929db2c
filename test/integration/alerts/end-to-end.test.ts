// From breaching scores to delivered Slack, email, PagerDuty, Alertmanager
// and signed rollback messages, and through resolution, with the config
// loaded from YAML as a user writes it, the embedded store, a real SMTP
// server, a real Alertmanager and loopback receivers for the SaaS APIs.
// Then a restart over the same store repeats nothing, and the full log of the
// run is searched for every secret.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../alerts/actions/sign.ts';
import { AlertingComponent } from '../../../alerts/component.ts';
import type { ScoreRow, ScoreRun } from '../../../alerts/score.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { createRegistry } from '../../../src/metrics/registry.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { openTestStore } from '../../helpers/store.ts';
import { tempDir } from '../../../testkit/tmp.ts';
import { captureLogger, startReceiver, waitUntil, type Receiver } from '../../alerts/helpers.ts';
import { startSmtp, TLS_DIR, type SmtpSink } from '../../alerts/smtp.ts';
import { startAlertmanager, type AlertmanagerProcess } from './alertmanager-process.ts';

const SECRETS = {
  DW_E2E_SLACK_TOKEN: 'xoxSlackPathToken8a7d6c5b',
  DW_E2E_PD_KEY: 'pdRoutingKey0123456789abcdef0123',
  DW_E2E_SMTP_PASSWORD: 'smtpP4ss-e2e-!x',
  DW_E2E_ROLLBACK_SECRET: 'whsec_' + Buffer.from('e2e rollback signing key, 32 b!').toString('base64'),
};

let store: Store;
let cleanupStore: () => Promise<void>;
let slack: Receiver;
let pagerduty: Receiver;
let rollback: Receiver;
let smtp: SmtpSink;
let am: AlertmanagerProcess;
const dir = tempDir('dw-e2e-alerts-');
const log = captureLogger('debug');
const rollbacks = new Map<string, Record<string, unknown>>();

beforeAll(async () => {
  ({ store, cleanup: cleanupStore } = await openTestStore());
  slack = await startReceiver();
  pagerduty = await startReceiver(() => ({ status: 202, body: '{"status":"success"}' }));
  rollback = await startReceiver((req) => {
    const id = verifyWebhook({ secret: SECRETS.DW_E2E_ROLLBACK_SECRET, headers: req.headers, body: req.body });
    if (!rollbacks.has(id)) rollbacks.set(id, req.json as Record<string, unknown>);
    return { status: 204, body: '' };
  });
  smtp = await startSmtp({ password: SECRETS.DW_E2E_SMTP_PASSWORD });
  am = await startAlertmanager();
  Object.assign(process.env, SECRETS, { DW_E2E_SLACK_URL: `${slack.url}/services/T0/B0/${SECRETS.DW_E2E_SLACK_TOKEN}` });
});

afterAll(async () => {
  // DW_E2E_LOG=/path keeps the run's log for a look by hand.
  if (process.env.DW_E2E_LOG) writeFileSync(process.env.DW_E2E_LOG, log.text());
  await Promise.all([slack?.close(), pagerduty?.close(), rollback?.close(), smtp?.close(), am?.stop()]);
  await cleanupStore?.();
  dir.remove();
});

function configFile(): string {
  const path = join(dir.path, 'driftwatch.yaml');
  writeFileSync(
    path,
    `data_dir: ${dir.path}
kafka:
  enabled: false
log:
  level: debug
alerts:
  external_url: http://driftwatch.local:8080
  rules:
    - name: canary-drift
      match: { metric: [psi, js], tags: { deployment: canary } }
      thresholds: { warning: 0.1, critical: 0.25 }
      for: 2
      labels: { team: ml }
      annotations:
        summary: "{{metric}} of {{feature}} is {{value}} on {{model}}/{{version}} (threshold {{threshold}})"
        runbook_url: https://runbooks.example/drift?model={{model}}
        dashboard_url: https://grafana.example/d/driftwatch?var-model={{model}}&var-version={{version}}
      actions: [rollback]
  route:
    receiver: team
    group_by: [alertname, model]
    group_wait: 200ms
    group_interval: 500ms
    repeat_interval: 1h
    routes:
      - matchers: ['severity="critical"']
        receiver: oncall
        continue: true
      - matchers: ['team="ml"']
        receiver: team
  receivers:
    - name: team
      slack_configs:
        - webhook_url: \${DW_E2E_SLACK_URL}
          channel: '#ml-alerts'
      email_configs:
        - to: [ml-oncall@example.com]
          from: driftwatch@example.com
          smarthost: 127.0.0.1:${smtp.port}
          auth_username: driftwatch
          auth_password: \${DW_E2E_SMTP_PASSWORD}
          require_tls: true
          tls: { ca_file: ${join(TLS_DIR, 'ca.pem')}, server_name: localhost }
    - name: oncall
      pagerduty_configs:
        - routing_key: \${DW_E2E_PD_KEY}
          url: ${pagerduty.url}
      alertmanager_configs:
        - url: ${am.url}
  actions:
    - name: rollback
      type: rollback
      url: ${rollback.url}/deploy/rollback
      secret: \${DW_E2E_ROLLBACK_SECRET}
      cooldown: 1h
  delivery: { timeout: 5s, attempts: 3, backoff_base: 50ms, backoff_max: 200ms }
  outbox: { poll_interval: 100ms }
`,
  );
  return path;
}

let n = 0;
function scoreRun(rows: Array<Partial<ScoreRow>>): ScoreRun {
  const run_id = `e2e-${++n}`;
  const run_at = new Date().toISOString();
  const base: ScoreRow = { run_id, run_at, detector: 'drift', model: 'fraud', model_version: 'v12', segment: '', feature: 'amount', metric: 'psi', value: 0.02, p_value: null, threshold: 0.2, status: 'ok', tags: { deployment: 'stable' } };
  return { run_id, run_at, scores: rows.map((r) => ({ ...base, ...r })) };
}

const stable = { model_version: 'v12', value: 0.02, tags: { deployment: 'stable' } };
const canary = (value: number) => ({ model_version: 'v13', value, status: (value > 0.2 ? 'alert' : 'ok') as ScoreRow['status'], tags: { deployment: 'canary' } });

const delivered = () => ({ slack: slack.requests.length, mail: smtp.mails.length, pd: pagerduty.requests.length, rollback: rollback.requests.length });
const settle = (ms = 1200) => new Promise((r) => setTimeout(r, ms));

describe('alerting end to end', () => {
  let alerting: AlertingComponent;
  let fingerprint = '';

  it('breaching scores: pending first, then firing delivered to every receiver and a signed rollback', async () => {
    const { config } = loadConfig({ path: configFile() });
    alerting = new AlertingComponent({ config: config.alerts, store: () => store, logger: log.logger, registry: createRegistry({ defaultMetrics: false }) });
    await alerting.start();

    await alerting.evaluate(scoreRun([stable, canary(0.31)]));
    expect(alerting.engine.list().map((a) => a.state)).toEqual(['pending']);
    await settle(800);
    expect(delivered()).toEqual({ slack: 0, mail: 0, pd: 0, rollback: 0 });

    await alerting.evaluate(scoreRun([stable, canary(0.34)]));
    const [alert] = alerting.engine.firing();
    expect(alert?.labels).toEqual({ alertname: 'canary-drift', model: 'fraud', version: 'v13', metric: 'psi', detector: 'drift', feature: 'amount', deployment: 'canary', team: 'ml', severity: 'critical' });
    fingerprint = alert!.fingerprint;

    await waitUntil(() => slack.requests.length >= 1 && smtp.mails.length >= 1 && pagerduty.requests.length >= 1 && rollbacks.size >= 1, 15_000, 'deliveries to every receiver');
    await waitUntil(async () => (await am.alerts()).length === 1, 10_000, 'the alert in Alertmanager');

    // Slack: Block Kit with a text fallback, to the secret URL.
    const s = slack.requests[0]!;
    expect(s.path).toBe(`/services/T0/B0/${SECRETS.DW_E2E_SLACK_TOKEN}`);
    const sp = s.json as { text: string; channel: string; blocks: Array<{ type: string; text?: { text: string } }> };
    expect(sp.channel).toBe('#ml-alerts');
    expect(sp.text).toMatch(/^\[FIRING:1\] canary-drift fraud\/v13\nFIRING critical: psi 0\.34 on fraud\/v13 feature amount \(threshold 0\.25\)/);
    expect(sp.blocks.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    expect(sp.blocks[1]?.text?.text).toContain('<https://runbooks.example/drift?model=fraud|Runbook>');

    // Email: one mail for the group, HTML and text, over verified STARTTLS with auth.
    expect(smtp.envelopes[0]).toMatchObject({ to: ['ml-oncall@example.com'], user: 'driftwatch', secure: true });
    expect(smtp.mails[0]?.subject).toBe('[FIRING:1] canary-drift fraud/v13');
    expect(smtp.mails[0]?.text).toContain('psi of amount is 0.34 on fraud/v13 (threshold 0.25)');
    expect(smtp.mails[0]?.html).toContain('<td>fraud</td>');

    // PagerDuty: trigger, dedup_key = fingerprint.
    expect(pagerduty.requests[0]?.path).toBe('/v2/enqueue');
    expect(pagerduty.requests[0]?.json).toMatchObject({ routing_key: SECRETS.DW_E2E_PD_KEY, event_action: 'trigger', dedup_key: fingerprint, payload: { severity: 'critical', component: 'fraud', group: 'fraud/v13', class: 'psi' } });

    // Alertmanager: the alert is active with driftwatch's labels.
    const [amAlert] = await am.alerts();
    expect(amAlert).toMatchObject({ labels: alert!.labels, status: { state: 'active' }, generatorURL: `http://driftwatch.local:8080/#/alerts/${fingerprint}` });

    // Rollback: signed (verified by the receiver), to the last healthy version, with reasons.
    const [rb] = [...rollbacks.values()];
    expect(rb).toMatchObject({ type: 'rollback', model: 'fraud', current_version: 'v13', target_version: 'v12', dry_run: false });
    const reasons = rb!.reasons as Array<Record<string, unknown>>;
    expect(reasons.map((r) => [r.run_id, r.value, r.threshold, r.detector_threshold])).toEqual([
      ['e2e-1', 0.31, 0.25, 0.2],
      ['e2e-2', 0.34, 0.25, 0.2],
    ]);
    expect(reasons[0]?.sql).toMatch(/FROM drift_scores\s+WHERE run_id = \{run_id:String\}/);
    expect(reasons[0]?.params).toEqual({ run_id: 'e2e-1', model: 'fraud', model_version: 'v13', segment: '', feature: 'amount', metric: 'psi' });
    // The SQL runs as given against the detectors' table.
    await expect(store.query(reasons[0]!.sql as string, { params: reasons[0]!.params as Record<string, string> })).resolves.toEqual([]);
  });

  it('still breaching: nothing is repeated within repeat_interval, and the rollback is not sent twice', async () => {
    const before = delivered();
    for (const v of [0.35, 0.33]) {
      await alerting.evaluate(scoreRun([stable, canary(v)]));
      await settle(600);
    }
    expect(delivered()).toEqual(before);
    expect((await am.alerts()).length).toBe(1);
  });

  it('healthy again: resolution reaches Slack, email, PagerDuty and Alertmanager', async () => {
    await alerting.evaluate(scoreRun([stable, canary(0.03)]));
    expect(alerting.engine.list().map((a) => a.state)).toEqual(['resolved']);
    await waitUntil(() => slack.requests.length >= 2 && smtp.mails.length >= 2 && pagerduty.requests.length >= 2, 15_000, 'resolution deliveries');
    await waitUntil(async () => (await am.alerts()).length === 0, 10_000, 'the alert to resolve in Alertmanager');
    const sp = slack.requests[1]!.json as { text: string; blocks: Array<{ text?: { text: string } }> };
    expect(sp.text).toMatch(/^\[RESOLVED:1\] canary-drift fraud\/v13/);
    expect(sp.blocks[0]?.text?.text).toMatch(/^✅/);
    expect(smtp.mails[1]?.subject).toBe('[RESOLVED:1] canary-drift fraud/v13');
    expect(pagerduty.requests[1]?.json).toEqual({ routing_key: SECRETS.DW_E2E_PD_KEY, event_action: 'resolve', dedup_key: fingerprint });
    expect(rollback.requests).toHaveLength(1);
  });

  it('a restart over the same store remembers the alert and repeats no notification', async () => {
    await alerting.stop(AbortSignal.timeout(5_000));
    const before = delivered();
    const { config } = loadConfig({ path: configFile() });
    const again = new AlertingComponent({ config: config.alerts, store: () => store, logger: log.logger, registry: createRegistry({ defaultMetrics: false }) });
    await again.start();
    expect(again.engine.list().map((a) => [a.fingerprint, a.state])).toEqual([[fingerprint, 'resolved']]);
    await settle(1200);
    expect(delivered()).toEqual(before);
    // Breaching again starts a new episode: pending first (for: 2).
    await again.evaluate(scoreRun([stable, canary(0.4)]));
    expect(again.engine.list().map((a) => a.state)).toEqual(['pending']);
    await again.stop(AbortSignal.timeout(5_000));
  });

  it('faults: Slack 500s, a PagerDuty 400 echoing the key and a rollback 503 are retried; nothing is lost', async () => {
    const { config } = loadConfig({ path: configFile() });
    const c = new AlertingComponent({ config: config.alerts, store: () => store, logger: log.logger, registry: createRegistry({ defaultMetrics: false }) });
    await c.start();
    const slackBefore = slack.requests.length;
    const pdBefore = pagerduty.requests.length;
    const rbBefore = rollback.requests.length;
    slack.reply = (_, i) => (i < slackBefore + 2 ? { status: 500, body: 'rollup_error' } : undefined);
    pagerduty.reply = (_, i) => (i === pdBefore ? { status: 400, body: `{"status":"invalid event","errors":["routing_key ${SECRETS.DW_E2E_PD_KEY} rejected"]}` } : { status: 202 });
    const verify = rollback.reply;
    rollback.reply = (req, i) => (i === rbBefore ? { status: 503, headers: { 'retry-after': '0' } } : verify(req, i));
    const churn = (value: number) => ({ model: 'churn', ...canary(value) });
    const churnStable = { model: 'churn', ...stable };
    await c.evaluate(scoreRun([churnStable, churn(0.5)]));
    await c.evaluate(scoreRun([churnStable, churn(0.5)]));
    await waitUntil(
      () => slack.requests.length >= slackBefore + 3 && pagerduty.requests.length >= pdBefore + 2 && [...rollbacks.values()].some((r) => r.model === 'churn'),
      15_000,
      'deliveries after the faults',
    );
    expect(slack.requests.slice(slackBefore).map((r) => (r.json as { text: string }).text.split('\n')[0])).toEqual(Array(3).fill('[FIRING:1] canary-drift churn/v13'));
    expect(pagerduty.requests.slice(pdBefore).map((r) => (r.json as { event_action: string }).event_action)).toEqual(['trigger', 'trigger']);
    expect(rollback.requests.slice(rbBefore).map((r) => r.headers['webhook-id'])).toEqual(Array(2).fill(rollback.requests[rbBefore]!.headers['webhook-id']));
    expect(log.text()).toContain('"msg":"notification failed; retrying at the next group interval"');
    expect(log.text()).toContain('"msg":"notification attempt failed, retrying"');
    expect(log.text()).toContain('"msg":"action delivery failed, will retry"');
    expect(log.text()).toContain('routing_key [redacted] rejected');
    await c.stop(AbortSignal.timeout(5_000));
  });

  it('no secret appears anywhere in the log of the whole run, nor in the stored alert tables', async () => {
    const text = log.text();
    expect(log.lines.length).toBeGreaterThan(15);
    expect(text).toContain('"msg":"notification sent"');
    expect(text).toContain('"msg":"action delivered"');
    const needles = [
      SECRETS.DW_E2E_SLACK_TOKEN,
      `/services/T0/B0/${SECRETS.DW_E2E_SLACK_TOKEN}`,
      SECRETS.DW_E2E_PD_KEY,
      SECRETS.DW_E2E_SMTP_PASSWORD,
      SECRETS.DW_E2E_ROLLBACK_SECRET,
      SECRETS.DW_E2E_ROLLBACK_SECRET.slice('whsec_'.length),
    ];
    for (const s of needles) expect(text, `log contains ${s}`).not.toContain(s);
    for (const table of ['alert_state', 'alert_events', 'alert_outbox', 'alert_notification_log', 'alert_silences']) {
      const rows = JSON.stringify(await store.query(`SELECT * FROM ${table}`));
      for (const s of needles) expect(rows, `${table} contains ${s}`).not.toContain(s);
    }
  });
});
