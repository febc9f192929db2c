// The `alerts` section of driftwatch.yaml: rules, the Alertmanager-style route
// tree, receivers (one list per channel type, as in Alertmanager),
// inhibition rules and the signed action webhooks. Cross references (route ->
// receiver, rule -> action) are checked here so a typo fails at start with
// its path instead of dropping alerts at 3 a.m.
import { z } from 'zod';
import { secretFile, secretRef, type Secret } from '../src/core/config/secret.ts';
import { parseMatcher, type Matcher } from './labels.ts';
import { TEMPLATE_FIELDS, templateNames } from './template.ts';

const DURATION = /^\d+(ms|s|m|h|d)$/;
const DURATION_MESSAGE = 'must be a duration like 500ms, 30s, 5m, 1h or 7d';
const durationText = () => z.string().regex(DURATION, DURATION_MESSAGE);
const duration = (d: string) => durationText().default(d);

const httpUrl = (description: string) => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).describe(description);

const labelName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a label name ([A-Za-z_][A-Za-z0-9_]*)');

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** A secret that must hold an http(s) URL (Slack webhook URLs carry their token in the path). */
const secretUrlRef = (description: string) =>
  secretRef(description).refine((s) => isHttpUrl(s.reveal()), 'the referenced value must be an http(s) URL (value not shown)');
const secretUrlFile = (description: string) =>
  secretFile(description).refine((s) => isHttpUrl(s.reveal()), 'the file must hold an http(s) URL (value not shown)');

/** Exactly one of `key` / `key_file` must be set. */
function oneSecret(value: Record<string, unknown>, key: string, ctx: z.core.$RefinementCtx, required = true): void {
  const a = value[key] !== undefined;
  const b = value[`${key}_file`] !== undefined;
  if (a && b) ctx.addIssue({ code: 'custom', path: [key], message: `give either ${key} or ${key}_file, not both` });
  else if (!a && !b && required) ctx.addIssue({ code: 'custom', path: [key], message: `required: give ${key} (\${ENV_VAR}) or ${key}_file (a path)` });
}

const matcher = z.string().transform((text, ctx): Matcher => {
  try {
    return parseMatcher(text);
  } catch (e) {
    ctx.addIssue({ code: 'custom', message: (e as Error).message });
    return z.NEVER;
  }
});

const template = (description: string) =>
  z
    .string()
    .superRefine((text, ctx) => {
      for (const name of templateNames(text)) {
        if (!TEMPLATE_FIELDS.has(name) && !name.startsWith('labels.')) {
          ctx.addIssue({ code: 'custom', message: `unknown placeholder {{${name}}} (known: ${[...TEMPLATE_FIELDS].join(', ')}, labels.<name>)` });
        }
      }
    })
    .describe(description);

export const SEVERITIES = ['critical', 'error', 'warning', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];
const severity = z.enum(SEVERITIES);

const globs = (description: string) => z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).describe(description);
const globsOr = (d: string, description: string) => z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]).default(d).describe(description);

// ---------------------------------------------------------------- rules

const RESERVED_LABELS = new Set(['alertname', 'model', 'version', 'feature', 'metric', 'segment', 'detector', 'severity']);

