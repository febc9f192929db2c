// Secrets never reach a log line. Config secrets are Secret objects that
// serialize as [redacted]; this catches the rest: URLs with credentials and
// fields whose names say they hold a secret.

const SECRET_KEY = /(pass(word)?|secret|token|routing_key|api_key|authorization|webhook_url|slack_url)$/i;

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) {
      if (SECRET_KEY.test(k)) u.searchParams.set(k, '***');
    }
    return u.toString();
  } catch {
    return url;
  }
}

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 8 || value === null || value === undefined) return value;
  if (typeof value === 'string') return /^[a-z]+:\/\/[^/\s]*:[^@/\s]*@/i.test(value) ? redactUrl(value) : value;
  if (typeof value !== 'object') return value;
  if (value instanceof Error) return value;
  const withJson = value as { toJSON?: () => unknown };
  if (typeof withJson.toJSON === 'function') return withJson.toJSON();
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== null && v !== undefined && v !== '' ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}
