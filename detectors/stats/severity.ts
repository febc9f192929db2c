// Severity of a feature: the worse of the PSI band and the missing-share band
// (docs/statistics.md "Severity of a feature"). Thresholds are inclusive.

export type Severity = 'none' | 'warn' | 'alert';

export interface SeverityThresholds {
  psiWarn: number;
  psiAlert: number;
  missingWarn: number;
  missingAlert: number;
}

export const DEFAULT_THRESHOLDS: Readonly<SeverityThresholds> = Object.freeze({ psiWarn: 0.1, psiAlert: 0.25, missingWarn: 0.05, missingAlert: 0.2 });

const RANK: Record<Severity, number> = { none: 0, warn: 1, alert: 2 };

export function worseSeverity(a: Severity, b: Severity): Severity {
  return RANK[a] >= RANK[b] ? a : b;
}

function band(value: number | null, warn: number, alert: number): Severity {
  if (value === null || Number.isNaN(value)) return 'none';
  if (value >= alert) return 'alert';
  if (value >= warn) return 'warn';
  return 'none';
}

export function psiSeverity(psi: number | null, t: SeverityThresholds = DEFAULT_THRESHOLDS): Severity {
  return band(psi, t.psiWarn, t.psiAlert);
}

export function missingSeverity(missingRef: number | null, missingCur: number | null, t: SeverityThresholds = DEFAULT_THRESHOLDS): Severity {
  if (missingRef === null || missingCur === null) return 'none';
  return band(Math.abs(missingCur - missingRef), t.missingWarn, t.missingAlert);
}

export function featureSeverity(
  f: { psi: number | null; missing_ref: number | null; missing_cur: number | null },
  t: SeverityThresholds = DEFAULT_THRESHOLDS,
): Severity {
  return worseSeverity(psiSeverity(f.psi, t), missingSeverity(f.missing_ref, f.missing_cur, t));
}

/** Thresholds must be ordered warn <= alert, and non-negative. */
export function validateThresholds(t: SeverityThresholds): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(t)) if (!(Number.isFinite(v) && v >= 0)) problems.push(`${k} must be a non-negative number (got ${v})`);
  if (t.psiWarn > t.psiAlert) problems.push(`psi warn threshold ${t.psiWarn} is above the alert threshold ${t.psiAlert}`);
  if (t.missingWarn > t.missingAlert) problems.push(`missing warn threshold ${t.missingWarn} is above the alert threshold ${t.missingAlert}`);
  return problems;
}
