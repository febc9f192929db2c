// HTTP API of alerting under /v1: alerts, and silences (create, list, get,
// expire), the same operations the `driftwatch silences` CLI uses. Both
// lists are newest first and grow at the top, so they page with a cursor
// (limit 1-1000, default 100; `next`, null on the last page, is passed back
// as `cursor`): an offset would shift as alerts fire and silences are added.
import { z } from 'zod';
import { cursorPage, cursorParam, decodeCursor } from '../src/core/http/cursor.ts';
import { linesToErrors } from '../src/core/http/problem.ts';
import { HttpError, type Router } from '../src/core/http/router.ts';
import { isDriftwatchError } from '../src/core/errors.ts';
import type { Alert } from './alert.ts';
import { systemClock, type Clock } from './clock.ts';
import type { AlertingComponent } from './component.ts';
import { silenceJson, type SilenceState } from './silences.ts';

function toHttp(e: unknown): never {
  if (isDriftwatchError(e, 'DW_ALERT_SILENCE_INVALID')) {
    const problems = Array.isArray(e.details?.problems) ? (e.details.problems as string[]) : [];
    throw new HttpError(400, e.message, linesToErrors(problems, 'body'), undefined, e.code);
  }
  if (isDriftwatchError(e, 'DW_ALERT_SILENCE_NOT_FOUND')) throw new HttpError(404, e.message, undefined, undefined, e.code);
  throw e;
}

const paging = {
  limit: z.coerce.number().int().min(1).max(1000).default(100).describe('Items per page (1-1000).'),
  cursor: cursorParam,
};
export const alertsQuery = z.strictObject({ state: z.enum(['pending', 'firing', 'resolved']).optional(), ...paging });
export const silencesQuery = z.strictObject({ state: z.enum(['active', 'pending', 'expired']).optional(), ...paging });

function parseQuery<S extends z.ZodType>(schema: S, query: URLSearchParams): z.output<S> {
  const r = schema.safeParse(Object.fromEntries(query));
  if (!r.success) throw HttpError.invalid('query', r.error.issues);
  return r.data;
}

/** The sort key of an in-memory list: newest first (time descending), then an id ascending. */
type Key = readonly [number, string];
const before = (a: Key, b: Key): boolean => a[0] > b[0] || (a[0] === b[0] && a[1] < b[1]);

/**
 * One page of an in-memory list, after the cursor's row, with the items
 * under `name` (alerts, silences) like the other /v1 lists name theirs.
 */
function keysetPage<K extends string, T>(name: K, all: readonly T[], keyOf: (t: T) => Key, q: { limit: number; cursor?: string | undefined; state?: string | undefined }) {
  const filters = { state: q.state };
  const c = q.cursor === undefined ? null : (decodeCursor(q.cursor, ['number', 'string'], filters) as unknown as Key);
  const sorted = [...all].sort((a, b) => (before(keyOf(a), keyOf(b)) ? -1 : before(keyOf(b), keyOf(a)) ? 1 : 0));
  const rest = c ? sorted.filter((t) => before(c, keyOf(t))) : sorted;
  const p = cursorPage(rest.slice(0, q.limit + 1), q.limit, keyOf, filters);
  return { [name]: p.items, limit: p.limit, next: p.next } as Record<K, T[]> & { limit: number; next: string | null };
}

/** Newest episode first, then fingerprint. */
const episodeKey = (a: Alert): Key => [a.activeAt ?? a.firedAt ?? a.updatedAt, a.fingerprint];

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
    if (!alerting.started) throw new HttpError(503, 'alerting is not started yet', undefined, { 'retry-after': '1' }, 'DW_HTTP_UNAVAILABLE');
  };

  router.add('GET', '/v1/alerts', async (req) => {
    ready();
    const q = parseQuery(alertsQuery, req.query);
    const alerts = alerting.engine.list().filter((a) => !q.state || a.state === q.state);
    const p = keysetPage('alerts', alerts, episodeKey, q);
    return { status: 200, body: { ...p, alerts: p.alerts.map((a) => alertJson(a, alerting.mutedBy(a))) } };
  });

  router.add('GET', '/v1/silences', async (req) => {
    ready();
    const q = parseQuery(silencesQuery, req.query);
    await alerting.silences.refresh();
    const now = clock.now();
    const all = alerting.silences.list(q.state as SilenceState | undefined);
    const p = keysetPage('silences', all, (s) => [s.createdAt, s.id], q);
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
