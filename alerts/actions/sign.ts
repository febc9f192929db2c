// Standard Webhooks signatures (https://www.standardwebhooks.com):
//   webhook-id:        unique message id, the receiver's idempotency key
//   webhook-timestamp: seconds since the epoch
//   webhook-signature: "v1,<base64 HMAC-SHA256(key, `${id}.${timestamp}.${body}`)>"
// Secrets of the form whsec_<base64> are decoded: the key is the bytes after
// the prefix. Any other secret is used as its UTF-8 bytes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DriftwatchError } from '../../src/core/errors.ts';

export function signingKey(secret: string): Buffer {
  return secret.startsWith('whsec_') ? Buffer.from(secret.slice('whsec_'.length), 'base64') : Buffer.from(secret, 'utf8');
}

export function signature(key: Buffer, id: string, timestampSec: number, body: string): string {
  return 'v1,' + createHmac('sha256', key).update(`${id}.${timestampSec}.${body}`).digest('base64');
}

export type SignedHeaders = Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string>;

export function signedHeaders(secret: string, id: string, timestampSec: number, body: string): SignedHeaders {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSec), 'webhook-signature': signature(signingKey(secret), id, timestampSec, body) };
}

export interface VerifyOptions {
  secret: string;
  headers: Record<string, string | string[] | undefined>;
  body: string | Buffer;
  /** Accepted clock difference in seconds (default 300, as the spec suggests). */
  toleranceSec?: number;
  nowSec?: number;
}

function header(h: VerifyOptions['headers'], name: string): string {
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? '') : (v ?? '');
}

/**
 * Verify a delivery the way a receiver does: timestamp within the tolerance,
 * and one of the space-separated v1 signatures equal in constant time.
 * Returns the webhook-id; throws DW_ALERT_SIGNATURE otherwise.
 */
export function verifyWebhook(opts: VerifyOptions): string {
  const id = header(opts.headers, 'webhook-id');
  const ts = header(opts.headers, 'webhook-timestamp');
  const sigs = header(opts.headers, 'webhook-signature');
  if (!id || !ts || !sigs) throw new DriftwatchError('DW_ALERT_SIGNATURE', 'missing webhook-id, webhook-timestamp or webhook-signature header');
  if (!/^\d+$/.test(ts)) throw new DriftwatchError('DW_ALERT_SIGNATURE', 'webhook-timestamp is not an integer');
  const now = opts.nowSec ?? Math.floor(Date.now() / 1000);
  const tolerance = opts.toleranceSec ?? 300;
  if (Math.abs(now - Number(ts)) > tolerance) throw new DriftwatchError('DW_ALERT_SIGNATURE', `webhook-timestamp is outside the tolerance of ${tolerance}s`);
  const body = typeof opts.body === 'string' ? opts.body : opts.body.toString('utf8');
  const expected = Buffer.from(signature(signingKey(opts.secret), id, Number(ts), body).slice(3), 'base64');
  for (const candidate of sigs.split(' ')) {
    const [version, value] = candidate.split(',', 2);
    if (version !== 'v1' || !value) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
  }
  throw new DriftwatchError('DW_ALERT_SIGNATURE', 'no webhook-signature matches');
}
