/* global URLSearchParams, fetch, sessionStorage */
// The dashboard's only way to the daemon: /v1 with the bearer token kept in
// sessionStorage (this tab only). Reads retry with backoff while the daemon
// is away (restart, network), and the page shows "reconnecting" meanwhile;
// writes are tried once and their error is shown to the user.
const TOKEN_KEY = 'driftwatch.token';

/**
 * The message of an API error body, in either shape the daemon has used:
 * RFC 9457 problem+json `{type, title, status, detail, code}` (prefer
 * `detail`, then `title`) or the older `{error, details?}`. String issues
 * (`details`, or a problem's `errors` extension) are appended.
 */
export function errorMessage(status, body) {
  if (typeof body === 'string' && body) return body;
  const pick = (v) => (typeof v === 'string' && v.trim() ? v : null);
  const main = pick(body?.detail) ?? pick(body?.error) ?? pick(body?.title) ?? `HTTP ${status}`;
  const list = [body?.details, body?.errors].find((x) => Array.isArray(x) && x.length);
  const issues = list ? list.map((x) => (typeof x === 'string' ? x : pick(x?.detail) ?? pick(x?.message) ?? JSON.stringify(x))) : [];
  return issues.length ? `${main}: ${issues.join('; ')}` : main;
}

export class ApiError extends Error {
  constructor(status, body) {
    super(errorMessage(status, body));
    this.status = status;
    this.body = body;
    this.code = body?.code ?? null;
  }
}

const listeners = new Set();
let state = 'connecting';
/** Subscribe to the connection state: 'connecting' | 'live' | 'reconnecting' | 'unauthorized'. */
export function onConnection(fn) {
  listeners.add(fn);
  fn(state);
}
function setState(s) {
  if (s === state) return;
  state = s;
  for (const fn of listeners) fn(s);
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (t) => (t ? sessionStorage.setItem(TOKEN_KEY, t) : sessionStorage.removeItem(TOKEN_KEY)),
};

let unauthorizedHandler = null;
/** Called with the 401 error when the token is missing or wrong; resolves once a new token is set. */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const RETRYABLE = new Set([502, 503, 504]);

/**
 * One call to the API. GETs (and POST /v1/sql) retry forever on a network
 * error or a 502/503/504 with capped backoff; a 401 asks for a token once
 * and retries with it.
 */
export async function api(path, opts = {}) {
  const method = opts.method ?? 'GET';
  const retry = opts.retry ?? method === 'GET';
  let delay = 500;
  for (let attempt = 0; ; attempt++) {
    const headers = { accept: 'application/json' };
    const t = token.get();
    if (t) headers.authorization = `Bearer ${t}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body), cache: 'no-store' });
    } catch (e) {
      if (!retry) throw new ApiError(0, { error: `the daemon is not reachable (${e.message})` });
      setState('reconnecting');
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
      continue;
    }
    if (RETRYABLE.has(res.status) && retry) {
      setState('reconnecting');
      await sleep(delay);
      delay = Math.min(delay * 2, 5000);
      continue;
    }
    let body = null;
    const text = await res.text();
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = { error: text };
    }
    if (res.status === 401 && unauthorizedHandler && attempt < 5) {
      setState('unauthorized');
      await unauthorizedHandler(new ApiError(401, body));
      continue;
    }
    setState('live');
    if (!res.ok) throw new ApiError(res.status, body);
    return body;
  }
}

/** Query string from an object, leaving out undefined values. */
export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) p.set(k, String(v));
  return p.toString();
}
