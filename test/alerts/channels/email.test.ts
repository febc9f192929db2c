// Email through nodemailer to a real SMTP server in this process (npm
// smtp-server), parsed with mailparser: HTML and text, one mail per group,
// auth, STARTTLS verified against a CA file, implicit TLS, 4xx retried,
// 5xx final, password never logged.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EmailChannel } from '../../../alerts/channels/email.ts';
import type { EmailConfig } from '../../../alerts/config.ts';
import { Secret } from '../../../src/core/config/secret.ts';
import { alertOf, captureLogger, fastDelivery, notificationOf, resolvedOf } from '../helpers.ts';
import { startSmtp, TLS_DIR, type SmtpSink } from '../smtp.ts';

const PASSWORD = 'smtp-Pa55word-xyz';

let servers: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function smtp(opts: Parameters<typeof startSmtp>[0] = {}): Promise<SmtpSink> {
  const s = await startSmtp({ password: PASSWORD, ...opts });
  servers.push(s);
  return s;
}

function cfg(port: number, over: Partial<EmailConfig> = {}): EmailConfig {
  return {
    to: ['oncall@example.com', 'ml@example.com'],
    from: 'driftwatch@example.com',
    smarthost: `127.0.0.1:${port}`,
    secure: false,
    require_tls: true,
    tls: { ca_file: join(TLS_DIR, 'ca.pem'), server_name: 'localhost', insecure_skip_verify: false },
    auth_username: 'driftwatch',
    auth_password: new Secret(PASSWORD),
    send_resolved: true,
    ...over,
  };
}

describe('email', () => {
  it('one mail per group over verified STARTTLS with auth: subject, text and HTML bodies', async () => {
    const s = await smtp();
    const log = captureLogger();
    const ch = new EmailChannel(cfg(s.port), { receiver: 'team', logger: log.logger, delivery: fastDelivery });
    const firing = alertOf();
    await ch.send(notificationOf([firing, resolvedOf(alertOf({ feature: 'country' }))]));
    await ch.shutdown();
    expect(s.mails).toHaveLength(1);
    expect(s.envelopes).toEqual([{ from: 'driftwatch@example.com', to: ['oncall@example.com', 'ml@example.com'], user: 'driftwatch', secure: true }]);
    const m = s.mails[0]!;
    expect(m.subject).toBe('[FIRING:1, RESOLVED:1] feature-drift fraud/v13');
    expect(m.text).toContain('FIRING (critical) feature-drift');
    expect(m.text).toContain('model fraud  version v13  feature amount  metric psi');
    expect(m.text).toContain('value 0.31  threshold 0.25');
    expect(m.text).toContain('RESOLVED (critical) feature-drift');
    expect(m.text).toContain('Runbook: https://runbooks.example/drift');
    expect(m.html).toContain('<td style="color:#c0392b;font-weight:bold">FIRING</td>');
    expect(m.html).toContain('<td style="color:#27ae60;font-weight:bold">RESOLVED</td>');
    expect(m.html).toContain('<a href="https://grafana.example/d/drift?model=fraud">Dashboard</a>');
    expect(log.text()).not.toContain(PASSWORD);
  });

  it('a subject template; HTML is escaped', async () => {
    const s = await smtp();
    const ch = new EmailChannel(cfg(s.port, { subject: '[{{status}}] {{count}} alert(s) on {{model}}' }), { receiver: 'team', logger: captureLogger().logger, delivery: fastDelivery });
    await ch.send(notificationOf([alertOf({ annotations: { summary: '<script>x</script>' } })]));
    expect(s.mails[0]?.subject).toBe('[firing] 1 alert(s) on fraud');
    expect(s.mails[0]?.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(s.mails[0]?.html).not.toContain('<script>');
  });

  it('implicit TLS (secure) and a certificate that does not verify', async () => {
    const s = await smtp({ secure: true });
    await new EmailChannel(cfg(s.port, { secure: true }), { receiver: 'team', logger: captureLogger().logger, delivery: fastDelivery }).send(notificationOf([alertOf()]));
    expect(s.envelopes[0]?.secure).toBe(true);
    const wrongName = new EmailChannel(cfg(s.port, { secure: true, tls: { ca_file: join(TLS_DIR, 'ca.pem'), server_name: 'mail.example.com', insecure_skip_verify: false } }), {
      receiver: 'team',
      logger: captureLogger().logger,
      delivery: { ...fastDelivery, attempts: 1 },
    });
    await expect(wrongName.send(notificationOf([alertOf()]))).rejects.toThrow(/email mail to smtp:\/\/127\.0\.0\.1:\d+ failed.*(altname|certificate|Hostname)/i);
  });

  it('SMTP 4xx is retried, 5xx is final', async () => {
    const s = await smtp({ failWith: (n) => (n === 0 ? { code: 451, message: 'try again later' } : null) });
    await new EmailChannel(cfg(s.port), { receiver: 'team', logger: captureLogger().logger, delivery: fastDelivery }).send(notificationOf([alertOf()]));
    expect(s.mails).toHaveLength(1);
    const hard = await smtp({ failWith: () => ({ code: 550, message: 'mailbox unavailable' }) });
    const log = captureLogger();
    const err = await new EmailChannel(cfg(hard.port), { receiver: 'team', logger: log.logger, delivery: fastDelivery }).send(notificationOf([alertOf()])).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DW_ALERT_DELIVERY', message: expect.stringMatching(/failed: SMTP 550: .*mailbox unavailable/) });
    expect(log.lines.filter((l) => l.includes('retrying'))).toHaveLength(0);
  });

  it('wrong password is final; an unreachable server fails after its attempts', async () => {
    const s = await smtp();
    const log = captureLogger();
    const bad = new EmailChannel(cfg(s.port, { auth_password: new Secret('wrong-password-123') }), { receiver: 'team', logger: log.logger, delivery: fastDelivery });
    await expect(bad.send(notificationOf([alertOf()]))).rejects.toThrow(/SMTP 535|authentication/i);
    await s.close();
    servers = [];
    const gone = new EmailChannel(cfg(s.port), { receiver: 'team', logger: log.logger, delivery: fastDelivery });
    await expect(gone.send(notificationOf([alertOf()]))).rejects.toThrow(/failed after retries: .*ECONNREFUSED/);
    expect(log.text()).not.toContain('wrong-password-123');
  });

  it('a missing CA file fails when the channel is built, not at the first alert', () => {
    expect(() => new EmailChannel(cfg(25, { tls: { ca_file: '/nonexistent/ca.pem', insecure_skip_verify: false } }), { receiver: 'team', logger: captureLogger().logger, delivery: fastDelivery })).toThrow(/ENOENT/);
  });
});
