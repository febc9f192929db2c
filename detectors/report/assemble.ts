// The report around the features: rows per side, schema differences, the
// drifted list. Features keep the reference file's column order.
import { DEFAULT_THRESHOLDS, type SeverityThresholds } from '../stats/severity.ts';
import type { CompareReport, FeatureReport } from './types.ts';

export interface SchemaDiff {
  /** Columns of both sides, in reference order. */
  common: string[];
  missing_in_current: string[];
  new_in_current: string[];
}

export function diffSchema(refColumns: readonly string[], curColumns: readonly string[]): SchemaDiff {
  const cur = new Set(curColumns);
  const ref = new Set(refColumns);
  return {
    common: refColumns.filter((c) => cur.has(c)),
    missing_in_current: refColumns.filter((c) => !cur.has(c)),
    new_in_current: curColumns.filter((c) => !ref.has(c)),
  };
}

export function assembleReport(parts: {
  refRows: number;
  curRows: number;
  schema: SchemaDiff;
  features: FeatureReport[];
  thresholds?: SeverityThresholds;
  refPath?: string;
  curPath?: string;
}): CompareReport {
  return {
    reference: parts.refPath === undefined ? { rows: parts.refRows } : { rows: parts.refRows, path: parts.refPath },
    current: parts.curPath === undefined ? { rows: parts.curRows } : { rows: parts.curRows, path: parts.curPath },
    schema: { missing_in_current: parts.schema.missing_in_current, new_in_current: parts.schema.new_in_current },
    features: parts.features,
    drifted: parts.features.filter((f) => f.severity !== 'none').map((f) => f.name),
    thresholds: { ...(parts.thresholds ?? DEFAULT_THRESHOLDS) },
  };
}
