// Email through nodemailer over SMTP: one mail per group notification, with
// an HTML and a plain-text body. TLS: implicit (`secure`, port 465) or
// STARTTLS (required by default), with a CA file, a server name and, for
// tests only, skipping verification. SMTP 4xx and connection problems are
// retried; 5xx replies and authentication failures are final.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import type { EmailConfig } from '../config.ts';
import { notificationTitle, type Notification, type NotifiedAlert } from '../notification.ts';
import { formatNumber } from '../rules.ts';
import { renderTemplate } from '../template.ts';
import { BaseChannel, type ChannelContext } from './channel.ts';
import type { AttemptResult } from './delivery.ts';

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

export function emailSubject(n: Notification, template: string | undefined): string {
  if (!template) return notificationTitle(n);
  const firing = n.alerts.filter((a) => a.status === 'firing').length;
  return renderTemplate(
    template,
    { ...n.commonLabels, rule: n.commonLabels.alertname, status: n.status, count: n.status === 'firing' ? firing : n.alerts.length },
    { labels: n.commonLabels },
  );
}

function links(a: NotifiedAlert): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  if (a.annotations.runbook_url) out.push(['Runbook', a.annotations.runbook_url]);
  if (a.annotations.dashboard_url) out.push(['Dashboard', a.annotations.dashboard_url]);
  if (a.generatorUrl) out.push(['driftwatch', a.generatorUrl]);
  return out;
}

export function emailText(n: Notification): string {
  const lines = [notificationTitle(n), ''];
  for (const a of n.alerts) {
    lines.push(`${a.status === 'firing' ? 'FIRING' : 'RESOLVED'} (${a.severity}) ${a.rule}`);
    if (a.annotations.summary) lines.push(`  ${a.annotations.summary}`);
    lines.push(`  model ${a.labels.model ?? ''}  version ${a.labels.version ?? ''}  feature ${a.labels.feature ?? '(model)'}  metric ${a.labels.metric ?? ''}`);
    lines.push(`  value ${formatNumber(a.value)}  threshold ${formatNumber(a.threshold)}  since ${a.startsAt}${a.endsAt ? `  resolved ${a.endsAt}` : ''}`);
    for (const [name, url] of links(a)) lines.push(`  ${name}: ${url}`);
    lines.push('');
  }
  lines.push(`Group: ${Object.entries(n.groupLabels).map(([k, v]) => `${k}=${v}`).join(', ') || 'all alerts'}`);
  return lines.join('\n');
}

export function emailHtml(n: Notification): string {
  const rows = n.alerts
    .map((a) => {
      const color = a.status === 'firing' ? '#c0392b' : '#27ae60';
      const l = links(a)
        .map(([name, url]) => `<a href="${escapeHtml(url)}">${escapeHtml(name)}</a>`)
        .join(' · ');
      return `<tr>
<td style="color:${color};font-weight:bold">${a.status === 'firing' ? 'FIRING' : 'RESOLVED'}</td>
<td>${escapeHtml(a.severity)}</td>
<td>${escapeHtml(a.rule)}</td>
<td>${escapeHtml(a.labels.model ?? '')}</td>
<td>${escapeHtml(a.labels.version ?? '')}</td>
<td>${escapeHtml(a.labels.feature ?? '(model)')}</td>
<td>${escapeHtml(a.labels.metric ?? '')}</td>
<td>${escapeHtml(formatNumber(a.value))}</td>
<td>${escapeHtml(formatNumber(a.threshold))}</td>
<td>${escapeHtml(a.annotations.summary ?? '')}${l ? `<br>${l}` : ''}</td>
</tr>`;
    })
    .join('\n');
  return `<!doctype html>
<html><body style="font-family:sans-serif">
<h2>${escapeHtml(notificationTitle(n))}</h2>
<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">
<thead><tr><th>Status</th><th>Severity</th><th>Rule</th><th>Model</th><th>Version</th><th>Feature</th><th>Metric</th><th>Value</th><th>Threshold</th><th>Details</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<p style="color:#777">driftwatch · ${escapeHtml(Object.entries(n.groupLabels).map(([k, v]) => `${k}=${v}`).join(', ') || 'all alerts')}</p>
</body></html>`;
}

function classifySmtpError(e: unknown): AttemptResult {
  const err = e as { responseCode?: number; code?: string; message?: string };
  const message = err.message ?? String(e);
  if (typeof err.responseCode === 'number') {
    return { ok: false, retriable: err.responseCode < 500, status: err.responseCode, error: `SMTP ${err.responseCode}: ${message}` };
  }
  if (err.code === 'EAUTH') return { ok: false, retriable: false, error: `SMTP authentication failed: ${message}` };
  return { ok: false, retriable: true, error: `${err.code ? `${err.code}: ` : ''}${message}` };
}

export class EmailChannel extends BaseChannel {
  readonly type = 'email' as const;
  readonly #transport: Transporter;
  readonly #password: string | undefined;

  constructor(
    private readonly cfg: EmailConfig,
    ctx: ChannelContext,
  ) {
    super(ctx);
    const [host, port] = cfg.smarthost.split(':') as [string, string];
    this.#password = (cfg.auth_password ?? cfg.auth_password_file)?.reveal();
    // Read the CA now: a missing file is a start-up error, not a 3 a.m. one.
    const ca = cfg.tls.ca_file ? readFileSync(cfg.tls.ca_file) : undefined;
    const timeout = ctx.delivery.timeoutMs;
    this.#transport = nodemailer.createTransport({
      host,
      port: Number(port),
      secure: cfg.secure,
      requireTLS: !cfg.secure && cfg.require_tls,
      ...(cfg.hello ? { name: cfg.hello } : {}),
      ...(cfg.auth_username ? { auth: { user: cfg.auth_username, pass: this.#password ?? '' } } : {}),
      tls: {
        rejectUnauthorized: !cfg.tls.insecure_skip_verify,
        ...(ca ? { ca } : {}),
        ...(cfg.tls.server_name ? { servername: cfg.tls.server_name } : {}),
      },
      connectionTimeout: timeout,
      greetingTimeout: timeout,
      socketTimeout: timeout,
      logger: false,
      debug: false,
    });
  }

  protected target(): string {
    return `smtp://${this.cfg.smarthost}`;
  }

  protected override secrets(): string[] {
    return this.#password ? [this.#password] : [];
  }

  protected async deliver(n: Notification, signal: AbortSignal): Promise<void> {
    const mail = { from: this.cfg.from, to: this.cfg.to, subject: emailSubject(n, this.cfg.subject), text: emailText(n), html: emailHtml(n) };
    await this.attempts(
      'mail',
      async (s) => {
        const aborted = new Promise<never>((_, reject) => {
          if (s.aborted) reject(new Error('aborted'));
          s.addEventListener('abort', () => reject(new Error(s.reason instanceof Error && s.reason.name === 'TimeoutError' ? 'timed out' : 'aborted')), { once: true });
        });
        try {
          await Promise.race([this.#transport.sendMail(mail), aborted]);
          return { ok: true };
        } catch (e) {
          return classifySmtpError(e);
        }
      },
      signal,
    );
  }

  protected override async close(): Promise<void> {
    this.#transport.close();
  }
}