export const ruleSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9_.:-]+$/, 'must be letters, digits and _ . : -').describe('Rule name; becomes the alertname label.'),
    match: z
      .strictObject({
        metric: globs('Metric name(s) or globs, e.g. psi or [psi, js].'),
        model: globsOr('*', 'Model name glob(s).'),
        version: globsOr('*', 'Model version glob(s).'),
        feature: globsOr('*', 'Feature glob(s); model-level metrics have the empty feature, matched by "*".'),
        segment: globsOr('*', 'Segment glob(s).'),
        detector: globsOr('*', 'Detector glob(s).'),
        tags: z.record(z.string(), z.string()).default({}).describe('Required tag values, e.g. {deployment: canary} limits the rule to canary traffic.'),
      })
      .describe('Which score rows the rule looks at.'),
    thresholds: z
      .strictObject({
        critical: z.number().optional().describe('Threshold for severity critical.'),
        error: z.number().optional().describe('Threshold for severity error.'),
        warning: z.number().optional().describe('Threshold for severity warning.'),
        info: z.number().optional().describe('Threshold for severity info.'),
      })
      .refine((t) => Object.values(t).some((v) => v !== undefined), 'give at least one severity threshold')
      .optional()
      .describe('Value thresholds per severity; the most severe one crossed wins. Without thresholds the detector status `alert` breaches.'),
    direction: z.enum(['above', 'below']).default('above').describe('above: a value over the threshold breaches; below: a value under it breaches (accuracy).'),
    severity: severity.default('critical').describe('Severity when the rule has no thresholds and the detector says `alert`.'),
    for: z.number().int().min(1).default(1).describe('Consecutive breaching runs before the alert fires (pending until then).'),
    keep_firing_for: z
      .union([z.number().int().min(0), durationText()])
      .default(0)
      .describe('Keep firing after the last breach: a number of healthy runs, or a duration like 30m.'),
    labels: z.record(labelName, z.string()).default({}).describe('Extra labels (team, service); used by routing, silences and inhibition.'),
    annotations: z
      .strictObject({
        summary: template('One-line summary; placeholders like {{model}}, {{feature}}, {{value}}.').optional(),
        description: template('Longer text.').optional(),
        runbook_url: template('Runbook link (placeholders are URL-encoded).').optional(),
        dashboard_url: template('Dashboard link (placeholders are URL-encoded).').optional(),
      })
      .prefault({}),
    actions: z.array(z.string()).default([]).describe('Names of alerts.actions fired when the alert starts firing.'),
  })
  .superRefine((r, ctx) => {
    for (const k of Object.keys(r.labels)) {
      if (RESERVED_LABELS.has(k)) ctx.addIssue({ code: 'custom', path: ['labels', k], message: `label ${k} is set by the engine and cannot be overridden` });
    }
  });

export type RuleConfig = z.output<typeof ruleSchema>;

// ---------------------------------------------------------------- routes

export interface RouteConfig {
  receiver?: string | undefined;
  matchers: Matcher[];
  continue: boolean;
  group_by?: string[] | undefined;
  group_wait?: string | undefined;
  group_interval?: string | undefined;
  repeat_interval?: string | undefined;
  routes: RouteConfig[];
}

export const ROUTE_DEFAULTS = { group_by: ['alertname', 'model'], group_wait: '30s', group_interval: '5m', repeat_interval: '4h' } as const;

const routeFields = {
  receiver: z.string().optional().describe('Receiver name; inherited from the parent when unset.'),
  matchers: z.array(matcher).default([]).describe('Label matchers: name="v", name!="v", name=~"re", name!~"re".'),
  continue: z.boolean().default(false).describe('Keep matching sibling routes after this one matched.'),
  group_by: z.array(z.union([labelName, z.literal('...')])).optional().describe('Labels that split alerts into notification groups ("..." = all labels).'),
  group_wait: durationText().optional().describe('Wait before the first notification of a new group (default 30s).'),
  group_interval: durationText().optional().describe('Wait before notifying a group about new or resolved alerts (default 5m).'),
  repeat_interval: durationText().optional().describe('Wait before repeating an unchanged notification (default 4h).'),
};

export const routeSchema: z.ZodType<RouteConfig, unknown> = z.strictObject({
  ...routeFields,
  get routes(): z.ZodDefault<z.ZodArray<z.ZodType<RouteConfig, unknown>>> {
    return z.array(routeSchema).default([]);
  },
});

// ---------------------------------------------------------------- receivers

const sendResolved = z.boolean().default(true).describe('Also notify when alerts resolve.');

const slackSchema = z
  .strictObject({
    webhook_url: secretUrlRef('Slack incoming-webhook URL as ${ENV} (it carries a token).').optional(),
    webhook_url_file: secretUrlFile('File holding the Slack incoming-webhook URL.').optional(),
    channel: z.string().optional().describe('Channel override (legacy webhooks only).'),
    username: z.string().optional().describe('Bot name override.'),
    icon_emoji: z.string().optional().describe('Icon override, e.g. :rotating_light:.'),
    send_resolved: sendResolved,
  })
  .superRefine((v, ctx) => oneSecret(v, 'webhook_url', ctx));

