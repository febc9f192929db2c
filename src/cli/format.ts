// Rows to text for the terminal: an aligned table, CSV, or JSON.

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function formatTable(columns: string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  if (columns.length === 0) return '(no rows)\n';
  const cells = rows.map((r) => columns.map((c) => cell(r[c]).replace(/\n/g, '\\n')));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i]?.length ?? 0))));
  const fit = (s: string, w: number): string => (s.length > w ? s.slice(0, w - 1) + '…' : s.padEnd(w));
  const line = (vals: string[]): string => vals.map((v, i) => fit(v, widths[i] ?? 0)).join('  ').trimEnd();
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n') + '\n';
}

function csvField(v: unknown): string {
  const s = cell(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(columns: string[], rows: ReadonlyArray<Record<string, unknown>>): string {
  return [columns.map(csvField).join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\n') + '\n';
}
