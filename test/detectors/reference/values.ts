// How the reference reads values, written from docs/statistics.md ("How
// values are read") and nothing else: a strict RFC 4180 reader for CSV, a
// small reader for flat JSON objects that keeps each number's text, and the
// classification of a field as missing, a number or text.
import { ratOfDecimal, toDouble } from './exact.ts';

/** One value of a column, read. `text` is the category the value stands for when its column is categorical. */
export type Cell = { k: 'missing' } | { k: 'number'; v: number; text: string } | { k: 'text'; text: string };

export const MISSING: Cell = { k: 'missing' };

/** Surrounding whitespace as the contract strips it: ASCII space, tab, LF, CR, VT, FF. */
export function stripWs(s: string): string {
  return s.replace(/^[ \t\n\r\v\f]+/, '').replace(/[ \t\n\r\v\f]+$/, '');
}

const TOKENS = new Set(['', 'na', 'nan', 'null', 'none']);

/** The double nearest a decimal literal: JavaScript's own reading up to 17 significant digits (exact there), exact rounding beyond. */
export function decimalValue(t: string): number {
  const digits = t.replace(/[eE].*$/, '').replace(/[^0-9]/g, '').replace(/^0+/, '');
  return digits.length <= 17 ? Number(t) : toDouble(ratOfDecimal(t)!);
}
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;

/** A CSV field (already unquoted) as the contract reads it. */
export function csvCell(field: string): Cell {
  const t = stripWs(field);
  if (TOKENS.has(t.toLowerCase())) return MISSING;
  if (DECIMAL.test(t)) return { k: 'number', v: decimalValue(t), text: field };
  if (INFINITY.test(t)) return { k: 'number', v: t.startsWith('-') ? -Infinity : Infinity, text: field };
  return { k: 'text', text: field };
}

/** RFC 4180: fields separated by commas, records by CRLF or LF; quoted fields hold anything, "" is a quote. Nothing is trimmed. */
export function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let atFieldStart = true;
  while (i < text.length) {
    const ch = text[i] as string;
    if (atFieldStart && ch === '"') {
      // Quoted field: up to the closing quote.
      i++;
      for (;;) {
        if (i >= text.length) throw new Error('unterminated quoted field');
        if (text[i] === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        field += text[i];
        i++;
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (ch === ',') {
      row.push(field);
      field = '';
      atFieldStart = true;
      i++;
    } else if (ch === '\n' || (ch === '\r' && text[i + 1] === '\n')) {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      atFieldStart = true;
      i += ch === '\r' ? 2 : 1;
    } else {
      field += ch;
      i++;
    }
  }
  if (!atFieldStart || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A CSV file's columns (header names) and its cells per column. */
export function csvColumns(text: string): { names: string[]; rows: number; cells: Cell[][] } {
  const [header, ...body] = readCsv(text);
  const names = header ?? [];
  return { names, rows: body.length, cells: names.map((_, j) => body.map((r) => csvCell(r[j] ?? ''))) };
}

/** The text of a number that stands for a category (JSON, typed files, events): ClickHouse's shortest form, -0 as 0. */
export function numberText(v: number): string {
  if (v === 0) return '0';
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return String(v).replace('e+', 'e');
}

/** A JSON value as the contract reads it. `raw` is the number's text as written (numbers only). */
export function jsonCell(value: unknown, raw?: string): Cell {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === 'boolean') return { k: 'text', text: value ? 'true' : 'false' };
  if (typeof value === 'string') return { k: 'text', text: value };
  if (typeof value === 'number') {
    const v = raw !== undefined ? decimalValue(raw) : value;
    return { k: 'number', v, text: numberText(v) };
  }
  throw new Error(`unsupported JSON value ${JSON.stringify(value)}`);
}

/**
 * One line of JSONL holding a flat object (string, number, boolean or null
 * values) with each number's own text, so the reference rounds it itself.
 */
export function readJsonLine(line: string): Map<string, Cell> {
  const out = new Map<string, Cell>();
  let i = 0;
  const ws = (): void => {
    while (i < line.length && ' \t\r\n'.includes(line[i] as string)) i++;
  };
  const str = (): string => {
    const start = i;
    i++;
    while (line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(line.slice(start, i)) as string;
  };
  ws();
  if (line[i++] !== '{') throw new Error(`not an object: ${line}`);
  ws();
  if (line[i] === '}') return out;
  for (;;) {
    ws();
    const key = str();
    ws();
    if (line[i++] !== ':') throw new Error(`bad object: ${line}`);
    ws();
    const c = line[i] as string;
    if (c === '"') out.set(key, jsonCell(str()));
    else if (line.startsWith('true', i)) {
      out.set(key, jsonCell(true));
      i += 4;
    } else if (line.startsWith('false', i)) {
      out.set(key, jsonCell(false));
      i += 5;
    } else if (line.startsWith('null', i)) {
      out.set(key, MISSING);
      i += 4;
    } else {
      const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(line.slice(i));
      if (!m) throw new Error(`bad value in ${line}`);
      out.set(key, jsonCell(Number(m[0]), m[0]));
      i += m[0].length;
    }
    ws();
    const sep = line[i++];
    if (sep === '}') return out;
    if (sep !== ',') throw new Error(`bad object: ${line}`);
  }
}
