import { describe, expect, it } from 'vitest';
import { csvFirstColumn } from '../../../src/core/store/client-ops.ts';

describe('csvFirstColumn', () => {
  it('reads quoted and bare fields, doubled quotes, commas and newlines inside quotes', () => {
    expect(csvFirstColumn('"SelectWithUnionQuery (children 1)"\n" ExpressionList"\n')).toEqual(['SelectWithUnionQuery (children 1)', ' ExpressionList']);
    expect(csvFirstColumn('"a ""b"", c\nd",2\nplain,3\n')).toEqual(['a "b", c\nd', 'plain']);
    expect(csvFirstColumn('')).toEqual([]);
    expect(csvFirstColumn('x')).toEqual(['x']);
  });

  it('refuses an unterminated quoted field', () => {
    expect(() => csvFirstColumn('"open')).toThrow(/unterminated/);
  });
});
