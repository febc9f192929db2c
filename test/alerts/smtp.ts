// A real SMTP server in the test process (npm smtp-server) that parses every
// mail with mailparser. STARTTLS and implicit TLS use the test CA's
// certificate for localhost; AUTH accepts one user.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';

export const TLS_DIR = join(import.meta.dirname, 'fixtures/tls');

export interface SmtpSink {
  port: number;
  mails: ParsedMail[];
  envelopes: Array<{ from: string; to: string[]; user: string | undefined; secure: boolean }>;
  close(): Promise<void>;
}

export async function startSmtp(
  opts: Partial<SMTPServerOptions> & { user?: string; password?: string; failWith?: (n: number) => { code: number; message: string } | null } = {},
): Promise<SmtpSink> {
  const mails: ParsedMail[] = [];
  const envelopes: SmtpSink['envelopes'] = [];
  let n = 0;
  const { failWith, user = 'driftwatch', password = 'smtp-Pa55word-xyz', ...rest } = opts;
  const server = new SMTPServer({
    authOptional: true,
    key: readFileSync(join(TLS_DIR, 'server.key')),
    cert: readFileSync(join(TLS_DIR, 'server.pem')),
    logger: false,
    onAuth(auth, _session, cb) {
      if (auth.username === user && auth.password === password) cb(null, { user: auth.username });
      else cb(new Error('Invalid username or password'));
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const fail = failWith?.(n++);
        if (fail) {
          cb(Object.assign(new Error(fail.message), { responseCode: fail.code }));
          return;
        }
        envelopes.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          user: session.user as string | undefined,
          secure: session.secure,
        });
        void simpleParser(Buffer.concat(chunks)).then((m) => {
          mails.push(m);
          cb();
        });
      });
    },
    ...rest,
  });
  // A client that rejects our certificate hangs up mid-handshake; the server
  // reports that as an error event, which is expected in these tests.
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, mails, envelopes, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
