// The Alertmanager channel against a real Alertmanager: alerts posted to
// /api/v2/alerts are read back through its API; resolution ends them; an
// escalation ends the old label set.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerChannel } from '../../../alerts/channels/alertmanager.ts';
import { alertOf, captureLogger, fastDelivery, notificationOf, resolvedOf, waitUntil } from '../../alerts/helpers.ts';
import { startAlertmanager, type AlertmanagerProcess } from './alertmanager-process.ts';

let am: AlertmanagerProcess;
beforeAll(async () => {
  am = await startAlertmanager();
});
afterAll(async () => am?.stop());

describe('alertmanager channel (real Alertmanager)', () => {
  it('firing alerts appear with labels, annotations and times; resolving ends them', async () => {
    const ch = new AlertmanagerChannel({ url: am.url, send_resolved: true }, { receiver: 'am', logger: captureLogger().logger, delivery: fastDelivery });
    const a = alertOf();
    const b = alertOf({ feature: 'country', severity: 'warning' });
    await ch.send(notificationOf([a, b]));
    await waitUntil(async () => (await am.alerts()).length === 2, 10_000, 'two alerts in Alertmanager');
    const got = (await am.alerts()).sort((x, y) => (x.labels.feature ?? '').localeCompare(y.labels.feature ?? ''));
    expect(got[0]).toMatchObject({
      labels: { ...a.labels },
      annotations: { ...a.annotations, value: '0.31', threshold: '0.25' },
      startsAt: '2026-11-23T19:00:00.000Z',
      generatorURL: `http://driftwatch.local:8080/#/alerts/${a.fingerprint}`,
      status: { state: 'active' },
    });
    expect(Date.parse(got[0]!.endsAt)).toBeGreaterThan(Date.now());
    expect(got.map((x) => x.labels.feature)).toEqual(['amount', 'country']);

    await ch.send(notificationOf([{ ...resolvedOf(a), resolvedAt: Date.now() - 1000 }]));
    await waitUntil(async () => (await am.alerts()).length === 1, 10_000, 'the resolved alert to leave the active list');
    expect((await am.alerts()).map((x) => x.labels.feature)).toEqual(['country']);
  });

  it('an escalation replaces the alert (the old severity is ended)', async () => {
    const ch = new AlertmanagerChannel({ url: am.url, send_resolved: true }, { receiver: 'am', logger: captureLogger().logger, delivery: fastDelivery });
    const warn = alertOf({ feature: 'zip', severity: 'warning' });
    await ch.send(notificationOf([warn]));
    await waitUntil(async () => (await am.alerts('?filter=feature%3D%22zip%22')).length === 1, 10_000, 'the warning');
    await ch.send(notificationOf([{ ...warn, severity: 'critical', labels: { ...warn.labels, severity: 'critical' } }]));
    await waitUntil(async () => {
      const zip = await am.alerts('?filter=feature%3D%22zip%22');
      return zip.length === 1 && zip[0]?.labels.severity === 'critical';
    }, 10_000, 'only the critical alert');
  });

  it('an unreachable Alertmanager is a clear, retried error', async () => {
    const ch = new AlertmanagerChannel({ url: 'http://127.0.0.1:9/', send_resolved: true }, { receiver: 'am', logger: captureLogger().logger, delivery: { ...fastDelivery, attempts: 2 } });
    await expect(ch.send(notificationOf([alertOf()]))).rejects.toThrow(/alertmanager 1 alert\(s\) to http:\/\/127\.0\.0\.1:9\/api\/v2\/alerts failed after retries: fetch failed/);
  });
});
