// PagerDuty Events API v2 against a loopback receiver standing in for
// events.pagerduty.com: the exact event shape, trigger/resolve with
// dedup_key = fingerprint, retries on 429/5xx, final 400, key never logged.
import { afterEach, describe, expect, it } from 'vitest';
import { PagerDutyChannel } from '../../../alerts/channels/pagerduty.ts';
import { Secret } from '../../../src/core/config/secret.ts';
import { alertOf, captureLogger, fastDelivery, notificationOf, resolvedOf, startReceiver, type Receiver } from '../helpers.ts';

const KEY = 'R0UTINGKEY0000000000000000000001';
let r: Receiver;
afterEach(async () => r?.close());

function channel(url: string, logger = captureLogger().logger) {
  return new PagerDutyChannel({ routing_key: new Secret(KEY), url, source: 'driftwatch', client: 'driftwatch', client_url: 'http://driftwatch.local:8080', send_resolved: true }, { receiver: 'pager', logger, delivery: fastDelivery });
}

describe('pagerduty', () => {
  it('sends one trigger per firing alert and a resolve per resolved one, to /v2/enqueue', async () => {
    r = await startReceiver(() => ({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' }));
    const firing = alertOf();
    const resolved = resolvedOf(alertOf({ feature: 'country' }));
    await channel(r.url).send(notificationOf([firing, resolved]));
    expect(r.requests.map((x) => x.path)).toEqual(['/v2/enqueue', '/v2/enqueue']);
    expect(r.requests[0]?.json).toEqual({
      routing_key: KEY,
      event_action: 'trigger',
      dedup_key: firing.fingerprint,
      payload: {
        summary: 'psi 0.31 on fraud/v13 feature amount',
        source: 'driftwatch',
        severity: 'critical',
        timestamp: '2026-11-23T19:00:00.000Z',
        component: 'fraud',
        group: 'fraud/v13',
        class: 'psi',
        custom_details: {
          rule: 'feature-drift',
          labels: firing.labels,
          annotations: firing.annotations,
          value: 0.31,
          threshold: 0.25,
          evidence: firing.evidence,
        },
      },
      client: 'driftwatch',
      client_url: 'http://driftwatch.local:8080',
      links: [
        { href: 'https://runbooks.example/drift', text: 'Runbook' },
        { href: 'https://grafana.example/d/drift?model=fraud', text: 'Dashboard' },
        { href: `http://driftwatch.local:8080/#/alerts/${firing.fingerprint}`, text: 'driftwatch' },
      ],
    });
    expect(r.requests[1]?.json).toEqual({ routing_key: KEY, event_action: 'resolve', dedup_key: resolved.fingerprint });
  });

  it('maps severities one to one', async () => {
    r = await startReceiver(() => ({ status: 202 }));
    await channel(r.url).send(notificationOf(['critical', 'error', 'warning', 'info'].map((s, i) => alertOf({ severity: s as 'critical', feature: `f${i}` }))));
    expect(r.requests.map((x) => (x.json as { payload: { severity: string } }).payload.severity).sort()).toEqual(['critical', 'error', 'info', 'warning']);
  });

  it('retries 429 (Retry-After) and 5xx; a 400 is final and the routing key stays out of logs and errors', async () => {
    let calls = 0;
    r = await startReceiver((req) => {
      if (req.path !== '/v2/enqueue') return { status: 404 };
      calls++;
      if (calls === 1) return { status: 429, headers: { 'retry-after': '0' } };
      if (calls === 2) return { status: 503 };
      return { status: 202 };
    });
    await channel(r.url).send(notificationOf([alertOf()]));
    expect(calls).toBe(3);

    await r.close();
    r = await startReceiver(() => ({ status: 400, body: `{"status":"invalid event","message":"Event object is invalid","errors":["routing_key ${KEY} invalid"]}` }));
    const log = captureLogger();
    const err = (await channel(r.url, log.logger).send(notificationOf([alertOf()])).catch((e: unknown) => e)) as Error;
    expect(err).toMatchObject({ code: 'DW_ALERT_DELIVERY' });
    expect(err.message).toMatch(/^pagerduty trigger [0-9a-f]{16} to http:\/\/127\.0\.0\.1:\d+\/v2\/enqueue failed: HTTP 400/);
    expect(err.message).toContain('routing_key [redacted] invalid');
    expect(err.message).not.toContain(KEY);
    expect(r.requests).toHaveLength(1);
    expect(log.text()).not.toContain(KEY);
  });
});
