import { describe, expect, it } from 'vitest';
import { compileMatcher, fingerprint, parseMatcher } from '../../alerts/labels.ts';

describe('fingerprint', () => {
  it('is the same for the same labels in any order, and ignores severity', () => {
    const a = fingerprint({ alertname: 'drift', model: 'fraud', version: 'v1', severity: 'warning' });
    const b = fingerprint({ version: 'v1', severity: 'critical', model: 'fraud', alertname: 'drift' });
    expect(a).toBe(b);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
  });

  it('differs when any identity label differs, without ambiguity between keys and values', () => {
    expect(fingerprint({ model: 'a', version: 'b' })).not.toBe(fingerprint({ model: 'a', version: 'c' }));
    expect(fingerprint({ a: 'bc' })).not.toBe(fingerprint({ ab: 'c' }));
  });
});

describe('matchers', () => {
  it('parses the four operators, quoted or not', () => {
    expect(parseMatcher('model="fraud"')).toEqual({ name: 'model', op: '=', value: 'fraud' });
    expect(parseMatcher('model != fraud')).toEqual({ name: 'model', op: '!=', value: 'fraud' });
    expect(parseMatcher('feature=~"amt.*"')).toEqual({ name: 'feature', op: '=~', value: 'amt.*' });
    expect(parseMatcher("severity!~'info|warning'")).toEqual({ name: 'severity', op: '!~', value: 'info|warning' });
    expect(parseMatcher('note="a \\"quoted\\" word"').value).toBe('a "quoted" word');
  });

  it('anchors regexes and treats a missing label as empty', () => {
    const re = compileMatcher(parseMatcher('model=~"fr"'));
    expect(re.matches({ model: 'fraud' })).toBe(false);
    expect(compileMatcher(parseMatcher('model=~"fr.*"')).matches({ model: 'fraud' })).toBe(true);
    expect(compileMatcher(parseMatcher('feature=""')).matches({ model: 'x' })).toBe(true);
    expect(compileMatcher(parseMatcher('feature!=""')).matches({ model: 'x' })).toBe(false);
  });

  it('rejects bad syntax and bad regexes with the matcher in the message', () => {
    expect(() => parseMatcher('model')).toThrow(/invalid matcher "model"/);
    expect(() => parseMatcher('model=~"("')).toThrow(/invalid regular expression/);
    expect(() => parseMatcher('1abc="x"')).toThrow(/invalid matcher/);
  });

  it('uses RE2 syntax and semantics, as Alertmanager does: what RE2 lacks is a config error', () => {
    // Backreferences, lookaround and possessive quantifiers are not RE2.
    for (const value of ['(a)\\1', '(?=fraud)f.*', '(?<!x)fraud', 'fr++aud', '(?>fraud)']) {
      expect(() => compileMatcher({ name: 'model', op: '=~', value }), value).toThrow(/RE2 syntax/);
    }
    expect(() => parseMatcher('model=~"(f)\\\\1"')).toThrow(/invalid regular expression in matcher model=~/);
    // RE2 features JavaScript spells differently or lacks.
    expect(compileMatcher(parseMatcher('model=~"[[:alpha:]]+"')).matches({ model: 'fraud' })).toBe(true);
    expect(compileMatcher(parseMatcher('model=~"(?P<m>fraud)"')).matches({ model: 'fraud' })).toBe(true);
    expect(compileMatcher(parseMatcher('model=~"(?i)FRAUD"')).matches({ model: 'fraud' })).toBe(true);
    expect(compileMatcher({ name: 'model', op: '=~', value: '\\p{Greek}+' }).matches({ model: 'αβ' })).toBe(true);
    // Anchored around the whole alternation: a|b means ^(?:a|b)$, not ^a|b$.
    const alt = compileMatcher(parseMatcher('model=~"fraud|churn"'));
    expect([alt.matches({ model: 'fraud' }), alt.matches({ model: 'xchurn' }), alt.matches({ model: 'fraudx' })]).toEqual([true, false, false]);
    const neg = compileMatcher(parseMatcher('model!~"fraud|churn"'));
    expect([neg.matches({ model: 'fraud' }), neg.matches({ model: 'other' }), neg.matches({})]).toEqual([false, true, true]);
    // Linear time: a pattern that backtracks exponentially in JavaScript answers at once.
    const t0 = Date.now();
    expect(compileMatcher(parseMatcher('model=~"(a+)+b"')).matches({ model: 'a'.repeat(40) })).toBe(false);
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});
