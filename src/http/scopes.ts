// The one table of which token scope each /v1 route needs. Routes are
// registered by several components (API, ingest, alerting); their scope is
// decided here so it can be reviewed in one place, and a test checks that
// every route the daemon registers is listed. A /v1 route missing from the
// table needs `admin` (fail closed).
//
//   ingest  model servers: POST predictions and labels, nothing else
//   read    the GET API, read-only SQL, the dashboard
//   admin   what changes state: silences, baseline imports, detect, backfill
export const SCOPES = ['ingest', 'read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const ROUTE_SCOPES: Readonly<Record<string, Scope>> = {
  'POST /v1/predictions': 'ingest',
  'POST /v1/labels': 'ingest',

  'GET /v1/models': 'read',
  'GET /v1/scores/latest': 'read',
  'GET /v1/scores/history': 'read',
  'GET /v1/runs': 'read',
  'GET /v1/versions/compare': 'read',
  'GET /v1/baselines': 'read',
  'GET /v1/alerts': 'read',
  'GET /v1/silences': 'read',
  'GET /v1/silences/:id': 'read',
  'POST /v1/sql': 'read',
  // Rollout controllers ask for verdicts; a fail may queue the policy's
  // rollback action (deduplicated per model and candidate), as an alert would.
  'GET /v1/gate': 'read',
  'POST /v1/gate/flagger': 'read',

  'POST /v1/silences': 'admin',
  'DELETE /v1/silences/:id': 'admin',
  'POST /v1/baselines': 'admin',
  'POST /v1/detect': 'admin',
  'POST /v1/backfill': 'admin',
};

/**
 * /v1 routes registered as public because their caller cannot send an
 * Authorization header; each checks the token itself, against the scope
 * above, with the same Authenticator (tests prove it refuses without one).
 */
export const SELF_AUTHENTICATING: ReadonlySet<string> = new Set(['POST /v1/gate/flagger']);

/** The scope a route needs (HEAD needs what GET needs). */
export function scopeFor(method: string, routePath: string): Scope {
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  return ROUTE_SCOPES[`${m} ${routePath}`] ?? 'admin';
}

/**
 * The scope a concrete request path needs, for clients (the CLI) that know
 * the path they call rather than the route pattern. Query strings are ignored.
 */
export function scopeForRequest(method: string, path: string): Scope {
  const p = path.replace(/\?.*$/, '');
  const m = method.toUpperCase() === 'HEAD' ? 'GET' : method.toUpperCase();
  for (const [key, scope] of Object.entries(ROUTE_SCOPES)) {
    const [km, kp] = key.split(' ') as [string, string];
    if (km !== m) continue;
    const re = new RegExp('^' + kp.replace(/\/:[a-zA-Z_]+/g, '/[^/]+') + '/?$');
    if (re.test(p)) return scope;
  }
  return 'admin';
}
