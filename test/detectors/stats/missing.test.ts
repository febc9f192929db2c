import { describe, expect, it } from 'vitest';
import { isMissingText, missingShare } from '../../../detectors/stats/missing.ts';
import { parseNumber } from '../../../detectors/stats/parse-number.ts';

describe('missing values', () => {
  it('treats empty, NA, NaN, null, None (any case) and JSON null as missing', () => {
    for (const v of ['', 'NA', 'na', 'nA', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', 'none', null, undefined]) expect(isMissingText(v), String(v)).toBe(true);
    for (const v of [' ', ' NA ', 'NONE ', '\tnull']) expect(isMissingText(v), JSON.stringify(v)).toBe(true);
    for (const v of ['N/A', '0', 'missing', 'nil', '\\N', 'N A']) expect(isMissingText(v), v).toBe(false);
  });

  it('shares are over all rows; null when a side has no rows', () => {
    expect(missingShare(1, 4)).toBe(0.25);
    expect(missingShare(0, 0)).toBeNull();
  });
});

describe('parseNumber', () => {
  it('accepts decimal, scientific and infinite numbers', () => {
    expect(parseNumber('1')).toBe(1);
    expect(parseNumber('+1.5')).toBe(1.5);
    expect(parseNumber('-.5')).toBe(-0.5);
    expect(parseNumber('1.')).toBe(1);
    expect(parseNumber('1e-3')).toBe(0.001);
    expect(parseNumber('inf')).toBe(Infinity);
    expect(parseNumber('-Infinity')).toBe(-Infinity);
  });

  it('rejects what the engine rejects', () => {
    for (const v of ['0x1A', '1,5', '1_000', 'abc', '1e', 'e5', '--1', '', '-nan', '1 2']) expect(parseNumber(v), v).toBeNull();
    for (const v of [' 1', '1 ', '\t1\n']) expect(parseNumber(v), JSON.stringify(v)).toBe(1);
    expect(Object.is(parseNumber('-0'), 0)).toBe(true);
  });
});
