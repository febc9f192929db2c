// The alerts section validates once, at start, with a path for every
// problem: receivers without their key, bad URLs, dangling references.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertsSchema } from '../../alerts/config.ts';
import { parseConfig } from '../../src/config/load.ts';
import { formatIssues } from '../../src/core/config/format-issues.ts';
import { isDriftwatchError } from '../../src/core/errors.ts';

function problems(alerts: unknown): string[] {
  try {
    parseConfig({ alerts });
  } catch (e) {
    if (isDriftwatchError(e, 'DW_CONFIG_INVALID')) return (e.details?.problems as string[]) ?? [];
    throw e;
  }
  return [];
}

const ENV = { DW_TEST_SLACK: 'https://hooks.slack.com/services/T000/B000/XXXXSECRET', DW_TEST_PD: 'pdkey-123456', DW_TEST_WHSEC: 'whsec_' + Buffer.from('k'.repeat(32)).toString('base64'), DW_TEST_BAD_URL: 'not a url' };
beforeEach(() => Object.assign(process.env, ENV));
afterEach(() => {
  for (const k of Object.keys(ENV)) delete process.env[k];
});

const valid = {
  external_url: 'http://driftwatch.local:8080',
  rules: [
    {
      name: 'feature-drift',
      match: { metric: ['psi', 'js'], model: 'fraud*' },
      thresholds: { warning: 0.1, critical: 0.25 },
      for: 2,
      keep_firing_for: '30m',
      labels: { team: 'ml' },
      annotations: { summary: '{{metric}} {{value}} on {{model}}/{{version}}', runbook_url: 'https://runbooks/drift?model={{model}}' },
      actions: ['rollback'],
    },
  ],
  route: { receiver: 'oncall', group_by: ['alertname', 'model'], routes: [{ matchers: ['severity="critical"'], receiver: 'pager', continue: true }] },
  receivers: [
    { name: 'oncall', slack_configs: [{ webhook_url: '${DW_TEST_SLACK}' }] },
    { name: 'pager', pagerduty_configs: [{ routing_key: '${DW_TEST_PD}' }] },
  ],
  inhibit_rules: [{ source_matchers: ['alertname="volume-drop"'], target_matchers: ['feature=~".+"'], equal: ['model', 'version'] }],
  actions: [{ name: 'rollback', type: 'rollback', url: 'https://deploy.internal/hooks/rollback', secret: '${DW_TEST_WHSEC}' }],
};

