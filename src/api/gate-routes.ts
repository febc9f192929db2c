// The rollout gate over HTTP.
//   GET  /v1/gate?model=&candidate=&baseline=[&policy=][&window=][&since=ISO][&end=ISO]
//        200 with {verdict, checks, reasons, evidence_url, ...} for every
//        verdict (Argo Rollouts' web provider reads the JSON; a non-2xx would
//        count as a measurement error, not a failure).
//   POST /v1/gate/flagger[?expect=pass|fail]
//        Flagger's webhook contract: the body is Flagger's payload, the
//        parameters come from its `metadata` (or the query); only the status
//        code is read. 200 when the verdict is `expect` (default pass), 412
//        otherwise. As a confirm-promotion or rollout hook: promote on pass.
//        With expect=fail as a rollback hook: roll back on fail.
//        Flagger cannot send headers, so when tokens are configured the token
//        may come as metadata.token instead of Authorization: Bearer; it is
//        checked by the same Authenticator, with the route's scope.
import { z } from 'zod';
import type { GateReport } from '../../detectors/gate/types.ts';
import { formatIssues } from '../core/config/format-issues.ts';
import { HttpError, type HttpRequest, type Router } from '../core/http/router.ts';
import { parseDuration } from '../core/util/duration.ts';
import { Authenticator, type TokenSpec } from '../http/auth.ts';
import { scopeFor } from '../http/scopes.ts';
import { UnknownPolicyError, type GateAsk, type GateService } from './gate-service.ts';

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'must be a duration like 30m, 1h or 24h');
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO-8601 time');

export const gateQuerySchema = z
  .strictObject({
    model: z.string().min(1, 'model is required'),
    candidate: z.string().min(1, 'candidate (the version being rolled out) is required'),
    baseline: z.string().min(1, 'baseline (the version it replaces) is required'),
    policy: z.string().min(1).optional(),
    window: duration.optional(),
    since: isoTime.optional(),
    end: isoTime.optional(),
  })
  .refine((q) => q.candidate !== q.baseline, { message: 'candidate and baseline must be different versions', path: ['candidate'] });

export type GateQuery = z.input<typeof gateQuerySchema>;

/** Validated query → what the service needs; throws an Error with `issues` (`path: problem` lines). */
export function gateAsk(raw: Record<string, unknown>): GateAsk {
  const parsed = gateQuerySchema.safeParse(raw);
  if (!parsed.success) throw Object.assign(new Error('invalid request'), { issues: formatIssues(parsed.error.issues) });
  const q = parsed.data;
  const windowMs = q.window === undefined ? undefined : parseDuration(q.window);
  if (windowMs !== undefined && windowMs <= 0) throw Object.assign(new Error('invalid request'), { issues: ['window: must be longer than 0'] });
  return {
    model: q.model,
    candidate: q.candidate,
    baseline: q.baseline,
    policy: q.policy,
    windowMs,
    since: q.since ? new Date(q.since) : undefined,
    end: q.end ? new Date(q.end) : undefined,
  };
}

function badRequest(e: unknown): HttpError {
  if (e instanceof UnknownPolicyError) return new HttpError(400, 'invalid request', [`policy: ${e.message}`]);
  return new HttpError(400, 'invalid request', (e as { issues?: string[] }).issues ?? [(e as Error).message]);
}

function parse(raw: Record<string, unknown>, service: GateService): GateAsk {
  try {
    const ask = gateAsk(raw);
    service.policy(ask.policy);
    return ask;
  } catch (e) {
    throw badRequest(e);
  }
}

const baseOf = (req: HttpRequest): string | null => (req.headers.host ? `http://${req.headers.host}` : null);

const flaggerBody = z.looseObject({
  name: z.string().optional(),
  namespace: z.string().optional(),
  phase: z.string().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
});

export function addGateRoutes(router: Router, service: GateService, opts: { tokens?: readonly TokenSpec[] } = {}): void {
  const auth = new Authenticator(opts.tokens ?? []);
  router.add('GET', '/v1/gate', async (req) => {
    const ask = parse(Object.fromEntries(req.query), service);
    return { status: 200, body: await service.decide({ ...ask, evidenceBase: baseOf(req) }, 'api') };
  });

  router.add(
    'POST',
    '/v1/gate/flagger',
    async (req) => {
      const body = flaggerBody.safeParse(await req.json(64 * 1024));
      if (!body.success) throw new HttpError(400, 'invalid request', formatIssues(body.error.issues));
      const { token, expect: expectMeta, ...meta } = body.data.metadata ?? {};
      if (!auth.open) {
        const header = req.headers.authorization ?? (token === undefined ? undefined : `Bearer ${token}`);
        auth.authorize(auth.authenticate(header), scopeFor('POST', '/v1/gate/flagger'));
      }
      const query = Object.fromEntries(req.query);
      const expect = expectMeta ?? query.expect ?? 'pass';
      delete query.expect;
      if (expect !== 'pass' && expect !== 'fail') throw new HttpError(400, 'invalid request', [`expect: must be pass or fail (got ${expect})`]);
      const ask = parse({ ...query, ...meta }, service);
      const report: GateReport = await service.decide({ ...ask, evidenceBase: baseOf(req) }, 'flagger');
      const summary = { verdict: report.verdict, expect, reasons: report.reasons, evidence_url: report.evidence_url, decision_id: report.decision_id, canary: { name: body.data.name, namespace: body.data.namespace, phase: body.data.phase } };
      return { status: report.verdict === expect ? 200 : 412, body: summary };
    },
    // Flagger cannot send an Authorization header: the token is checked above.
    { public: true },
  );
}
