import { describe, expect, it } from 'vitest';
import { compareCodePoints, newCategories, sortCategories } from '../../../detectors/stats/categories.ts';

describe('categories', () => {
  it('sorts by code point like Python sorted()', () => {
    expect(sortCategories(['b', 'B', 'a', 'a'])).toEqual(['B', 'a', 'b']);
    // U+FFFF sorts before U+1F600 by code point (UTF-16 order says otherwise).
    expect(sortCategories(['😀', '\uffff'])).toEqual(['\uffff', '😀']);
    expect(compareCodePoints('ab', 'a')).toBeGreaterThan(0);
  });

  it('lists categories new in current, sorted', () => {
    expect(newCategories(['ios', 'web'], ['web', 'tv', 'android', 'tv'])).toEqual(['android', 'tv']);
    expect(newCategories(['a'], ['a'])).toEqual([]);
  });
});
