// `--format json`: the report shape of docs/statistics.md (plus extra fields).
import type { CompareReport } from '../../report/types.ts';

export function renderJson(r: CompareReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}
