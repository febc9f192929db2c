// Bearer tokens with scopes (RFC 6750). Tokens are compared as SHA-256
// digests with timingSafeEqual: equal-length buffers whatever was sent, so
// neither a token's contents nor its length leak through timing, and every
// configured token is compared on every request (no early exit).
//   no Authorization header          401  WWW-Authenticate: Bearer realm="driftwatch"
//   malformed, or no such token      401  ... error="invalid_token"
//   a valid token without the scope  403  ... error="insufficient_scope", scope="<needed>"
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Secret } from '../core/config/secret.ts';
import { HttpError } from '../core/http/router.ts';
import { SCOPES, type Scope } from './scopes.ts';

export interface TokenSpec {
  name: string;
  token: Secret;
  scopes: readonly Scope[];
}

interface HashedToken {
  name: string;
  digest: Buffer;
  scopes: ReadonlySet<Scope>;
}

export interface Principal {
  /** The configured name of the token that authenticated the request. */
  name: string;
  scopes: ReadonlySet<Scope>;
}

const REALM = 'driftwatch';
// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

function challenge(error?: 'invalid_token' | 'insufficient_scope', description?: string, scope?: Scope): string {
  const parts = [`realm="${REALM}"`];
  if (error) parts.push(`error="${error}"`);
  if (description) parts.push(`error_description="${description}"`);
  if (scope) parts.push(`scope="${scope}"`);
  return `Bearer ${parts.join(', ')}`;
}

export class Authenticator {
  readonly #tokens: HashedToken[];

  constructor(tokens: readonly TokenSpec[]) {
    this.#tokens = tokens.map((t) => ({ name: t.name, digest: digest(t.token.reveal()), scopes: new Set(t.scopes) }));
  }

  /** The legacy single token (`http.auth_token`): every scope. */
  static allScopes(name: string, token: Secret): TokenSpec {
    return { name, token, scopes: SCOPES };
  }

  /** True when no token is configured: the API is open (loopback use only). */
  get open(): boolean {
    return this.#tokens.length === 0;
  }

  /** Who sent the request; throws 401 when nobody we know did. */
  authenticate(header: string | undefined): Principal {
    if (header === undefined || header === '') {
      throw new HttpError(401, 'missing bearer token', undefined, { 'www-authenticate': challenge() }, 'DW_AUTH_TOKEN');
    }
    const m = BEARER.exec(header);
    // Hash even a malformed header, so a malformed one costs what a wrong one costs.
    const given = digest(m?.[1] ?? header);
    let found: HashedToken | undefined;
    for (const t of this.#tokens) {
      if (timingSafeEqual(given, t.digest) && m && !found) found = t;
    }
    if (!found) {
      const why = m ? 'unknown bearer token' : 'malformed Authorization header: expected "Bearer <token>"';
      throw new HttpError(401, why, undefined, { 'www-authenticate': challenge('invalid_token', why) }, 'DW_AUTH_TOKEN');
    }
    return { name: found.name, scopes: found.scopes };
  }

  /** Throws 403 when the principal lacks the scope. */
  authorize(p: Principal, scope: Scope): void {
    if (p.scopes.has(scope)) return;
    const why = `token "${p.name}" lacks the ${scope} scope`;
    throw new HttpError(403, why, undefined, { 'www-authenticate': challenge('insufficient_scope', why, scope) }, 'DW_AUTH_SCOPE');
  }
}
