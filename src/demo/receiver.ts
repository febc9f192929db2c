// A loopback webhook receiver for the demo: prints what driftwatch's alert
// pipeline delivers, as a real receiver (Slack, PagerDuty, ...) would get it.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface DemoReceiver {
  url: string;
  received: unknown[];
  close(): Promise<void>;
}

export async function startDemoReceiver(onMessage: (body: unknown) => void): Promise<DemoReceiver> {
  const received: unknown[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        received.push(body);
        onMessage(body);
      } catch {
        // not JSON: ignore
      }
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, received, close: () => new Promise((r) => server.close(() => r())) };
}
