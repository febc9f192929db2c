// The README's alerting examples, run end to end: the Rules, Routing,
// Inhibition, Receivers and Actions blocks as written make the config (only
// the hosts of the example services are rewritten to loopback receivers, and
// the CA file to one made for smtp.example.com); score rows go in, and what
// comes out is what the README documents: routing to ml-oncall (PagerDuty,
// Alertmanager) and ml-team (Slack, email over verified STARTTLS, a signed
// webhook), a volume drop inhibiting that version's feature drift, and the
// silence made with the README's curl commands muting what it matches until
// it is expired. Alerting runs on the real store with a clock the test moves
// past group_wait and group_interval.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../alerts/actions/sign.ts';
import { ManualClock } from '../../alerts/clock.ts';
import { AlertingComponent } from '../../alerts/component.ts';
import { registerAlertRoutes } from '../../alerts/http.ts';
import type { ScoreRow } from '../../alerts/score.ts';
import { parseConfig } from '../../src/config/load.ts';
import type { Store } from '../../src/core/store/store.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { tempDir } from '../../testkit/tmp.ts';
import { captureLogger, startReceiver, waitUntil, type Receiver } from '../alerts/helpers.ts';
import { startSmtp, type SmtpSink } from '../alerts/smtp.ts';
import { startTestServer } from '../helpers/http.ts';
import { openTestStore } from '../helpers/store.ts';
import { block, blocksIn, mergeConfig, rewrite, yamlOf } from './readme.ts';
import { makeTls } from './tls.ts';

const whsec = (s: string) => 'whsec_' + Buffer.from(s).toString('base64');
const ENV = {
  SLACK_WEBHOOK_URL: '', // set once the Slack receiver listens
  SMTP_PASSWORD: 'readme-smtp-pass',
  HOOK_TOKEN: 'readme-hook-token',
  HOOK_SIGNING_SECRET: whsec('readme hook signing key 32 bytes'),
  PAGERDUTY_ROUTING_KEY: 'readme-pd-routing-key-0123456789',
  ROLLBACK_WEBHOOK_SECRET: whsec('readme rollback signing key 32b!'),
};

const dir = tempDir('dw-readme-alerts-');
const log = captureLogger('debug');
const clock = new ManualClock(Date.parse('2026-11-23T18:00:00.000Z'));
let store: Store;
let cleanupStore: () => Promise<void>;
let slack: Receiver, hook: Receiver, pagerduty: Receiver, am: Receiver, deploy: Receiver;
let smtp: SmtpSink;
let alerting: AlertingComponent;
let api: Awaited<ReturnType<typeof startTestServer>>;

beforeAll(async () => {
  ({ store, cleanup: cleanupStore } = await openTestStore());
  const tls = makeTls(dir.path, 'smtp.example.com');
  [slack, hook, pagerduty, am, deploy] = await Promise.all([startReceiver(), startReceiver(), startReceiver(() => ({ status: 202, body: '{"status":"success"}' })), startReceiver(), startReceiver()]);
  smtp = await startSmtp({ key: tls.key, cert: tls.cert, password: ENV.SMTP_PASSWORD });
  Object.assign(process.env, ENV, { SLACK_WEBHOOK_URL: `${slack.url}/services/T0001/B0001/readmeSlackToken` });

  const loopback = [
    ['https://hooks.example.com/driftwatch', `${hook.url}/driftwatch`],
    ['url: https://events.pagerduty.com', `url: ${pagerduty.url}`],
    ['http://alertmanager:9093', am.url],
    ['smarthost: smtp.example.com:587', `smarthost: 127.0.0.1:${smtp.port}`],
    ['/etc/ssl/internal-ca.pem', tls.caFile],
    ['https://deploy.internal/hooks/rollback', `${deploy.url}/hooks/rollback`],
  ] as const;
  const sections = ['Rules', 'Routing', 'Inhibition', 'Receivers', 'Actions: retrain and rollback webhooks'];
  const texts = sections.map((s) => block('yaml', s).text);
  const joined = texts.join('\n---\n');
  for (const [from] of loopback) expect(joined, `README still contains ${from}`).toContain(from);
  const docs = texts.map((t) => yamlOf(loopback.reduce((acc, [from, to]) => (acc.includes(from) ? rewrite(acc, [[from, to]]) : acc), t)));
  const config = parseConfig(docs.reduce((acc, d) => mergeConfig(acc, d), { kafka: { enabled: false } } as Record<string, unknown>), 'README alerting blocks');
  alerting = new AlertingComponent({ config: config.alerts, store: () => store, logger: log.logger, registry: createRegistry({ defaultMetrics: false }), clock });
  await alerting.start();
  api = await startTestServer((r) => registerAlertRoutes(r, alerting, clock));
});

