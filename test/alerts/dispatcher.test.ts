// Routing, grouping and the notification log, as Alertmanager does them:
// group_wait, group_interval, repeat_interval, send_resolved, continue,
// silences and inhibition, and "a failed receiver is retried, not lost".
import { describe, expect, it } from 'vitest';
import type { Alert } from '../../alerts/alert.ts';
import type { Integration } from '../../alerts/channels/factory.ts';
import { FakeChannel } from '../../alerts/channels/fake.ts';
import { ManualClock } from '../../alerts/clock.ts';
import { alertsSchema, type AlertsConfigInput } from '../../alerts/config.ts';
import { Dispatcher } from '../../alerts/dispatcher.ts';
import { AlertEngine } from '../../alerts/engine.ts';
import { Inhibitor } from '../../alerts/inhibit.ts';
import { NotificationLog } from '../../alerts/nflog.ts';
import { buildRouteTree, matchRoutes } from '../../alerts/routing.ts';
import { MemorySilenceStore, Silences } from '../../alerts/silences.ts';
import { MemoryAlertStateStore } from '../../alerts/state-store.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { run } from './helpers.ts';

describe('route tree', () => {
  const cfg = alertsSchema.parse({
    route: {
      receiver: 'default',
      group_wait: '10s',
      routes: [
        { matchers: ['model="fraud"'], receiver: 'fraud-team', group_by: ['...'], routes: [{ matchers: ['severity="critical"'], receiver: 'fraud-pager' }] },
        { matchers: ['severity="critical"'], receiver: 'pager', continue: true },
        { matchers: ['team="ml"'], receiver: 'ml', repeat_interval: '1h' },
      ],
    },
    receivers: ['default', 'fraud-team', 'fraud-pager', 'pager', 'ml'].map((name) => ({ name })),
  });
  const tree = buildRouteTree(cfg.route!);
  const receivers = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.receiver);

  it('takes the deepest match, stops at the first match unless continue, falls back to the parent', () => {
    expect(receivers({ model: 'fraud', severity: 'critical' })).toEqual(['fraud-pager']);
    expect(receivers({ model: 'fraud', severity: 'warning' })).toEqual(['fraud-team']);
    expect(receivers({ model: 'churn', severity: 'critical', team: 'ml' })).toEqual(['pager', 'ml']);
    expect(receivers({ model: 'churn', severity: 'warning' })).toEqual(['default']);
  });

  it('children inherit timers and group_by from their parent', () => {
    const [ml] = matchRoutes(tree, { team: 'ml' });
    expect(ml).toMatchObject({ groupBy: ['alertname', 'model'], groupWaitMs: 10_000, groupIntervalMs: 300_000, repeatIntervalMs: 3_600_000 });
    const [fraud] = matchRoutes(tree, { model: 'fraud', severity: 'critical' });
    expect(fraud?.groupBy).toBeNull();
  });
});

function setup(input: AlertsConfigInput, receivers: Record<string, Array<{ sendResolved?: boolean; resendMs?: number }>>) {
  const config = alertsSchema.parse({ ...input, receivers: Object.keys(receivers).map((name) => ({ name })) });
  const clock = new ManualClock();
  const fakes: Record<string, FakeChannel[]> = {};
  const integrations = new Map<string, Integration[]>();
  for (const [name, list] of Object.entries(receivers)) {
    fakes[name] = list.map((x) => Object.assign(new FakeChannel(), { resendMs: x.resendMs }));
    integrations.set(
      name,
      list.map((x, i) => ({ receiver: name, name: `fake[${i}]`, sendResolved: x.sendResolved ?? true, channel: fakes[name]![i]! })),
    );
  }
  const silences = new Silences(new MemorySilenceStore(), clock);
  const inhibitor = new Inhibitor(config.inhibit_rules);
  const nflog = new NotificationLog(null, silentLogger);
  let engine: AlertEngine | null = null;
  const isMuted = (a: Alert) => silences.mutedBy(a.labels).length > 0 || inhibitor.inhibitedBy(a, engine?.firing() ?? []).length > 0;
  const dispatcher = new Dispatcher({ route: buildRouteTree(config.route!), integrations, nflog, isMuted, clock, logger: silentLogger, externalUrl: null });
  engine = new AlertEngine({ config, state: new MemoryAlertStateStore(), dispatcher, clock, logger: silentLogger });
  const step = async (ms: number) => {
    clock.advance(ms);
    await dispatcher.tick();
    // Resends are not awaited by the tick: let them settle.
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  };
  return { engine, dispatcher, clock, fakes, silences, nflog, step };
}

