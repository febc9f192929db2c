// The demo's local receiver, standing in for Slack/PagerDuty and for a
// deployment system: /alerts takes the alert webhook (Alertmanager's body),
// /rollback takes the signed action webhook and verifies its Standard
// Webhooks signature as a real receiver must.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from '../../alerts/actions/sign.ts';

export interface ReceivedAlerts {
  kind: 'alerts';
  body: AlertWebhookBody;
}

export interface ReceivedAction {
  kind: 'action';
  body: Record<string, unknown>;
  webhookId: string;
  /** null when verified; else why not. */
  signatureError: string | null;
}

export interface AlertWebhookBody {
  status?: string;
  alerts?: Array<{ status?: string; labels: Record<string, string>; annotations?: Record<string, string>; value?: number | null; threshold?: number | null }>;
}

export interface DemoReceiver {
  /** Base URL; alerts go to `${url}/alerts`, actions to `${url}/rollback`. */
  url: string;
  received: Array<ReceivedAlerts | ReceivedAction>;
  close(): Promise<void>;
}

export async function startDemoReceiver(opts: { secret?: string; onMessage: (m: ReceivedAlerts | ReceivedAction) => void }): Promise<DemoReceiver> {
  const received: Array<ReceivedAlerts | ReceivedAction> = [];
  const handle = (path: string, headers: IncomingHttpHeaders, raw: string): void => {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return;
    }
    let m: ReceivedAlerts | ReceivedAction;
    if (path.startsWith('/rollback')) {
      let signatureError: string | null = null;
      let webhookId = String(headers['webhook-id'] ?? '');
      try {
        webhookId = verifyWebhook({ secret: opts.secret ?? '', headers, body: raw });
      } catch (e) {
        signatureError = (e as Error).message;
      }
      m = { kind: 'action', body: body as Record<string, unknown>, webhookId, signatureError };
    } else m = { kind: 'alerts', body: body as AlertWebhookBody };
    received.push(m);
    opts.onMessage(m);
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req.url ?? '/', req.headers, Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
