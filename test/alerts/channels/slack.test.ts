// Slack incoming webhook against a loopback receiver: the exact Block Kit
// payload, a queue per URL, 429 Retry-After, 5xx retries, final 4xx, timeouts.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SlackChannel, SlackQueues, slackPayload } from '../../../alerts/channels/slack.ts';
import { AlertMetrics } from '../../../alerts/metrics.ts';
import { Secret } from '../../../src/core/config/secret.ts';
import { alertOf, captureLogger, fastDelivery, notificationOf, resolvedOf, startReceiver, type Receiver } from '../helpers.ts';

const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

async function receiver(...args: Parameters<typeof startReceiver>): Promise<Receiver> {
  const r = await startReceiver(...args);
  receivers.push(r);
  return r;
}

function channel(url: string, opts: { queues?: SlackQueues; metrics?: AlertMetrics; logger?: ReturnType<typeof captureLogger>['logger'] } = {}) {
  return new SlackChannel(
    { webhook_url: new Secret(url), send_resolved: true, channel: '#ml-alerts' },
    { receiver: 'team', logger: opts.logger ?? captureLogger().logger, metrics: opts.metrics, delivery: fastDelivery },
    opts.queues ?? new SlackQueues(),
  );
}

describe('slack payload', () => {
  it('firing: header, one section per alert with fields and links, context, and a text fallback', () => {
    const p = slackPayload(notificationOf([alertOf(), alertOf({ feature: 'country', severity: 'warning', value: 0.12, threshold: 0.1 })]), { channel: '#ml-alerts' });
    expect(p).toEqual({
      text: expect.stringMatching(/^\[FIRING:2\] feature-drift fraud\/v13\nFIRING critical: psi 0\.31 on fraud\/v13 feature (amount|country)/),
      channel: '#ml-alerts',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 [FIRING:2] feature-drift fraud/v13', emoji: true } },
        {
          type: 'section',
          text: { type: 'mrkdwn', text: expect.stringContaining(':red_circle: *FIRING* (') },
          fields: expect.arrayContaining([{ type: 'mrkdwn', text: '*Model*\nfraud' }, { type: 'mrkdwn', text: '*Version*\nv13' }, { type: 'mrkdwn', text: '*Metric*\npsi' }]),
        },
        expect.objectContaining({ type: 'section' }),
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'driftwatch · alertname=feature-drift, model=fraud' }] },
      ],
    });
    const section = (p.blocks as Array<{ text?: { text: string }; fields?: Array<{ text: string }> }>)[1]!;
    expect(section.text?.text).toContain('<https://runbooks.example/drift|Runbook> · <https://grafana.example/d/drift?model=fraud|Dashboard> · <http://driftwatch.local:8080/#/alerts/');
    expect(section.fields?.map((f) => f.text)).toEqual(['*Model*\nfraud', '*Version*\nv13', expect.stringMatching(/^\*Feature\*\n/), '*Metric*\npsi', expect.stringMatching(/^\*Value\*\n0\.(31|12)$/), expect.stringMatching(/^\*Threshold\*\n0\.(25|1)$/)]);
  });

  it('resolved is distinguished in header, sections and text; mrkdwn is escaped', () => {
    const a = resolvedOf(alertOf({ annotations: { summary: 'drift <b> & co' } }));
    const p = slackPayload(notificationOf([a]), {});
    expect(p.text).toMatch(/^\[RESOLVED:1\] feature-drift fraud\/v13\nRESOLVED critical: psi 0\.02/);
    const blocks = p.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks[0]?.text?.text).toBe('✅ [RESOLVED:1] feature-drift fraud/v13');
    expect(blocks[1]?.text?.text).toContain(':white_check_mark: *RESOLVED*');
    expect(blocks[1]?.text?.text).toContain('drift &lt;b&gt; &amp; co');
    expect(p).not.toHaveProperty('channel');
  });
});