const emailSchema = z
  .strictObject({
    to: z.array(z.email()).min(1).describe('Recipients.'),
    from: z.email().describe('Sender address.'),
    smarthost: z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port').describe('SMTP server host:port.'),
    hello: z.string().optional().describe('Name sent in EHLO.'),
    auth_username: z.string().optional().describe('SMTP user.'),
    auth_password: secretRef('SMTP password.').optional(),
    auth_password_file: secretFile('File holding the SMTP password.').optional(),
    secure: z.boolean().default(false).describe('Implicit TLS from the first byte (port 465); otherwise STARTTLS when offered.'),
    require_tls: z.boolean().default(true).describe('Refuse to send unless the connection is upgraded with STARTTLS (ignored with secure).'),
    tls: z
      .strictObject({
        ca_file: z.string().optional().describe('CA certificate (PEM) to trust.'),
        server_name: z.string().optional().describe('Name to verify the certificate against.'),
        insecure_skip_verify: z.boolean().default(false).describe('Accept any certificate (testing only).'),
      })
      .prefault({}),
    subject: template('Subject; default "[FIRING:n] alertname model".').optional(),
    send_resolved: sendResolved,
  })
  .superRefine((v, ctx) => {
    oneSecret(v, 'auth_password', ctx, false);
    if ((v.auth_password || v.auth_password_file) && !v.auth_username) ctx.addIssue({ code: 'custom', path: ['auth_username'], message: 'required when a password is given' });
  });

const pagerdutySchema = z
  .strictObject({
    routing_key: secretRef('Events API v2 integration (routing) key.').optional(),
    routing_key_file: secretFile('File holding the routing key.').optional(),
    url: httpUrl('Events API base URL.').default('https://events.pagerduty.com'),
    source: z.string().default('driftwatch').describe('payload.source of each event.'),
    client: z.string().default('driftwatch').describe('Name shown as the event client.'),
    client_url: httpUrl('Link shown with the client name.').optional(),
    send_resolved: sendResolved,
  })
  .superRefine((v, ctx) => oneSecret(v, 'routing_key', ctx));

const alertmanagerSchema = z
  .strictObject({
    url: httpUrl('Alertmanager base URL, e.g. http://alertmanager:9093.'),
    bearer_token: secretRef('Bearer token for an Alertmanager behind a proxy.').optional(),
    bearer_token_file: secretFile('File holding the bearer token.').optional(),
    send_resolved: sendResolved,
  })
  .superRefine((v, ctx) => oneSecret(v, 'bearer_token', ctx, false));

const webhookSchema = z
  .strictObject({
    url: httpUrl('Endpoint receiving the Alertmanager-style JSON body.'),
    bearer_token: secretRef('Bearer token sent in Authorization.').optional(),
    bearer_token_file: secretFile('File holding the bearer token.').optional(),
    secret: secretRef('Standard Webhooks signing secret (whsec_<base64> or raw); signs the body when set.').optional(),
    secret_file: secretFile('File holding the signing secret.').optional(),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra headers.'),
    send_resolved: sendResolved,
  })
  .superRefine((v, ctx) => {
    oneSecret(v, 'bearer_token', ctx, false);
    oneSecret(v, 'secret', ctx, false);
  });

export const receiverSchema = z.strictObject({
  name: z.string().min(1).describe('Receiver name, referenced by routes.'),
  slack_configs: z.array(slackSchema).default([]),
  email_configs: z.array(emailSchema).default([]),
  pagerduty_configs: z.array(pagerdutySchema).default([]),
  alertmanager_configs: z.array(alertmanagerSchema).default([]),
  webhook_configs: z.array(webhookSchema).default([]),
});

export type ReceiverConfig = z.output<typeof receiverSchema>;
export type SlackConfig = z.output<typeof slackSchema>;
export type EmailConfig = z.output<typeof emailSchema>;
export type PagerDutyConfig = z.output<typeof pagerdutySchema>;
export type AlertmanagerConfig = z.output<typeof alertmanagerSchema>;
export type WebhookConfig = z.output<typeof webhookSchema>;

// ---------------------------------------------------------------- inhibition, actions

export const inhibitSchema = z.strictObject({
  source_matchers: z.array(matcher).min(1).describe('Alerts that mute others while firing.'),
  target_matchers: z.array(matcher).min(1).describe('Alerts that get muted.'),
  equal: z.array(labelName).default([]).describe('Labels source and target must share, e.g. [model, version].'),
});
export type InhibitConfig = z.output<typeof inhibitSchema>;

