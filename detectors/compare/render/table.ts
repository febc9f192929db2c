// `--format table`: a plain-text report for terminals and CI logs.
import type { CompareReport } from '../../report/types.ts';
import { fmt, pct, testSummary } from './format.ts';

export function renderTable(r: CompareReport): string {
  const lines: string[] = [];
  lines.push(`reference: ${r.reference.path ?? '-'} (${r.reference.rows} rows)`);
  lines.push(`current:   ${r.current.path ?? '-'} (${r.current.rows} rows)`);
  if (r.schema.missing_in_current.length) lines.push(`columns missing in current: ${r.schema.missing_in_current.join(', ')}`);
  if (r.schema.new_in_current.length) lines.push(`columns new in current: ${r.schema.new_in_current.join(', ')}`);
  lines.push('');
  const header = ['feature', 'type', 'n_ref', 'n_cur', 'missing ref -> cur', 'psi', 'js', 'test', 'wasserstein', 'severity', 'notes'];
  const rows = r.features.map((f) => {
    const notes: string[] = [];
    if (f.type === 'categorical' && f.new_categories.length) notes.push(`new: ${f.new_categories.slice(0, 5).join(', ')}${f.new_categories.length > 5 ? ', ...' : ''}`);
    if (f.type === 'numeric' && f.ks?.d_error_bound) notes.push(`D +/- ${fmt(f.ks.d_error_bound, 2)}`);
    return [
      f.name,
      f.type,
      String(f.n_ref),
      String(f.n_cur),
      `${pct(f.missing_ref)} -> ${pct(f.missing_cur)}`,
      fmt(f.psi),
      fmt(f.js),
      testSummary(f),
      f.type === 'numeric' ? fmt(f.wasserstein) : '',
      f.severity === 'none' ? 'ok' : f.severity.toUpperCase(),
      notes.join('; '),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const numeric = new Set([2, 3, 5, 6, 8]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  lines.push(line(header));
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) lines.push(line(row));
  lines.push('');
  lines.push(
    r.drifted.length
      ? `drift in ${r.drifted.length} of ${r.features.length} features: ${r.drifted.join(', ')}`
      : `no drift in ${r.features.length} features (psi warn ${r.thresholds.psiWarn}, alert ${r.thresholds.psiAlert}; missing warn ${r.thresholds.missingWarn}, alert ${r.thresholds.missingAlert})`,
  );
  return lines.join('\n') + '\n';
}
