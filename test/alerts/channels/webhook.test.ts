// Generic JSON webhook (Alertmanager webhook body) and the Alertmanager API
// payload builder; delivery helpers (Retry-After, status classes).
import { afterEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../alerts/actions/sign.ts';
import { postableAlert } from '../../../alerts/channels/alertmanager.ts';
import { classifyStatus, parseRetryAfter, retryDelay } from '../../../alerts/channels/delivery.ts';
import { WebhookChannel } from '../../../alerts/channels/webhook.ts';
import { notifiedAlert } from '../../../alerts/notification.ts';
import { Secret } from '../../../src/core/config/secret.ts';
import { alertOf, captureLogger, fastDelivery, notificationOf, resolvedOf, startReceiver, type Receiver } from '../helpers.ts';

let r: Receiver;
afterEach(async () => r?.close());

describe('generic webhook', () => {
  it('posts the Alertmanager webhook body with evidence, bearer token and a Standard Webhooks signature', async () => {
    r = await startReceiver();
    const secret = 'whsec_' + Buffer.from('0123456789abcdef0123456789abcdef').toString('base64');
    const ch = new WebhookChannel(
      { url: `${r.url}/hook`, bearer_token: new Secret('tok-123456'), secret: new Secret(secret), headers: { 'x-team': 'ml' }, send_resolved: true },
      { receiver: 'hooks', logger: captureLogger().logger, delivery: fastDelivery },
    );
    const firing = alertOf();
    const resolved = resolvedOf(alertOf({ feature: 'country' }));
    const n = notificationOf([firing, resolved], 'hooks');
    await ch.send(n);
    const req = r.requests[0]!;
    expect(req.headers).toMatchObject({ authorization: 'Bearer tok-123456', 'x-team': 'ml', 'webhook-id': `msg_${n.id}` });
    expect(verifyWebhook({ secret, headers: req.headers, body: req.body })).toBe(`msg_${n.id}`);
    expect(req.json).toEqual({
      version: '4',
      groupKey: n.groupKey,
      truncatedAlerts: 0,
      status: 'firing',
      receiver: 'hooks',
      groupLabels: { alertname: 'feature-drift', model: 'fraud' },
      commonLabels: { alertname: 'feature-drift', model: 'fraud', version: 'v13', metric: 'psi', severity: 'critical' },
      commonAnnotations: { runbook_url: 'https://runbooks.example/drift', dashboard_url: 'https://grafana.example/d/drift?model=fraud' },
      externalURL: 'http://driftwatch.local:8080',
      alerts: [
        {
          status: 'firing',
          labels: firing.labels,
          annotations: firing.annotations,
          startsAt: '2026-11-23T19:00:00.000Z',
          endsAt: '0001-01-01T00:00:00Z',
          generatorURL: `http://driftwatch.local:8080/#/alerts/${firing.fingerprint}`,
          fingerprint: firing.fingerprint,
          value: 0.31,
          threshold: 0.25,
          evidence: firing.evidence,
        },
        expect.objectContaining({ status: 'resolved', endsAt: '2026-11-23T20:00:00.000Z', fingerprint: resolved.fingerprint, value: 0.02 }),
      ],
    });
  });
});

describe('alertmanager payload', () => {
  it('firing alerts end validFor from now; resolved ones at their resolution; value and threshold as annotations', () => {
    const now = Date.parse('2026-11-23T20:00:00.000Z');
    const a = alertOf();
    expect(postableAlert(notifiedAlert(a, 'http://dw:8080'), now, 600_000)).toEqual({
      labels: a.labels,
      annotations: { ...a.annotations, value: '0.31', threshold: '0.25' },
      startsAt: '2026-11-23T19:00:00.000Z',
      endsAt: '2026-11-23T20:10:00.000Z',
      generatorURL: `http://dw:8080/#/alerts/${a.fingerprint}`,
    });
    expect(postableAlert(notifiedAlert(resolvedOf(a), null), now, 600_000)).toMatchObject({ endsAt: '2026-11-23T20:00:00.000Z' });
    expect(postableAlert(notifiedAlert(a, null), now, 600_000)).not.toHaveProperty('generatorURL');
  });
});

describe('delivery rules', () => {
  it('classifies statuses: 2xx ok; 408, 429, 5xx retry; other 4xx final', () => {
    expect([200, 202, 204, 408, 429, 500, 503, 400, 401, 403, 404, 410, 422].map(classifyStatus)).toEqual(['ok', 'ok', 'ok', 'retry', 'retry', 'retry', 'retry', 'final', 'final', 'final', 'final', 'final', 'final']);
  });

  it('reads Retry-After as seconds or an HTTP date and never waits less than the backoff', () => {
    const now = Date.parse('2026-11-23T20:00:00.000Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 20:00:10 GMT', now)).toBe(10_000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    const policy = { baseMs: 100, maxMs: 1000, random: () => 1 };
    expect(retryDelay(0, policy)).toBe(100);
    expect(retryDelay(3, policy)).toBe(800);
    expect(retryDelay(10, policy)).toBe(1000);
    expect(retryDelay(0, policy, 5000)).toBe(5000);
    expect(retryDelay(3, policy, 10)).toBe(800);
    expect(retryDelay(0, { ...policy, maxRetryAfterMs: 2000 }, 60_000)).toBe(2000);
  });
});
