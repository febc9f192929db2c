// Writes one logical table as CSV, JSONL, Arrow and Parquet files (and as
// events for the daemon), choosing at random how each value is spelled
// (`1e3`, `+5`, ` 7 `, quoted or not, NA tokens padded or bare), and reads the
// written bytes back with the reference readers, so the reference sees what
// the product sees.
import { writeFileSync } from 'node:fs';
import { Bool, Float64, Table as ArrowTable, Utf8, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';
import type { Store } from '../../../src/core/store/store.ts';
import { ratOfDouble } from './exact.ts';
import type { RefReport } from './check.ts';
import { referenceFeature } from './stats.ts';
import { rng, type LVal } from './tables.ts';
import { csvColumns, jsonCell, MISSING, numberText, readJsonLine, type Cell } from './values.ts';

type Side = { names: string[]; cols: LVal[][] };

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** The exact decimal expansion of a double (finite), for values whose expansion is short enough to write. */
function exactDecimal(v: number): string | null {
  const q = ratOfDouble(v);
  const neg = q.n < 0n;
  let n = neg ? -q.n : q.n;
  let scale = 0;
  let d = q.d;
  // d is a power of two: multiply by 5^k to make it 10^k.
  while (d > 1n) {
    n *= 5n;
    d /= 2n;
    scale++;
    if (scale > 80) return null;
  }
  const s = n.toString().padStart(scale + 1, '0');
  const text = scale === 0 ? s : `${s.slice(0, s.length - scale)}.${s.slice(s.length - scale)}`;
  return (neg ? '-' : '') + text;
}

/** A JSON-valid spelling of a number (long exact expansions only now and then: they are slow to read back exactly). */
function jsonNumber(r: () => number, v: number): string {
  if (Object.is(v, -0)) return pick(r, ['-0', '-0.0', '-0e5']);
  const s = String(v);
  const x = r();
  if (x < 0.5) return s;
  if (x < 0.65 && !s.includes('e') && !s.includes('.')) return `${s}.0`;
  if (x < 0.8) {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(s);
    if (m) return `${m[1]}${`${m[2]}${m[3] ?? ''}`.replace(/^0+(?=\d)/, '')}E-${(m[3] ?? '').length}`;
    return s.replace('e', 'E');
  }
  return x < 0.97 ? s : (exactDecimal(v) ?? s);
}

/** A CSV spelling of a number (before quoting decisions). */
function csvNumber(r: () => number, v: number): string {
  let s = jsonNumber(r, v);
  const x = r();
  if (x < 0.15 && !s.startsWith('-')) s = `+${s}`;
  else if (x < 0.25 && /^\d/.test(s)) s = `00${s}`;
  else if (x < 0.3 && /^\d+$/.test(s)) s = `${s}.`;
  else if (x < 0.35 && s.startsWith('0.')) s = s.slice(1);
  const pad = r();
  if (pad < 0.15) s = ` ${s} `;
  else if (pad < 0.2) s = `\t${s}`;
  return s;
}

const quote = (s: string): string => `"${s.replace(/"/g, '""')}"`;

function csvField(r: () => number, v: LVal): string {
  switch (v.t) {
    case 'null':
    case 'absent':
      return pick(r, ['', 'NA', ' na ', 'None', 'NULL', 'nan', 'NaN', '  ', '"  "', '" NA "', '""', '"null"']);
    case 'num': {
      const s = csvNumber(r, v.v);
      return r() < 0.2 ? quote(s) : s;
    }
    case 'bool':
      return pick(r, v.b ? ['true', 'TRUE', 'True'] : ['false', 'FALSE']);
    case 'str':
      return /[",\r\n]/.test(v.s) || r() < 0.3 ? quote(v.s) : v.s;
  }
}

export function csvText(side: Side, seed: number): string {
  const r = rng(seed);
  const n = side.cols[0]?.length ?? 0;
  const lines = [side.names.join(',')];
  for (let i = 0; i < n; i++) {
    let line = side.cols.map((c) => csvField(r, c[i] as LVal)).join(',');
    // A record of one empty field would be a blank line: spell it NA.
    if (line === '') line = 'NA';
    lines.push(line);
  }
  return lines.join(r() < 0.5 ? '\n' : '\r\n') + '\n';
}

export function jsonlText(side: Side, seed: number): string {
  const r = rng(seed);
  const n = side.cols[0]?.length ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const parts: string[] = [];
    side.names.forEach((name, j) => {
      const v = side.cols[j]?.[i] as LVal;
      // Row 0 names every column (schema inference reads the first rows).
      if (v.t === 'absent' && i > 0) return;
      const text = v.t === 'num' ? jsonNumber(r, v.v) : v.t === 'str' ? JSON.stringify(v.s) : v.t === 'bool' ? String(v.b) : 'null';
      parts.push(`${JSON.stringify(name)}:${text}`);
    });
    lines.push(`{${parts.join(',')}}`);
  }
  return lines.join('\n') + '\n';
}

/** The reference's reading of a CSV side. */
export function csvReference(text: string): { names: string[]; rows: number; cells: Cell[][] } {
  return csvColumns(text);
}

export function jsonlReference(text: string, names: string[]): { names: string[]; rows: number; cells: Cell[][] } {
  const rows = text.split('\n').filter((l) => l !== '').map(readJsonLine);
  return { names, rows: rows.length, cells: names.map((n) => rows.map((row) => row.get(n) ?? MISSING)) };
}

/** How a typed file holds a column: numbers, booleans, or text (numbers and booleans written as text). */
function typedKind(col: LVal[]): 'f64' | 'bool' | 'utf8' {
  const present = col.filter((v) => v.t !== 'null' && v.t !== 'absent');
  if (present.every((v) => v.t === 'num')) return 'f64';
  if (present.every((v) => v.t === 'bool')) return 'bool';
  return 'utf8';
}

const asText = (v: LVal): string | null => (v.t === 'num' ? numberText(v.v) : v.t === 'str' ? v.s : v.t === 'bool' ? String(v.b) : null);

export function arrowBytes(side: Side): Uint8Array {
  const cols: Record<string, Vector> = {};
  side.names.forEach((name, j) => {
    const col = side.cols[j] as LVal[];
    const kind = typedKind(col);
    if (kind === 'f64') cols[name] = vectorFromArray(col.map((v) => (v.t === 'num' ? v.v : null)), new Float64());
    else if (kind === 'bool') cols[name] = vectorFromArray(col.map((v) => (v.t === 'bool' ? v.b : null)), new Bool());
    else cols[name] = vectorFromArray(col.map(asText), new Utf8());
  });
  return tableToIPC(new ArrowTable(cols), 'file');
}

export function typedReference(side: Side): { names: string[]; rows: number; cells: Cell[][] } {
  return {
    names: side.names,
    rows: side.cols[0]?.length ?? 0,
    cells: side.cols.map((col) => {
      const kind = typedKind(col);
      return col.map((v): Cell => {
        if (v.t === 'null' || v.t === 'absent') return MISSING;
        if (kind === 'f64' && v.t === 'num') return jsonCell(v.v);
        if (kind === 'bool' && v.t === 'bool') return jsonCell(v.b);
        return { k: 'text', text: asText(v) as string };
      });
    }),
  };
}

/** Parquet written by the engine from the Arrow file (same types). */
export async function writeParquet(store: Store, arrowPath: string, parquetPath: string): Promise<void> {
  await store.command(`INSERT INTO FUNCTION file({p:String}, 'Parquet') SELECT * FROM file({a:String}, 'Arrow')`, {
    params: { p: parquetPath, a: arrowPath },
    settings: { engine_file_truncate_on_insert: 1 },
  });
}

/** The reference report of two read sides (columns in reference order, schema differences). */
export function referenceReport(ref: { names: string[]; rows: number; cells: Cell[][] }, cur: { names: string[]; rows: number; cells: Cell[][] }): RefReport {
  const curNames = new Set(cur.names);
  const refNames = new Set(ref.names);
  const features = ref.names.flatMap((name, j) => {
    const k = cur.names.indexOf(name);
    return k < 0 ? [] : [referenceFeature(name, ref.cells[j] as Cell[], cur.cells[k] as Cell[])];
  });
  return {
    refRows: ref.rows,
    curRows: cur.rows,
    missing_in_current: ref.names.filter((n) => !curNames.has(n)),
    new_in_current: cur.names.filter((n) => !refNames.has(n)),
    features,
  };
}

export function writeText(path: string, text: string | Uint8Array): void {
  writeFileSync(path, text);
}
