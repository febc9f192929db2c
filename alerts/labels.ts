// Labels, fingerprints, Alertmanager-style matchers and the globs rule
// selectors use. A label that is absent matches like an empty value, as in
// Alertmanager, so `feature=""` selects model-level alerts. Regex matchers
// (`=~`, `!~`) use RE2 syntax and semantics, as Alertmanager and Prometheus
// do (Go's regexp): anchored at both ends, linear time, no backreferences or
// lookaround. re2js is a pure-JavaScript port of RE2, so a matcher that
// Alertmanager accepts means the same here, and one it refuses is refused
// when the config is loaded.
import { createHash } from 'node:crypto';
import { RE2JS } from 're2js';

export type Labels = Readonly<Record<string, string>>;

/** Labels that describe an alert but are not part of its identity. */
export const NON_IDENTITY_LABELS: ReadonlySet<string> = new Set(['severity']);

/**
 * The identity of an alert: a hash of its labels in sorted order, severity
 * excluded, so an alert that escalates from warning to critical stays the
 * same alert (same PagerDuty dedup_key, same silence).
 */
export function fingerprint(labels: Labels): string {
  const h = createHash('sha256');
  for (const k of Object.keys(labels).sort()) {
    if (NON_IDENTITY_LABELS.has(k)) continue;
    h.update(k).update('\u0000').update(labels[k] ?? '').update('\u0001');
  }
  return h.digest('hex').slice(0, 16);
}

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
}

export interface CompiledMatcher extends Matcher {
  matches(labels: Labels): boolean;
}

const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MATCHER_TEXT = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

function unquote(text: string): string {
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) {
    return JSON.parse(text) as string;
  }
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1);
  return text;
}

/** Parse `name="value"`, `name!="value"`, `name=~"regex"` or `name!~"regex"` (quotes optional). */
export function parseMatcher(text: string): Matcher {
  const m = MATCHER_TEXT.exec(text);
  if (!m) throw new Error(`invalid matcher ${JSON.stringify(text)}: expected name="value", name!="value", name=~"regex" or name!~"regex"`);
  let value: string;
  try {
    value = unquote(m[3] ?? '');
  } catch {
    throw new Error(`invalid matcher ${JSON.stringify(text)}: the quoted value is not a valid string`);
  }
  const matcher: Matcher = { name: m[1] ?? '', op: (m[2] ?? '=') as MatchOp, value };
  compileMatcher(matcher);
  return matcher;
}

export function compileMatcher(m: Matcher): CompiledMatcher {
  if (!LABEL_NAME.test(m.name)) throw new Error(`invalid label name ${JSON.stringify(m.name)}`);
  let test: (v: string) => boolean;
  if (m.op === '=~' || m.op === '!~') {
    let re: RE2JS;
    try {
      // Anchored like Alertmanager and Prometheus: the whole value must match.
      re = RE2JS.compile(`^(?:${m.value})$`);
    } catch (e) {
      throw new Error(`invalid regular expression in matcher ${m.name}${m.op}"${m.value}" (RE2 syntax: no backreferences or lookaround): ${(e as Error).message}`);
    }
    test = m.op === '=~' ? (v) => re.matches(v) : (v) => !re.matches(v);
  } else {
    test = m.op === '=' ? (v) => v === m.value : (v) => v !== m.value;
  }
  return { ...m, matches: (labels) => test(labels[m.name] ?? '') };
}

export function formatMatcher(m: Matcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

export function matchesAll(matchers: ReadonlyArray<CompiledMatcher>, labels: Labels): boolean {
  return matchers.every((m) => m.matches(labels));
}

export function sortLabels(labels: Labels): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
