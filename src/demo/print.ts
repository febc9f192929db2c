// How the demo prints what its receiver gets: one readable line per alert,
// and a rollback webhook with its verified signature.
import type { ReceivedAction, ReceivedAlerts } from './receiver.ts';

const num = (v: unknown): string => (typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : String(Number(v.toPrecision(3)))) : '–');

export function alertLines(m: ReceivedAlerts): string[] {
  return (m.body.alerts ?? []).map((a) => {
    const l = a.labels;
    const what = `${l.metric ?? ''}${l.feature ? `(${l.feature})` : ''} = ${num(a.value)}${a.threshold !== null && a.threshold !== undefined ? ` (threshold ${num(a.threshold)})` : ''}`;
    return `ALERT ${String(a.status ?? m.body.status).toUpperCase()} ${l.alertname} [${l.severity ?? ''}] ${l.model}/${l.version}: ${what}`;
  });
}

export function actionLines(m: ReceivedAction): string[] {
  const b = m.body as { type?: string; model?: string; current_version?: string; target_version?: string; alert?: { rule?: string }; reasons?: unknown[] };
  const head = `${String(b.type ?? 'action').toUpperCase()} webhook ${m.webhookId}: ${b.model} ${b.current_version} -> ${b.target_version} (rule ${b.alert?.rule ?? '?'}, ${b.reasons?.length ?? 0} reason${b.reasons?.length === 1 ? '' : 's'})`;
  const sig = m.signatureError
    ? `signature NOT verified: ${m.signatureError}`
    : 'signature verified (Standard Webhooks: HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>" with the demo secret)';
  return [head, `  ${sig}`];
}
