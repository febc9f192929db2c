import { describe, expect, it } from 'vitest';
import { globMatcher, globToRegExp } from '../../../src/core/util/glob.ts';

describe('globs', () => {
  it('matches * and ? anchored, lists as any-of, and escapes regex characters', () => {
    expect(globMatcher('fraud-*')('fraud-eu')).toBe(true);
    expect(globMatcher('fraud-*')('xfraud-eu')).toBe(false);
    expect(globMatcher('v?')('v1')).toBe(true);
    expect(globMatcher('v?')('v12')).toBe(false);
    expect(globMatcher(['psi', 'js'])('js')).toBe(true);
    expect(globMatcher('a.b')('axb')).toBe(false);
    expect(globMatcher('*')('')).toBe(true);
    expect(globMatcher('(a|b)+[x]')('(a|b)+[x]')).toBe(true);
  });

  it('matches everything when no globs are given, and spans newlines', () => {
    expect(globMatcher(undefined)('anything')).toBe(true);
    expect(globMatcher([])('')).toBe(true);
    expect(globToRegExp('a*b').test('a\nb')).toBe(true);
  });
});
