// HTTP API of alerting under /v1: alerts, and silences (create, list, get,
// expire), the same operations the `driftwatch silences` CLI uses. Lists are
// paginated like every /v1 list: limit (1-1000, default 100) and offset, and
// a page carries next_offset (null on the last page).
import { z } from 'zod';
import { formatIssues } from '../src/core/config/format-issues.ts';
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

const paging = {
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).default(0),
};
const alertsQuery = z.strictObject({ state: z.enum(['pending', 'firing', 'resolved']).optional(), ...paging });
const silencesQuery = z.strictObject({ state: z.enum(['active', 'pending', 'expired']).optional(), ...paging });

function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const r = schema.safeParse(Object.fromEntries(query));
  if (!r.success) throw new HttpError(400, 'invalid query parameters', formatIssues(r.error.issues));
  return r.data;
}

/** One page of an in-memory list, in the shape of the other /v1 lists (items under `key`). */
function page<K extends string, T>(key: K, all: readonly T[], q: { limit: number; offset: number }): Record<K, T[]> & { limit: number; offset: number; next_offset: number | null } {
  const items = all.slice(q.offset, q.offset + q.limit);
  const next = q.offset + q.limit < all.length ? q.offset + q.limit : null;
  return { [key]: items, limit: q.limit, offset: q.offset, next_offset: next } as Record<K, T[]> & { limit: number; offset: number; next_offset: number | null };
}

/** Stable order for paging: newest episode first, then fingerprint. */
const byEpisode = (a: Alert, b: Alert): number => {
  const ta = a.activeAt ?? a.firedAt ?? a.updatedAt;
  const tb = b.activeAt ?? b.firedAt ?? b.updatedAt;
  return tb - ta || (a.fingerprint < b.fingerprint ? -1 : a.fingerprint > b.fingerprint ? 1 : 0);
};

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
    actions: a.actions ?? [],
  };
}

export function registerAlertRoutes(router: Router, alerting: AlertingComponent, clock: Clock = systemClock): void {
  const ready = (): void => {
    if (!alerting.started) throw new HttpError(503, 'alerting is not started yet');
  };

  router.add('GET', '/v1/alerts', async (req) => {
    ready();
    const q = parseQuery(alertsQuery, req.query);
    const alerts = alerting.engine
      .list()
      .filter((a) => !q.state || a.state === q.state)
      .sort(byEpisode);
    const p = page('alerts', alerts, q);
    return { status: 200, body: { ...p, alerts: p.alerts.map((a) => alertJson(a, alerting.mutedBy(a))) } };
  });

  router.add('GET', '/v1/silences', async (req) => {
    ready();
    const q = parseQuery(silencesQuery, req.query);
    await alerting.silences.refresh();
    const now = clock.now();
    const all = alerting.silences.list(q.state as SilenceState | undefined);
    const p = page('silences', all, q);
    return { status: 200, body: { ...p, silences: p.silences.map((s) => silenceJson(s, now)) } };
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