afterAll(async () => {
  await alerting?.stop(AbortSignal.timeout(5_000));
  await api?.stop();
  await Promise.all([slack, hook, pagerduty, am, deploy].map((r) => r?.close()));
  await smtp?.close();
  await cleanupStore?.();
  dir.remove();
});

let n = 0;
function rows(list: Array<Partial<ScoreRow>>) {
  const run_id = `readme-${++n}`;
  const run_at = new Date(clock.now()).toISOString();
  const base: ScoreRow = { run_id, run_at, detector: 'fraud-drift', model: 'fraud', model_version: 'v12', segment: '', feature: 'amount', metric: 'psi', value: 0.02, p_value: null, threshold: 0.25, status: 'ok', tags: { deployment: 'stable' } };
  return { run_id, run_at, scores: list.map((r) => ({ ...base, ...r })) };
}

/** Evaluate runs one after the other, an hour apart. */
async function evaluate(...runs: Array<Array<Partial<ScoreRow>>>): Promise<void> {
  for (const r of runs) {
    clock.advance(60_000);
    await alerting.evaluate(rows(r));
  }
}

/** Move past group_wait (30s) or group_interval (5m) and let the dispatcher's 1s tick flush. */
async function passTime(ms: number, until: () => boolean, what: string): Promise<void> {
  clock.advance(ms);
  await waitUntil(until, 15_000, what);
}

const slackText = (i: number) => (slack.requests[i]!.json as { text: string }).text;

