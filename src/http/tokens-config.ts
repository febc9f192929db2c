// The configured bearer tokens as the server and the CLI use them: every
// http.tokens entry with its scopes, plus the legacy http.auth_token(_file)
// with every scope.
import type { Config } from '../config/schema.ts';
import { pickSecret } from '../core/config/secret.ts';
import { Authenticator, type TokenSpec } from './auth.ts';
import type { Scope } from './scopes.ts';

export function configuredTokens(http: Config['http']): TokenSpec[] {
  const legacy = pickSecret(http.auth_token, http.auth_token_file);
  const scoped = http.tokens.flatMap((t) => {
    const token = t.token ?? t.token_file;
    return token ? [{ name: t.name, token, scopes: t.scopes }] : [];
  });
  return [...(legacy ? [Authenticator.allScopes('auth_token', legacy)] : []), ...scoped];
}

/** The first configured token that carries the scope (what the CLI sends for a request). */
export function tokenForScope(http: Config['http'], scope: Scope): TokenSpec | undefined {
  return configuredTokens(http).find((t) => t.scopes.includes(scope));
}