describe('alerts config', () => {
  it('a literal action secret is a config error naming its path, not a crash', () => {
    const out = problems({ ...valid, actions: [{ name: 'rollback', type: 'rollback', url: 'https://deploy.internal/hooks/rollback', secret: 'whsec_literal' }] });
    expect(out.join('\n')).toMatch(/actions\[0\]\.secret: .*literal secrets are not accepted/);
    expect(out.join('\n')).not.toContain('whsec_literal');
  });

  it('accepts a full section and fills the defaults', () => {
    const cfg = parseConfig({ alerts: valid }).alerts;
    expect(cfg.rules[0]?.direction).toBe('above');
    expect(cfg.route?.routes[0]?.matchers).toEqual([{ name: 'severity', op: '=', value: 'critical' }]);
    expect(cfg.receivers[1]?.pagerduty_configs[0]?.url).toBe('https://events.pagerduty.com');
    expect(cfg.actions[0]?.cooldown).toBe('1h');
    expect(JSON.stringify(cfg)).not.toContain('XXXXSECRET');
    expect(JSON.stringify(cfg)).not.toContain('pdkey-123456');
  });

  it('defaults to an empty, enabled section', () => {
    const cfg = alertsSchema.parse(undefined);
    expect(cfg).toMatchObject({ enabled: true, rules: [], receivers: [], actions: [] });
  });

  it('a PagerDuty receiver without routing key names the path', () => {
    const p = problems({ ...valid, receivers: [valid.receivers[0], { name: 'pager', pagerduty_configs: [{}] }] });
    expect(p).toContain('alerts.receivers[1].pagerduty_configs[0].routing_key: required: give routing_key (${ENV_VAR}) or routing_key_file (a path)');
  });

  it('bad URLs are reported with their paths, and a secret URL without showing it', () => {
    const p = problems({
      ...valid,
      receivers: [
        { name: 'oncall', slack_configs: [{ webhook_url: '${DW_TEST_BAD_URL}' }], alertmanager_configs: [{ url: 'alertmanager:9093' }], webhook_configs: [{ url: 'ftp://x/y' }] },
        { name: 'pager', pagerduty_configs: [{ routing_key: '${DW_TEST_PD}', url: 'nope' }] },
      ],
      actions: [{ ...valid.actions[0], url: 'deploy.internal/rollback' }],
    });
    expect(p).toEqual(
      expect.arrayContaining([
        'alerts.receivers[0].slack_configs[0].webhook_url: the referenced value must be an http(s) URL (value not shown)',
        'alerts.receivers[0].alertmanager_configs[0].url: must be an http(s) URL',
        'alerts.receivers[0].webhook_configs[0].url: must be an http(s) URL',
        'alerts.receivers[1].pagerduty_configs[0].url: must be an http(s) URL',
        'alerts.actions[0].url: must be an http(s) URL',
      ]),
    );
    expect(p.join('\n')).not.toContain('not a url');
  });

  it('refuses literal secrets and unknown keys', () => {
    const p = problems({ ...valid, receivers: [{ name: 'oncall', slack_configs: [{ webhook_url: 'https://hooks.slack.com/services/T/B/LITERAL', colour: 'red' }] }, valid.receivers[1]] });
    expect(p).toEqual(
      expect.arrayContaining([
        'alerts.receivers[0].slack_configs[0].webhook_url: must be a reference ${ENV_VAR} (or use the _file variant); literal secrets are not accepted',
        'alerts.receivers[0].slack_configs[0].colour: unknown key',
      ]),
    );
  });

  it('checks references between routes, receivers, rules and actions', () => {
    const p = problems({
      ...valid,
      route: { receiver: 'oncall', routes: [{ matchers: ['model="x"'], receiver: 'nobody' }] },
      rules: [{ ...valid.rules[0], actions: ['retrain'] }],
    });
    expect(p).toEqual(
      expect.arrayContaining(['alerts.route.routes[0].receiver: unknown receiver nobody (receivers: oncall, pager)', 'alerts.rules[0].actions[0]: unknown action retrain (actions: rollback)']),
    );
    expect(problems({ ...valid, route: undefined })).toContain('alerts.route: required when receivers are configured');
  });

  it('reports bad matchers, templates, thresholds and reserved labels', () => {
    const p = problems({
      ...valid,
      route: { receiver: 'oncall', routes: [{ matchers: ['model=~"("'] }] },
      rules: [{ ...valid.rules[0], thresholds: {}, labels: { model: 'x' }, annotations: { summary: '{{nope}}' } }],
    });
    expect(p.some((l) => l.startsWith('alerts.route.routes[0].matchers[0]: invalid regular expression'))).toBe(true);
    expect(p).toEqual(
      expect.arrayContaining([
        'alerts.rules[0].thresholds: give at least one severity threshold',
        expect.stringMatching(/^alerts\.rules\[0\]\.annotations\.summary: unknown placeholder \{\{nope\}\}/),
      ]),
    );
  });

  it('requires an action secret and checks the whsec_ form without echoing it', () => {
    process.env.DW_TEST_BADWH = 'whsec_!!!not-base64!!!';
    try {
      const p = problems({ ...valid, actions: [{ name: 'rollback', type: 'rollback', url: 'https://x/y' }] });
      expect(p).toContain('alerts.actions[0].secret: required: give secret (${ENV_VAR}) or secret_file (a path)');
      const q = problems({ ...valid, actions: [{ name: 'rollback', type: 'rollback', url: 'https://x/y', secret: '${DW_TEST_BADWH}' }] });
      expect(q).toContain('alerts.actions[0].secret: a whsec_ secret must be followed by base64 (value not shown)');
      expect(q.join('\n')).not.toContain('not-base64');
    } finally {
      delete process.env.DW_TEST_BADWH;
    }
  });

  it('formats issues of the section alone with the same paths', () => {
    const r = alertsSchema.safeParse({ receivers: [{ name: 'p', pagerduty_configs: [{}] }], route: { receiver: 'p' } });
    expect(r.success).toBe(false);
    expect(formatIssues(r.error?.issues ?? [])).toContain('receivers[0].pagerduty_configs[0].routing_key: required: give routing_key (${ENV_VAR}) or routing_key_file (a path)');
  });
});
