// The whole comparison on columns held in memory: the reference
// implementation of docs/statistics.md, written straight from the definitions.
// `driftwatch compare` never uses it (the engine does the heavy work there);
// tests hold the pushed-down path to it, and small embedders may use it.
import { binCounts, binEdgesSorted } from '../stats/bins.ts';
import { sortCategories } from '../stats/categories.ts';
import { ecdfDistances, mergeCounts } from '../stats/ecdf.ts';
import { isMissingText } from '../stats/missing.ts';
import { parseNumber } from '../stats/parse-number.ts';
import { DEFAULT_THRESHOLDS, type SeverityThresholds } from '../stats/severity.ts';
import { assembleReport, diffSchema } from './assemble.ts';
import { categoricalFeature, numericFeature } from './feature.ts';
import type { CompareReport, FeatureReport } from './types.ts';

export type RawValue = string | number | boolean | null | undefined;

export interface ColumnTable {
  /** Column names in file order. */
  columns: string[];
  rows: number;
  /** One array of `rows` values per column. */
  data: Record<string, ReadonlyArray<RawValue>>;
}

export interface CompareOptions {
  /** Columns to treat as categorical whatever their values look like. */
  categorical?: readonly string[];
  thresholds?: SeverityThresholds;
}

interface Classified {
  /** Values that are not missing text (null, '', NA, ...). */
  present: Array<string | number | boolean>;
  textMissing: number;
  allNumeric: boolean;
}

function classify(values: ReadonlyArray<RawValue>): Classified {
  const present: Array<string | number | boolean> = [];
  let textMissing = 0;
  let allNumeric = true;
  for (const v of values) {
    if (v === null || v === undefined || (typeof v === 'string' && isMissingText(v)) || (typeof v === 'number' && Number.isNaN(v))) {
      textMissing++;
      continue;
    }
    present.push(v);
    if (allNumeric && (typeof v === 'boolean' || (typeof v === 'string' && parseNumber(v) === null))) allNumeric = false;
  }
  return { present, textMissing, allNumeric };
}

function toNumber(v: string | number | boolean): number {
  return typeof v === 'number' ? v : (parseNumber(String(v)) as number);
}

function asCategory(v: string | number | boolean): string {
  return typeof v === 'string' ? v : String(v);
}

function numericColumn(name: string, ref: Classified, cur: Classified, refRows: number, curRows: number, t: SeverityThresholds): FeatureReport {
  const finite = (c: Classified): Float64Array => Float64Array.from(c.present.map(toNumber).filter((x) => Number.isFinite(x)));
  const r = finite(ref).sort();
  const c = finite(cur).sort();
  const edges = r.length > 0 ? binEdgesSorted(r) : null;
  const e = edges ?? [];
  return numericFeature(
    {
      name,
      ref: { rows: refRows, missing: refRows - r.length },
      cur: { rows: curRows, missing: curRows - c.length },
      edges,
      binsRef: edges ? binCounts(r, e) : [],
      binsCur: edges ? binCounts(c, e) : [],
      ecdf: r.length > 0 && c.length > 0 ? { ...pick(ecdfDistances(mergeCounts(r, c))), method: 'exact' } : null,
    },
    t,
  );
}

function pick(d: { dNumerator: number; wasserstein: number }): { dNumerator: number; wasserstein: number } {
  return { dNumerator: d.dNumerator, wasserstein: d.wasserstein };
}

function categoricalColumn(name: string, ref: Classified, cur: Classified, refRows: number, curRows: number, t: SeverityThresholds): FeatureReport {
  const count = (c: Classified): Map<string, number> => {
    const m = new Map<string, number>();
    for (const v of c.present) {
      const k = asCategory(v);
      m.set(k, (m.get(k) ?? 0) + 1);
    }
    return m;
  };
  const rc = count(ref);
  const cc = count(cur);
  const categories = sortCategories([...rc.keys(), ...cc.keys()]);
  return categoricalFeature(
    {
      name,
      ref: { rows: refRows, missing: ref.textMissing },
      cur: { rows: curRows, missing: cur.textMissing },
      categories,
      countsRef: categories.map((k) => rc.get(k) ?? 0),
      countsCur: categories.map((k) => cc.get(k) ?? 0),
    },
    t,
  );
}

export function compareInMemory(ref: ColumnTable, cur: ColumnTable, opts: CompareOptions = {}): CompareReport {
  const thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  const forced = new Set(opts.categorical ?? []);
  const schema = diffSchema(ref.columns, cur.columns);
  const features = schema.common.map((name) => {
    const r = classify(ref.data[name] ?? []);
    const c = classify(cur.data[name] ?? []);
    const numeric = !forced.has(name) && r.allNumeric && c.allNumeric;
    return numeric ? numericColumn(name, r, c, ref.rows, cur.rows, thresholds) : categoricalColumn(name, r, c, ref.rows, cur.rows, thresholds);
  });
  return assembleReport({ refRows: ref.rows, curRows: cur.rows, schema, features, thresholds });
}
