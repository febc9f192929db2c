// The `compare` path of the differential tests: one table written in one
// format, compared by the product and by the reference.
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { compareFiles } from '../../../detectors/compare/run.ts';
import type { Store } from '../../../src/core/store/store.ts';
import { checkReport } from './check.ts';
import { buildTable, namesOn, type TableSpec } from './tables.ts';
import { arrowBytes, csvReference, csvText, jsonlReference, jsonlText, referenceReport, typedReference, writeParquet, writeText } from './write.ts';

export const FORMATS = ['csv', 'jsonl', 'arrow', 'parquet'] as const;
export type Format = (typeof FORMATS)[number];

/** Every disagreement of `compare` with the reference on one table, one format. */
export async function compareDisagreements(s: Store, root: string, spec: TableSpec, format: Format, exactLimit?: number): Promise<string[]> {
  const t = buildTable(spec);
  const side = (which: 'ref' | 'cur') => {
    const names = namesOn(spec, which);
    const cols = names.map((n) => (which === 'ref' ? t.ref : t.cur)[t.names.indexOf(n)] ?? []);
    return { names, cols };
  };
  const ref = side('ref');
  const cur = side('cur');
  const at = join(root, `${spec.seed}-${format}`);
  mkdirSync(at, { recursive: true });
  const ext = format === 'arrow' ? 'arrow' : format;
  const paths = { ref: join(at, `reference.${ext}`), cur: join(at, `current.${ext}`) };
  let expected;
  if (format === 'csv') {
    const [a, b] = [csvText(ref, spec.seed), csvText(cur, spec.seed + 1)];
    writeText(paths.ref, a);
    writeText(paths.cur, b);
    expected = referenceReport(csvReference(a), csvReference(b));
  } else if (format === 'jsonl') {
    const [a, b] = [jsonlText(ref, spec.seed), jsonlText(cur, spec.seed + 1)];
    writeText(paths.ref, a);
    writeText(paths.cur, b);
    expected = referenceReport(jsonlReference(a, ref.names), jsonlReference(b, cur.names));
  } else {
    const arrows = { ref: join(at, 'reference.arrow'), cur: join(at, 'current.arrow') };
    writeText(arrows.ref, arrowBytes(ref));
    writeText(arrows.cur, arrowBytes(cur));
    if (format === 'parquet') {
      await writeParquet(s, arrows.ref, paths.ref);
      await writeParquet(s, arrows.cur, paths.cur);
    }
    expected = referenceReport(typedReference(ref), typedReference(cur));
  }
  try {
    const report = await compareFiles(s, { reference: paths.ref, current: paths.cur, allowEmpty: true, ...(exactLimit !== undefined ? { exactLimit } : {}) });
    return checkReport(report, expected, { large: true });
  } finally {
    rmSync(at, { recursive: true, force: true });
  }
}

