// Shared by the alerting tests: score rows, a loopback HTTP receiver with
// scripted answers, a log capture, and a small wait helper.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLogger, type Logger } from '../../src/core/log/logger.ts';
import type { ScoreRow, ScoreRun } from '../../alerts/score.ts';

export function score(over: Partial<ScoreRow> = {}): ScoreRow {
  return {
    run_id: 'run-1',
    run_at: '2026-11-23T18:00:00.000Z',
    detector: 'drift',
    model: 'fraud',
    model_version: 'v13',
    segment: '',
    feature: 'amount',
    metric: 'psi',
    value: 0.05,
    p_value: null,
    threshold: 0.2,
    status: 'ok',
    ...over,
  };
}

let runCounter = 0;
/** A run whose rows share its run_id and run_at. */
export function run(rows: Array<Partial<ScoreRow>>, at = new Date(Date.parse('2026-11-23T18:00:00.000Z') + runCounter * 3_600_000)): ScoreRun {
  const run_id = `run-${++runCounter}`;
  const run_at = at.toISOString();
  return { run_id, run_at, scores: rows.map((r) => score({ ...r, run_id, run_at })) };
}

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: unknown;
  at: number;
}

export interface Reply {
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  /** Answer after this long (a slow receiver). */
  delayMs?: number;
  /** Never answer (the client must time out). */
  hang?: boolean;
}

export type ReplyFn = (req: Received, index: number) => Reply | undefined;

export interface Receiver {
  url: string;
  port: number;
  requests: Received[];
  reply: ReplyFn;
  waitFor(n: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(reply: ReplyFn = () => undefined, port = 0): Promise<Receiver> {
  const requests: Received[] = [];
  const hanging = new Set<ServerResponse>();
  const r: Partial<Receiver> & { reply: ReplyFn } = { reply };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: unknown = undefined;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const received: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, json, at: Date.now() };
      const index = requests.length;
      requests.push(received);
      const answer = r.reply(received, index) ?? {};
      if (answer.hang) {
        hanging.add(res);
        return;
      }
      const send = (): void => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'text/plain', ...answer.headers });
        res.end(answer.body ?? 'ok');
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const p = (server.address() as AddressInfo).port;
  r.url = `http://127.0.0.1:${p}`;
  r.port = p;
  r.requests = requests;
  r.waitFor = async (n, timeoutMs = 10_000) => {
    await waitUntil(() => requests.length >= n, timeoutMs, `${n} request(s) at ${r.url} (got ${requests.length})`);
    return requests;
  };
  r.close = async () => {
    for (const res of hanging) res.destroy();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return r as Receiver;
}

export async function waitUntil(cond: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs}ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A logger that keeps every line (JSON) for assertions and secret greps. */
export function captureLogger(level: 'debug' | 'info' = 'debug'): { logger: Logger; lines: string[]; text: () => string } {
  const lines: string[] = [];
  return { logger: createLogger({ level, sink: (l) => lines.push(l) }), lines, text: () => lines.join('\n') };
}

import type { Alert } from '../../alerts/alert.ts';
import { fingerprint } from '../../alerts/labels.ts';
import { buildNotification, type Notification } from '../../alerts/notification.ts';
import type { DeliveryPolicy } from '../../alerts/channels/delivery.ts';

/** A firing (or resolved) alert as the engine would hand it over. */
export function alertOf(over: Partial<Alert> & { feature?: string } = {}): Alert {
  const { feature = 'amount', ...rest } = over;
  const identity: Record<string, string> = { alertname: 'feature-drift', model: 'fraud', version: 'v13', metric: 'psi', ...(feature ? { feature } : {}) };
  const severity = rest.severity ?? 'critical';
  const t0 = Date.parse('2026-11-23T18:00:00.000Z');
  return {
    fingerprint: fingerprint(identity),
    rule: 'feature-drift',
    labels: { ...identity, severity },
    annotations: { summary: `psi 0.31 on fraud/v13 feature ${feature}`, runbook_url: 'https://runbooks.example/drift', dashboard_url: 'https://grafana.example/d/drift?model=fraud' },
    state: 'firing',
    severity,
    value: 0.31,
    threshold: 0.25,
    breachRuns: 2,
    okRuns: 0,
    activeAt: t0,
    firedAt: t0 + 3_600_000,
    lastBreachAt: t0 + 3_600_000,
    resolvedAt: null,
    lastRunId: 'run-2',
    evidence: [
      { run_id: 'run-2', run_at: '2026-11-23T19:00:00.000Z', detector: 'drift', model: 'fraud', model_version: 'v13', segment: '', feature, metric: 'psi', value: 0.31, p_value: null, detector_threshold: 0.2, threshold: 0.25, status: 'alert', severity },
    ],
    updatedAt: t0 + 3_600_000,
    ...rest,
  };
}

export function resolvedOf(a: Alert): Alert {
  return { ...a, state: 'resolved', resolvedAt: (a.firedAt ?? 0) + 3_600_000, value: 0.02 };
}

export function notificationOf(alerts: Alert[], receiver = 'team'): Notification {
  return buildNotification({ receiver, groupKey: '0:[["alertname","feature-drift"],["model","fraud"]]', groupLabels: { alertname: 'feature-drift', model: 'fraud' }, alerts, externalUrl: 'http://driftwatch.local:8080', now: Date.now() });
}

export const fastDelivery: DeliveryPolicy = { timeoutMs: 2_000, attempts: 3, baseMs: 50, maxMs: 200 };