describe('slack delivery', () => {
  it('posts JSON to the webhook URL', async () => {
    const r = await receiver();
    await channel(`${r.url}/services/T0/B0/secret`).send(notificationOf([alertOf()]));
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]).toMatchObject({ method: 'POST', path: '/services/T0/B0/secret', headers: expect.objectContaining({ 'content-type': 'application/json' }) });
    expect((r.requests[0]?.json as { blocks: unknown[] }).blocks.length).toBe(3);
  });

  it('one queue per webhook URL: messages to one URL go one at a time, in order', async () => {
    const r = await receiver(() => ({ delayMs: 150 }));
    const queues = new SlackQueues();
    const a = channel(`${r.url}/a`, { queues });
    const b = channel(`${r.url}/a`, { queues });
    const c = channel(`${r.url}/c`, { queues });
    const t0 = Date.now();
    await Promise.all([a.send(notificationOf([alertOf({ feature: 'f1' })])), b.send(notificationOf([alertOf({ feature: 'f2' })])), c.send(notificationOf([alertOf({ feature: 'f3' })]))]);
    const byPath = (p: string) => r.requests.filter((x) => x.path === p);
    expect(byPath('/a').map((x) => (x.json as { text: string }).text.includes('f1'))).toEqual([true, false]);
    const [first, second] = byPath('/a');
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(140);
    // The other URL did not wait for the first queue.
    expect(byPath('/c')[0]!.at).toBeLessThan(second!.at);
    expect(second!.at - t0).toBeGreaterThanOrEqual(140);
  });

  it('429 pauses the queue for Retry-After, then delivers', async () => {
    const r = await receiver((_, i) => (i === 0 ? { status: 429, headers: { 'retry-after': '1' }, body: 'rate_limited' } : undefined));
    const metrics = new AlertMetrics(new Registry());
    const ch = channel(`${r.url}/x`, { metrics });
    await ch.send(notificationOf([alertOf()]));
    expect(r.requests).toHaveLength(2);
    expect(r.requests[1]!.at - r.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect((await metrics.channelRetries.get()).values).toEqual([{ labels: { channel: 'slack' }, value: 1 }]);
  });

  it('retries 500s, gives up on 400 at once, and times out a receiver that hangs', async () => {
    const r = await receiver((req) => {
      if (req.path === '/flaky') return r.requests.filter((x) => x.path === '/flaky').length < 3 ? { status: 500, body: 'rollup_error' } : undefined;
      if (req.path === '/bad') return { status: 400, body: 'invalid_payload' };
      if (req.path === '/hang') return { hang: true };
      return undefined;
    });
    await channel(`${r.url}/flaky`).send(notificationOf([alertOf()]));
    expect(r.requests.filter((x) => x.path === '/flaky')).toHaveLength(3);

    const log = captureLogger();
    const err = await channel(`${r.url}/bad`, { logger: log.logger }).send(notificationOf([alertOf()])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DW_ALERT_DELIVERY', message: `slack message to slack webhook at 127.0.0.1:${r.port} failed: HTTP 400: invalid_payload` });
    expect(r.requests.filter((x) => x.path === '/bad')).toHaveLength(1);

    const slow = new SlackChannel({ webhook_url: new Secret(`${r.url}/hang`), send_resolved: true }, { receiver: 'team', logger: log.logger, delivery: { ...fastDelivery, timeoutMs: 200, attempts: 2 } }, new SlackQueues());
    const t0 = Date.now();
    await expect(slow.send(notificationOf([alertOf()]))).rejects.toThrow(/failed after retries: timed out after 200ms/);
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(r.requests.filter((x) => x.path === '/hang')).toHaveLength(2);
    // The URL path is the credential: never in logs or errors.
    expect(log.text()).not.toContain('/hang');
    expect(String((err as Error).message)).not.toContain('/bad');
  });

  it('an unreachable webhook fails with a clear error after its attempts', async () => {
    const r = await receiver();
    const url = `${r.url}/gone`;
    await r.close();
    receivers.pop();
    await expect(channel(url).send(notificationOf([alertOf()]))).rejects.toThrow(/slack message to slack webhook at 127\.0\.0\.1:\d+ failed after retries: fetch failed: connect ECONNREFUSED/);
  });

  it('shutdown waits for in-flight sends and refuses new ones', async () => {
    const r = await receiver(() => ({ delayMs: 200 }));
    const ch = channel(`${r.url}/x`);
    const p = ch.send(notificationOf([alertOf()]));
    await ch.shutdown();
    await expect(p).resolves.toBeUndefined();
    await expect(ch.send(notificationOf([alertOf()]))).rejects.toThrow(/shut down/);
    await ch.shutdown();
  });
});
