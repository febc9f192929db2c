import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, featureSeverity, missingSeverity, psiSeverity, validateThresholds, worseSeverity } from '../../../detectors/stats/severity.ts';

describe('severity', () => {
  it('bands PSI at 0.1 (warn) and 0.25 (alert), inclusive', () => {
    expect(psiSeverity(0.0999)).toBe('none');
    expect(psiSeverity(0.1)).toBe('warn');
    expect(psiSeverity(0.25)).toBe('alert');
    expect(psiSeverity(null)).toBe('none');
  });

  it('bands the change in missing share at 0.05 and 0.2', () => {
    expect(missingSeverity(0, 0.0499)).toBe('none');
    expect(missingSeverity(0.1, 0.05)).toBe('warn');
    expect(missingSeverity(0.5, 0.3)).toBe('alert');
    // computed as |cur - ref| in doubles, as numpy does: 0.3 - 0.1 < 0.2
    expect(missingSeverity(0.1, 0.3)).toBe('warn');
    expect(missingSeverity(null, 0.9)).toBe('none');
  });

  it('takes the worse of the two', () => {
    expect(worseSeverity('warn', 'alert')).toBe('alert');
    expect(featureSeverity({ psi: 0.01, missing_ref: 0.0575, missing_cur: 0.1896 })).toBe('warn');
    expect(featureSeverity({ psi: 2, missing_ref: 0, missing_cur: 0 })).toBe('alert');
  });

  it('honours configured thresholds', () => {
    const t = { ...DEFAULT_THRESHOLDS, psiWarn: 0.01, psiAlert: 0.02 };
    expect(psiSeverity(0.015, t)).toBe('warn');
    expect(validateThresholds(t)).toEqual([]);
    expect(validateThresholds({ ...t, psiWarn: 0.5 })).toHaveLength(1);
    expect(validateThresholds({ ...t, missingAlert: -1 }).length).toBeGreaterThan(0);
  });
});