describe('README alerting examples, end to end', () => {
  it('feature-drift (for: 2) fires critical; the route sends it to ml-oncall (PagerDuty, Alertmanager) and, continuing, to ml-team (Slack, email, signed webhook)', async () => {
    await evaluate([{ value: 0.31 }]);
    expect(alerting.engine.list().map((a) => [a.rule, a.state])).toEqual([['feature-drift', 'pending']]);
    await evaluate([{ value: 0.31 }]);
    const [alert] = alerting.engine.firing();
    expect(alert?.labels).toEqual({ alertname: 'feature-drift', model: 'fraud', version: 'v12', metric: 'psi', detector: 'fraud-drift', feature: 'amount', team: 'ml', severity: 'critical' });
    expect(alert?.annotations).toEqual({
      summary: 'psi of amount is 0.31 on fraud/v12 (threshold 0.25)',
      runbook_url: 'https://runbooks.internal/drift?model=fraud',
      dashboard_url: 'https://grafana.internal/d/driftwatch?var-model=fraud&var-version=v12',
    });
    // group_wait is 30s: nothing before it.
    await new Promise((r) => setTimeout(r, 1200));
    expect([slack, hook, pagerduty, am].map((r) => r.requests.length)).toEqual([0, 0, 0, 0]);
    await passTime(31_000, () => slack.requests.length >= 1 && hook.requests.length >= 1 && pagerduty.requests.length >= 1 && am.requests.length >= 1 && smtp.mails.length >= 1, 'every receiver');

    // ml-team: Slack to the secret webhook URL, with the channel override.
    expect(slack.requests[0]!.path).toBe('/services/T0001/B0001/readmeSlackToken');
    expect(slack.requests[0]!.json).toMatchObject({ channel: '#ml-alerts' });
    expect(slackText(0)).toMatch(/^\[FIRING:1\] feature-drift fraud\/v12\n/);
    expect(JSON.stringify(slack.requests[0]!.json)).toContain('https://runbooks.internal/drift?model=fraud');
    // ml-team: email over STARTTLS verified against the CA for smtp.example.com, with auth, the README's subject template.
    expect(smtp.envelopes[0]).toEqual({ from: 'driftwatch@example.com', to: ['ml-oncall@example.com'], user: 'driftwatch', secure: true });
    expect(smtp.mails[0]?.subject).toBe('[firing:1] feature-drift fraud');
    expect(smtp.mails[0]?.text).toContain('psi of amount is 0.31 on fraud/v12 (threshold 0.25)');
    // ml-team: the webhook, with the bearer token and a Standard Webhooks signature.
    const h = hook.requests[0]!;
    expect(h.path).toBe('/driftwatch');
    expect(h.headers.authorization).toBe(`Bearer ${ENV.HOOK_TOKEN}`);
    expect(verifyWebhook({ secret: ENV.HOOK_SIGNING_SECRET, headers: h.headers, body: h.body })).toMatch(/^msg_/);
    expect(h.json).toMatchObject({ version: '4', status: 'firing', groupLabels: { alertname: 'feature-drift', model: 'fraud' }, alerts: [{ fingerprint: alert!.fingerprint, value: 0.31, threshold: 0.25 }] });
    // ml-oncall: PagerDuty (dedup_key = fingerprint) and Alertmanager.
    expect(pagerduty.requests[0]!.path).toBe('/v2/enqueue');
    expect(pagerduty.requests[0]!.json).toMatchObject({ routing_key: ENV.PAGERDUTY_ROUTING_KEY, event_action: 'trigger', dedup_key: alert!.fingerprint, payload: { severity: 'critical' } });
    expect(am.requests[0]!.path).toBe('/api/v2/alerts');
    expect(am.requests[0]!.json).toEqual([expect.objectContaining({ labels: alert!.labels })]);
  });

  it('accuracy-drop (below 0.8) has no team label: only ml-oncall hears of it', async () => {
    const before = { slack: slack.requests.length, pd: pagerduty.requests.length };
    await evaluate([{ detector: 'quality', feature: '', metric: 'accuracy', value: 0.7, threshold: null }]);
    expect(alerting.engine.firing().map((a) => a.rule).sort()).toEqual(['accuracy-drop', 'feature-drift']);
    await passTime(31_000, () => pagerduty.requests.length > before.pd, 'the accuracy page');
    expect(pagerduty.requests.at(-1)!.json).toMatchObject({ event_action: 'trigger', payload: { severity: 'critical', class: 'accuracy' } });
    await new Promise((r) => setTimeout(r, 1200));
    expect(slack.requests.length).toBe(before.slack);
  });

  it("latency-spike has no thresholds: the detector's status alert breaches, at severity error; no child route takes it, so the root's ml-team does", async () => {
    const before = { slack: slack.requests.length, pd: pagerduty.requests.length };
    await evaluate([{ detector: 'latency', feature: '', metric: 'latency_p95_ratio', value: 1.2, threshold: 1.5, status: 'ok' }]);
    expect(alerting.engine.list().some((a) => a.rule === 'latency-spike')).toBe(false);
    await evaluate([{ detector: 'latency', feature: '', metric: 'latency_p95_ratio', value: 2.1, threshold: 1.5, status: 'alert' }]);
    const spike = alerting.engine.firing().find((a) => a.rule === 'latency-spike');
    expect(spike).toMatchObject({ severity: 'error', threshold: 1.5, labels: { alertname: 'latency-spike', model: 'fraud', version: 'v12', metric: 'latency_p95_ratio', detector: 'latency', severity: 'error' } });
    await passTime(31_000, () => slack.requests.length > before.slack, 'the latency notification');
    expect(slackText(slack.requests.length - 1)).toMatch(/^\[FIRING:1\] latency-spike fraud\/v12\n/);
    expect(pagerduty.requests.length).toBe(before.pd);
  });

  it("volume-drop fires and, per the inhibit rule, mutes that version's feature drift; another version's is still notified", async () => {
    const volume = { detector: 'volume', feature: '', metric: 'volume_ratio', value: 0.4, threshold: 0.5, status: 'alert' as const };
    const drift = [
      { value: 0.31 },
      { feature: 'country', value: 0.4 },
      { model_version: 'v11', feature: 'income', value: 0.3 },
    ];
    const slackBefore = slack.requests.length;
    await evaluate([volume, ...drift], [volume, ...drift]);
    const byFeature = new Map(alerting.engine.firing().map((a) => [a.labels.feature ?? a.rule, a]));
    const volumeAlert = byFeature.get('volume-drop')!;
    expect(volumeAlert.labels).toMatchObject({ alertname: 'volume-drop', model: 'fraud', version: 'v12', metric: 'volume_ratio' });
    const listed = (await api.get('/v1/alerts?state=firing')).body.alerts as Array<{ labels: Record<string, string>; status: { inhibited_by: string[] } }>;
    const inhibited = Object.fromEntries(listed.map((a) => [`${a.labels.alertname}/${a.labels.version}/${a.labels.feature ?? ''}`, a.status.inhibited_by]));
    expect(inhibited).toMatchObject({
      'feature-drift/v12/amount': [volumeAlert.fingerprint],
      'feature-drift/v12/country': [volumeAlert.fingerprint],
      'feature-drift/v11/income': [],
      'volume-drop/v12/': [],
    });
    // The feature-drift group's next flush (group_interval 5m) tells Slack about income only.
    await passTime(5 * 60_000 + 1_000, () => slack.requests.length > slackBefore, 'the feature-drift group');
    const text = slackText(slack.requests.length - 1);
    expect(text).toMatch(/^\[FIRING:1\] feature-drift fraud\/v11/);
    expect(text).toContain('income');
    expect(text).not.toContain('country');
  });

  it("the README's silence, made and expired with its curl commands, mutes fraud's amount and country alerts until expired", async () => {
    const curls = blocksIn('sh', 'Silences')
      .flatMap((b) => b.text.split(/\n(?=curl )/))
      .filter((c) => c.startsWith('curl ') && c.includes('localhost:8080'));
    expect(curls).toHaveLength(4);
    const port = new URL(api.base).port;
    // curl in a child process (the API answers from this process, so never block it).
    const sh = async (cmd: string) => (await promisify(execFile)('bash', ['-c', cmd.split('localhost:8080').join(`127.0.0.1:${port}`)], { encoding: 'utf8', timeout: 20_000 })).stdout;

    const created = JSON.parse(await sh(curls[0]!)) as { silence: { id: string; status: { state: string }; created_by: string } };
    expect(created.silence).toMatchObject({ status: { state: 'active' }, created_by: 'alice' });
    const id = created.silence.id;
    const active = JSON.parse(await sh(curls[1]!)) as { silences: Array<{ id: string }>; next_offset: number | null };
    expect(active.silences.map((s) => s.id)).toEqual([id]);
    expect(active.next_offset).toBeNull();
    expect(JSON.parse(await sh(curls[2]!.replace('<id>', id)))).toMatchObject({ silence: { id, comment: 'INC-123 backfill' } });

    // New alerts on v13: amount is silenced, device is not; neither triggers anything muted.
    const slackBefore = slack.requests.length;
    await evaluate(
      [{ model_version: 'v13', value: 0.5 }, { model_version: 'v13', feature: 'device', value: 0.5 }],
      [{ model_version: 'v13', value: 0.5 }, { model_version: 'v13', feature: 'device', value: 0.5 }],
    );
    await passTime(5 * 60_000 + 1_000, () => slack.requests.length > slackBefore, 'the v13 notification');
    const muted = slackText(slack.requests.length - 1);
    // The group (alertname, model) still holds v11's income; v13's device joins it, v13's amount is muted.
    expect(muted).toMatch(/^\[FIRING:2\] feature-drift fraud\n/);
    expect(muted).toContain('fraud/v13 feature device');
    expect(muted).toContain('fraud/v11 feature income');
    expect(muted).not.toContain('amount');

    // Expire it (the README's DELETE): amount on v13 is notified at the next group interval.
    expect(JSON.parse(await sh(curls[3]!.replace('<id>', id)))).toMatchObject({ silence: { id, status: { state: 'expired' } } });
    const afterExpiry = slack.requests.length;
    await passTime(5 * 60_000 + 1_000, () => slack.requests.length > afterExpiry && slackText(slack.requests.length - 1).includes('amount'), 'amount after the silence expired');
  });
});