const rules = [{ name: 'drift', match: { metric: 'psi' }, thresholds: { warning: 0.1, critical: 0.25 } }];
const route = { receiver: 'team', group_by: ['alertname', 'model'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' };

describe('re-sending to Alertmanager-like channels (resendMs)', () => {
  it('posts the firing alerts the receiver was told about every resend interval; resolved ones once', async () => {
    const { engine, fakes, step, clock } = setup({ rules, route: { ...route, receiver: 'am' } }, { am: [{ resendMs: 60_000 }] });
    const am = fakes.am![0]!;
    await engine.evaluate(run([{ value: 0.3, feature: 'a' }]));
    await step(29_000);
    expect(am.sent).toHaveLength(0); // group_wait first: nothing was told yet, so nothing is re-sent
    await step(1_000);
    expect(am.sent.map((n) => n.alerts.map((a) => a.labels.feature))).toEqual([['a']]);
    // A new alert of the group is not re-sent before the group's flush tells the receiver about it.
    await engine.evaluate(run([{ value: 0.3, feature: 'a' }, { value: 0.3, feature: 'b' }]));
    await step(30_000);
    expect(am.sent).toHaveLength(1); // 30 s since the post: not yet
    await step(30_000);
    expect(am.sent).toHaveLength(2); // 60 s: re-sent
    for (let i = 0; i < 3; i++) await step(60_000);
    expect(am.sent).toHaveLength(5);
    expect(am.sent.every((n) => n.status === 'firing' && n.alerts.map((a) => a.labels.feature).join() === 'a')).toBe(true);
    // group_interval (5 m after the first flush): the group's flush tells about b; re-sends carry both from then on.
    expect(clock.now()).toBe(Date.parse('2026-11-23T18:00:00.000Z') + 270_000);
    await step(60_000);
    expect(am.sent.at(-1)!.alerts.map((a) => a.labels.feature).sort()).toEqual(['a', 'b']);
    await step(60_000);
    expect(am.sent.at(-1)!.alerts.map((a) => a.labels.feature).sort()).toEqual(['a', 'b']);

    // Resolved: no longer re-sent; the group's next flush posts the resolution once, then nothing more.
    await engine.evaluate(run([{ value: 0.01, feature: 'a' }, { value: 0.01, feature: 'b' }]));
    const before = am.sent.length;
    for (let i = 0; i < 10; i++) await step(60_000);
    const after = am.sent.slice(before);
    expect(after.map((n) => n.status)).toEqual(['resolved']);
    expect(after[0]!.alerts.map((a) => [a.labels.feature, a.status, typeof a.endsAt]).sort()).toEqual([
      ['a', 'resolved', 'string'],
      ['b', 'resolved', 'string'],
    ]);
  });

  it('a silenced alert is no longer re-sent; a channel without resendMs is never re-sent to', async () => {
    const { engine, fakes, step, silences } = setup(
      {
        rules,
        route: {
          ...route,
          group_wait: '1s',
          routes: [
            { matchers: ['model="fraud"'], receiver: 'am', continue: true },
            { matchers: ['model="fraud"'], receiver: 'team' },
          ],
        },
      },
      { am: [{ resendMs: 10_000 }], team: [{}] },
    );
    const am = fakes.am![0]!;
    const team = fakes.team![0]!;
    await engine.evaluate(run([{ value: 0.3 }]));
    await step(1_000);
    for (let i = 0; i < 3; i++) await step(10_000);
    expect(am.sent).toHaveLength(4);
    expect(team.sent).toHaveLength(1);
    await silences.create({ matchers: ['model="fraud"'], duration: '1h', created_by: 't', comment: 'test' });
    for (let i = 0; i < 3; i++) await step(10_000);
    expect(am.sent).toHaveLength(4);
  });
});

describe('grouping and timers', () => {
  it('waits group_wait, sends one notification per group, then only on change or after repeat_interval', async () => {
    const { engine, fakes, step } = setup({ rules, route }, { team: [{}] });
    const ch = fakes.team![0]!;
    await engine.evaluate(run([{ value: 0.3, feature: 'a' }, { value: 0.3, feature: 'b' }, { value: 0.3, model: 'churn' }]));
    await step(29_000);
    expect(ch.sent).toHaveLength(0);
    await step(1_000);
    expect(ch.sent.map((n) => [n.groupLabels.model, n.alerts.length, n.status])).toEqual([
      ['fraud', 2, 'firing'],
      ['churn', 1, 'firing'],
    ]);
    // Same alerts, later runs: nothing new before repeat_interval.
    for (let i = 0; i < 10; i++) {
      await engine.evaluate(run([{ value: 0.3, feature: 'a' }, { value: 0.3, feature: 'b' }, { value: 0.3, model: 'churn' }]));
      await step(5 * 60_000);
    }
    expect(ch.sent).toHaveLength(2);
    // A new alert joins the fraud group: notified at the next group_interval with all three.
    await engine.evaluate(run([{ value: 0.3, feature: 'c' }]));
    await step(5 * 60_000);
    expect(ch.sent).toHaveLength(3);
    expect(ch.sent[2]?.alerts.map((a) => a.labels.feature).sort()).toEqual(['a', 'b', 'c']);
    // repeat_interval: 4h after the last notification of a group it is repeated.
    await step(4 * 3_600_000);
    expect(ch.sent.length).toBeGreaterThanOrEqual(5);
  });

  it('notifies escalation and resolution; send_resolved false keeps resolutions from that integration', async () => {
    const { engine, fakes, step } = setup({ rules, route: { ...route, group_wait: '1s', group_interval: '1m' } }, { team: [{}, { sendResolved: false }] });
    const [withResolved, without] = fakes.team!;
    await engine.evaluate(run([{ value: 0.15 }]));
    await step(1_000);
    await engine.evaluate(run([{ value: 0.5 }]));
    await step(60_000);
    expect(withResolved!.sent.map((n) => n.alerts[0]?.severity)).toEqual(['warning', 'critical']);
    await engine.evaluate(run([{ value: 0.01 }]));
    await step(60_000);
    expect(withResolved!.sent.at(-1)).toMatchObject({ status: 'resolved', alerts: [expect.objectContaining({ status: 'resolved', endsAt: expect.any(String) })] });
    expect(without!.sent.map((n) => n.status)).toEqual(['firing', 'firing']);
    // The resolved alert left the group after it was notified.
    await step(60_000);
    expect(withResolved!.sent).toHaveLength(3);
  });

  it('a flapping score behind keep_firing_for pages once', async () => {
    const { engine, fakes, step } = setup({ rules: [{ ...rules[0]!, keep_firing_for: 2 }], route: { ...route, group_wait: '1s', group_interval: '1m' } }, { team: [{}] });
    for (const v of [0.3, 0.01, 0.3, 0.01, 0.3, 0.01]) {
      await engine.evaluate(run([{ value: v }]));
      await step(60_000);
    }
    expect(fakes.team![0]!.sent.map((n) => n.status)).toEqual(['firing']);
  });

  it('continue sends to several receivers; group_by ... puts every alert in its own group', async () => {
    const { engine, fakes, step } = setup(
      { rules, route: { ...route, group_wait: '1s', routes: [{ matchers: ['severity="critical"'], receiver: 'pager', group_by: ['...'], continue: true }] } },
      { team: [{}], pager: [{}] },
    );
    await engine.evaluate(run([{ value: 0.3, feature: 'a' }, { value: 0.3, feature: 'b' }, { value: 0.15, feature: 'c' }]));
    await step(1_000);
    expect(fakes.pager![0]!.sent.map((n) => n.alerts.length)).toEqual([1, 1]);
    expect(fakes.team![0]!.sent.map((n) => n.alerts.map((a) => a.labels.feature))).toEqual([['c']]);
  });

  it('a failing receiver is retried at every group_interval until it succeeds; nothing is lost', async () => {
    const { engine, fakes, step } = setup({ rules, route: { ...route, group_wait: '1s', group_interval: '1m' } }, { team: [{}] });
    const ch = fakes.team![0]!;
    ch.fail = true;
    await engine.evaluate(run([{ value: 0.3 }]));
    await step(1_000);
    await step(60_000);
    expect(ch.sent).toHaveLength(0);
    await engine.evaluate(run([{ value: 0.01 }]));
    ch.fail = false;
    await step(60_000);
    // The receiver never heard of the firing alert, so its resolution alone is not sent...
    expect(ch.sent).toHaveLength(0);
    // ...but a firing alert that is still firing is delivered once the receiver is back.
    await engine.evaluate(run([{ value: 0.3, feature: 'z' }]));
    ch.fail = true;
    await step(60_000);
    ch.fail = false;
    await step(60_000);
    expect(ch.sent.map((n) => n.alerts.map((a) => a.labels.feature))).toEqual([['z']]);
  });
});

describe('silences and inhibition', () => {
  it('a silence mutes matching alerts at flush time; after it expires they are notified', async () => {
    const { engine, fakes, step, silences } = setup({ rules, route: { ...route, group_wait: '1s', group_interval: '1m' } }, { team: [{}] });
    const s = await silences.create({ matchers: ['model="fraud"', 'feature=~"a.*"'], duration: '10m', created_by: 'alice', comment: 'INC-1' });
    await engine.evaluate(run([{ value: 0.3, feature: 'amount' }, { value: 0.3, feature: 'age' }, { value: 0.3, feature: 'zip' }]));
    await step(1_000);
    expect(fakes.team![0]!.sent.map((n) => n.alerts.map((a) => a.labels.feature))).toEqual([['zip']]);
    await silences.expire(s.id);
    await step(60_000);
    expect(fakes.team![0]!.sent.at(-1)?.alerts.map((a) => a.labels.feature).sort()).toEqual(['age', 'amount', 'zip']);
  });

  it('a model-level volume drop inhibits that model\'s feature-drift alerts (equal model, version)', async () => {
    const { engine, fakes, step } = setup(
      {
        rules: [...rules, { name: 'volume-drop', match: { metric: 'volume_drop' }, thresholds: { critical: 0.5 } }],
        route: { ...route, group_by: ['alertname'], group_wait: '1s', group_interval: '1m' },
        inhibit_rules: [{ source_matchers: ['alertname="volume-drop"'], target_matchers: ['feature=~".+"'], equal: ['model', 'version'] }],
      },
      { team: [{}] },
    );
    await engine.evaluate(run([{ metric: 'volume_drop', feature: '', value: 0.9 }, { value: 0.3, feature: 'a' }, { value: 0.3, feature: 'b', model_version: 'v12' }]));
    await step(1_000);
    const sent = fakes.team![0]!.sent.flatMap((n) => n.alerts.map((a) => `${a.rule}:${a.labels.version}:${a.labels.feature ?? ''}`)).sort();
    expect(sent).toEqual(['drift:v12:b', 'volume-drop:v13:']);
  });
});
