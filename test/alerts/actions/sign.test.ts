// Standard Webhooks signatures, checked the way a receiver checks them.
import { describe, expect, it } from 'vitest';
import { signature, signedHeaders, signingKey, verifyWebhook } from '../../../alerts/actions/sign.ts';

describe('Standard Webhooks signing', () => {
  it('matches the specification test vector (whsec_ secrets are base64 keys)', () => {
    const key = signingKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
    expect(signature(key, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('uses the UTF-8 bytes of a secret without the whsec_ prefix', () => {
    expect(signingKey('plain secret').toString('utf8')).toBe('plain secret');
    expect(signingKey('whsec_aGVsbG8=').toString('utf8')).toBe('hello');
  });

  it('a receiver accepts a valid delivery and returns its webhook-id', () => {
    const secret = 'whsec_' + Buffer.from('a'.repeat(24)).toString('base64');
    const body = JSON.stringify({ type: 'rollback', model: 'fraud' });
    const headers = signedHeaders(secret, 'msg_1', 1_800_000_000, body);
    expect(verifyWebhook({ secret, headers, body, nowSec: 1_800_000_100 })).toBe('msg_1');
    // Several signatures (key rotation): any valid one passes.
    expect(verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': `v1,AAAA ${headers['webhook-signature']}` }, body, nowSec: 1_800_000_000 })).toBe('msg_1');
  });

  it('rejects a changed body, another id, a wrong secret, stale or future timestamps, missing headers', () => {
    const secret = 'whsec_' + Buffer.from('a'.repeat(24)).toString('base64');
    const body = '{"a":1}';
    const headers = signedHeaders(secret, 'msg_1', 1_800_000_000, body);
    const now = 1_800_000_000;
    expect(() => verifyWebhook({ secret, headers, body: '{"a":2}', nowSec: now })).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook({ secret, headers: { ...headers, 'webhook-id': 'msg_2' }, body, nowSec: now })).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook({ secret: 'whsec_' + Buffer.from('b'.repeat(24)).toString('base64'), headers, body, nowSec: now })).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook({ secret, headers, body, nowSec: now + 301 })).toThrow(/outside the tolerance of 300s/);
    expect(() => verifyWebhook({ secret, headers, body, nowSec: now - 301 })).toThrow(/outside the tolerance/);
    expect(() => verifyWebhook({ secret, headers, body, nowSec: now + 50, toleranceSec: 10 })).toThrow(/outside the tolerance of 10s/);
    expect(() => verifyWebhook({ secret, headers: { ...headers, 'webhook-signature': 'v2,xyz' }, body, nowSec: now })).toThrow(/no webhook-signature matches/);
    expect(() => verifyWebhook({ secret, headers: { 'webhook-id': 'msg_1' }, body, nowSec: now })).toThrow(/missing/);
    try {
      verifyWebhook({ secret, headers, body: 'x', nowSec: now });
    } catch (e) {
      expect(e).toMatchObject({ code: 'DW_ALERT_SIGNATURE' });
    }
  });
});
