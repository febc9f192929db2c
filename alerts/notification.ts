// What a receiver is told about one group: the Alertmanager notification
// model (group labels, common labels and annotations, firing and resolved
// alerts), with driftwatch's evidence attached to each alert.
import { randomUUID } from 'node:crypto';
import type { ActionRecord, Alert, Evidence } from './alert.ts';
import type { Severity } from './config.ts';
import type { Labels } from './labels.ts';

export interface NotifiedAlert {
  fingerprint: string;
  status: 'firing' | 'resolved';
  rule: string;
  labels: Labels;
  annotations: Readonly<Record<string, string>>;
  severity: Severity;
  /** When the alert started firing (ISO). */
  startsAt: string;
  /** When it resolved (ISO), null while firing. */
  endsAt: string | null;
  value: number | null;
  threshold: number | null;
  evidence: ReadonlyArray<Evidence>;
  /** What the rule's actions did when the alert started firing (e.g. a rollback with no_healthy_target); empty without actions. */
  actions: ReadonlyArray<ActionRecord>;
  /** Link back to driftwatch when alerts.external_url is set. */
  generatorUrl: string | null;
}

export interface Notification {
  /** Unique per notification (not per alert). */
  id: string;
  receiver: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  groupLabels: Labels;
  commonLabels: Labels;
  commonAnnotations: Readonly<Record<string, string>>;
  alerts: ReadonlyArray<NotifiedAlert>;
  externalUrl: string | null;
  /** How long firing alerts should stay active on the far side without a resend (ms). */
  validForMs: number;
  /** ms */
  sentAt: number;
}

function common<T extends Readonly<Record<string, string>>>(items: ReadonlyArray<T>): Record<string, string> {
  const first = items[0];
  if (!first) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(first)) if (items.every((i) => i[k] === v)) out[k] = v;
  return out;
}

export function notifiedAlert(a: Alert, externalUrl: string | null): NotifiedAlert {
  const firing = a.state === 'firing';
  return {
    fingerprint: a.fingerprint,
    status: firing ? 'firing' : 'resolved',
    rule: a.rule,
    labels: a.labels,
    annotations: a.annotations,
    severity: a.severity,
    startsAt: new Date(a.firedAt ?? a.activeAt ?? a.updatedAt).toISOString(),
    endsAt: firing ? null : new Date(a.resolvedAt ?? a.updatedAt).toISOString(),
    value: a.value,
    threshold: a.threshold,
    evidence: a.evidence,
    actions: a.actions ?? [],
    generatorUrl: externalUrl ? `${externalUrl.replace(/\/$/, '')}/#/alerts/${a.fingerprint}` : null,
  };
}

export function buildNotification(opts: {
  receiver: string;
  groupKey: string;
  groupLabels: Labels;
  alerts: ReadonlyArray<Alert>;
  externalUrl: string | null;
  validForMs: number;
  now: number;
}): Notification {
  const alerts = opts.alerts.map((a) => notifiedAlert(a, opts.externalUrl));
  // Firing first, then resolved; newest first within each.
  alerts.sort((x, y) => (x.status === y.status ? y.startsAt.localeCompare(x.startsAt) : x.status === 'firing' ? -1 : 1));
  return {
    id: randomUUID(),
    receiver: opts.receiver,
    groupKey: opts.groupKey,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    groupLabels: opts.groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    alerts,
    externalUrl: opts.externalUrl,
    validForMs: opts.validForMs,
    sentAt: opts.now,
  };
}

/** "[FIRING:2] feature-drift fraud/v13", "[RESOLVED:1] ...": the title of chat messages and mails. */
export function notificationTitle(n: Notification): string {
  const firing = n.alerts.filter((a) => a.status === 'firing').length;
  const resolved = n.alerts.length - firing;
  const name = n.commonLabels.alertname ?? (Object.values(n.groupLabels).join(' ') || 'alerts');
  const what = [n.groupLabels.model ?? n.commonLabels.model, n.commonLabels.version].filter(Boolean).join('/');
  const tail = `${name}${what ? ` ${what}` : ''}`;
  return n.status === 'firing' ? `[FIRING:${firing}${resolved ? `, RESOLVED:${resolved}` : ''}] ${tail}` : `[RESOLVED:${resolved}] ${tail}`;
}
