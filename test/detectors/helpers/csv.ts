// A small RFC 4180 reader for test fixtures (quoted fields, doubled quotes,
// CRLF). The product reads files with the engine; tests read them here to
// feed the in-memory reference path. Nothing is trimmed (docs/statistics.md).
import { readFileSync } from 'node:fs';
import type { ColumnTable } from '../../../detectors/report/in-memory.ts';

export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  const push = (): void => {
    row.push(field);
    field = '';
    wasQuoted = false;
  };
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else field += ch;
      i++;
      continue;
    }
    if (ch === '"') {
      quoted = true;
      wasQuoted = true;
      field = '';
    } else if (ch === ',') push();
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      push();
      rows.push(row);
      row = [];
    } else if (!wasQuoted) field += ch;
    i++;
  }
  if (field !== '' || row.length > 0) {
    push();
    rows.push(row);
  }
  return rows;
}

export function readCsvTable(path: string): ColumnTable {
  const [header, ...body] = parseCsv(readFileSync(path, 'utf8'));
  const columns = header ?? [];
  const data: Record<string, string[]> = {};
  columns.forEach((c, j) => (data[c] = body.map((r) => r[j] ?? '')));
  return { columns, rows: body.length, data };
}