export const actionSchema = z
  .strictObject({
    name: z.string().min(1).describe('Action name, referenced by rules.'),
    type: z.enum(['retrain', 'rollback']).describe('retrain or rollback; decides the payload.'),
    url: httpUrl('Endpoint receiving the signed webhook.'),
    secret: secretRef('Standard Webhooks secret: whsec_<base64> (the key is the decoded bytes) or any other string (its UTF-8 bytes).').optional(),
    secret_file: secretFile('File holding the signing secret.').optional(),
    cooldown: duration('1h').describe('At most one delivery per model within this time.'),
    dry_run: z.boolean().default(false).describe('Decide and record, but send nothing.'),
    timeout: duration('10s').describe('Timeout of one delivery attempt.'),
    retry_horizon: duration('24h').describe('Give up retrying after this long.'),
    headers: z.record(z.string(), z.string()).default({}).describe('Extra headers.'),
  })
  .superRefine((v, ctx) => {
    oneSecret(v, 'secret', ctx);
    const s = (v.secret ?? v.secret_file) as Secret | undefined;
    if (s && s.reveal().startsWith('whsec_') && !/^[A-Za-z0-9+/]+={0,2}$/.test(s.reveal().slice(6))) {
      ctx.addIssue({ code: 'custom', path: [v.secret ? 'secret' : 'secret_file'], message: 'a whsec_ secret must be followed by base64 (value not shown)' });
    }
  });
export type ActionConfig = z.output<typeof actionSchema>;

// ---------------------------------------------------------------- the section

export const alertsSchema = z
  .strictObject({
    enabled: z.boolean().default(true).describe('Evaluate rules after each detector run and deliver notifications.'),
    external_url: httpUrl('URL of this driftwatch, used for links back from notifications.').optional(),
    rules: z.array(ruleSchema).default([]).describe('Alerting rules.'),
    route: routeSchema.optional().describe('Root of the route tree: receiver, matchers, continue, group_by, group_wait, group_interval, repeat_interval, routes (see Alerts). Required when receivers are configured.'),
    receivers: z.array(receiverSchema).default([]).describe('Notification receivers.'),
    inhibit_rules: z.array(inhibitSchema).default([]).describe('Firing source alerts mute matching target alerts.'),
    actions: z.array(actionSchema).default([]).describe('Signed retrain and rollback webhooks.'),
    delivery: z
      .strictObject({
        timeout: duration('10s').describe('Timeout of one notification request.'),
        attempts: z.number().int().min(1).default(4).describe('Attempts per notification before it waits for the next group_interval.'),
        backoff_base: duration('500ms').describe('First retry delay.'),
        backoff_max: duration('30s').describe('Largest retry delay.'),
      })
      .prefault({}),
    outbox: z
      .strictObject({
        poll_interval: duration('1s').describe('How often the outbox looks for due deliveries.'),
        backoff_base: duration('1s').describe('First retry delay of an action webhook.'),
        backoff_max: duration('10m').describe('Largest retry delay of an action webhook.'),
      })
      .prefault({}),
    silences: z.strictObject({ refresh_interval: duration('10s').describe('How often silences are re-read from the store.') }).prefault({}),
    resolved_retention: duration('24h').describe('How long resolved alerts stay listed in /v1/alerts.'),
  })
  .superRefine((a, ctx) => {
    const receivers = new Set<string>();
    a.receivers.forEach((r, i) => {
      if (receivers.has(r.name)) ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `duplicate receiver name ${r.name}` });
      receivers.add(r.name);
    });
    const known = [...receivers].join(', ') || 'none configured';
    if (a.route) {
      if (!a.route.receiver) ctx.addIssue({ code: 'custom', path: ['route', 'receiver'], message: 'the root route needs a receiver' });
      const walk = (r: RouteConfig, path: (string | number)[]): void => {
        if (r.receiver !== undefined && !receivers.has(r.receiver)) ctx.addIssue({ code: 'custom', path: [...path, 'receiver'], message: `unknown receiver ${r.receiver} (receivers: ${known})` });
        r.routes.forEach((c, i) => walk(c, [...path, 'routes', i]));
      };
      walk(a.route, ['route']);
    } else if (a.receivers.length > 0) {
      ctx.addIssue({ code: 'custom', path: ['route'], message: 'required when receivers are configured' });
    }
    const actions = new Set<string>();
    a.actions.forEach((x, i) => {
      if (actions.has(x.name)) ctx.addIssue({ code: 'custom', path: ['actions', i, 'name'], message: `duplicate action name ${x.name}` });
      actions.add(x.name);
    });
    const rules = new Set<string>();
    a.rules.forEach((r, i) => {
      if (rules.has(r.name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'name'], message: `duplicate rule name ${r.name}` });
      rules.add(r.name);
      r.actions.forEach((name, j) => {
        if (!actions.has(name)) ctx.addIssue({ code: 'custom', path: ['rules', i, 'actions', j], message: `unknown action ${name} (actions: ${[...actions].join(', ') || 'none configured'})` });
      });
    });
  })
  .prefault({});

export type AlertsConfig = z.output<typeof alertsSchema>;
export type AlertsConfigInput = NonNullable<z.input<typeof alertsSchema>>;
