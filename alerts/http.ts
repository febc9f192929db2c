// HTTP API of alerting under /v1: alerts, and silences (create, list, get,
// expire), the same operations the `driftwatch silences` CLI uses.
import { HttpError, type Router } from '../src/core/http/router.ts';
import { isDriftwatchError } from '../src/core/errors.ts';
import type { Alert } from './alert.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AlertingComponent } from './component.ts';
import { silenceJson, type SilenceState } from './silences.ts';

function toHttp(e: unknown): never {
  if (isDriftwatchError(e, 'DW_ALERT_SILENCE_INVALID')) throw new HttpError(400, e.message, { code: e.code, problems: e.details?.problems });
  if (isDriftwatchError(e, 'DW_ALERT_SILENCE_NOT_FOUND')) throw new HttpError(404, e.message, { code: e.code });
  throw e;
}

function alertJson(a: Alert, muted: { silencedBy: string[]; inhibitedBy: string[] } | null): Record<string, unknown> {
  return {
    fingerprint: a.fingerprint,
    rule: a.rule,
    state: a.state,
    labels: a.labels,
    annotations: a.annotations,
    severity: a.severity,
    value: a.value,
    threshold: a.threshold,
    active_at: a.activeAt === null ? null : new Date(a.activeAt).toISOString(),
    fired_at: a.firedAt === null ? null : new Date(a.firedAt).toISOString(),
    resolved_at: a.resolvedAt === null ? null : new Date(a.resolvedAt).toISOString(),
    status: { silenced_by: muted?.silencedBy ?? [], inhibited_by: muted?.inhibitedBy ?? [] },
    evidence: a.evidence,
  };
}

export function registerAlertRoutes(router: Router, alerting: AlertingComponent, clock: Clock = systemClock): void {
  const ready = (): void => {
    if (!alerting.started) throw new HttpError(503, 'alerting is not started yet');
  };

  router.add('GET', '/v1/alerts', async (req) => {
    ready();
    const state = req.query.get('state');
    const alerts = alerting.engine.list().filter((a) => !state || a.state === state);
    return { status: 200, body: { alerts: alerts.map((a) => alertJson(a, alerting.mutedBy(a))) } };
  });

  router.add('GET', '/v1/silences', async (req) => {
    ready();
    const state = req.query.get('state');
    if (state !== null && !['active', 'pending', 'expired'].includes(state)) throw new HttpError(400, 'state must be active, pending or expired');
    await alerting.silences.refresh();
    const now = clock.now();
    return { status: 200, body: { silences: alerting.silences.list((state as SilenceState | null) ?? undefined).map((s) => silenceJson(s, now)) } };
  });

  router.add('POST', '/v1/silences', async (req) => {
    ready();
    const body = await req.json(64 * 1024);
    try {
      const s = await alerting.silences.create(body);
      return { status: 201, body: { silence: silenceJson(s, clock.now()) } };
    } catch (e) {
      return toHttp(e);
    }
  });

  router.add('GET', '/v1/silences/:id', async (req) => {
    ready();
    await alerting.silences.refresh();
    try {
      return { status: 200, body: { silence: silenceJson(alerting.silences.get(req.params.id ?? ''), clock.now()) } };
    } catch (e) {
      return toHttp(e);
    }
  });

  router.add('DELETE', '/v1/silences/:id', async (req) => {
    ready();
    try {
      const s = await alerting.silences.expire(req.params.id ?? '');
      return { status: 200, body: { silence: silenceJson(s, clock.now()) } };
    } catch (e) {
      return toHttp(e);
    }
  });
}
