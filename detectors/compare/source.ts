// Load one input file into an in-memory engine table. CSV columns are read
// as Nullable(String) exactly as written (numbers and missing tokens are
// recognised by our rules, compare/sql.ts); JSONL values keep their JSON type
// (Dynamic); typed formats keep their types.
// Next to each value column the table holds its numeric view, parsed once.
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import type { Store } from '../../src/core/store/store.ts';
import { inputError } from './errors.ts';
import { engineFormat, isTextFormat, type InputFormat } from './formats.ts';
import { floatCol, floatExpression, QUERY_SETTINGS, valueCol, type ColumnKind } from './sql.ts';

export interface SourceColumn {
  name: string;
  /** Position in the file; the table's columns are v<index> and f<index>. */
  index: number;
  kind: ColumnKind;
  /** The engine type the values are held in. */
  type: string;
}

export interface LoadedSource {
  path: string;
  format: InputFormat;
  table: string;
  rows: number;
  columns: SourceColumn[];
}

/** Schema inference of text formats: every column read as text, so only the names matter. */
const TEXT_DESCRIBE_SETTINGS = {
  input_format_csv_use_best_effort_in_schema_inference: 0,
  format_csv_allow_single_quotes: 0,
  input_format_json_read_numbers_as_strings: 1,
  input_format_json_read_bools_as_strings: 1,
  input_format_json_read_objects_as_strings: 1,
  input_format_json_read_arrays_as_strings: 1,
  input_format_json_infer_incomplete_types_as_strings: 1,
  input_format_skip_unknown_fields: 1,
} as const;

/**
 * JSONL names when the text inference fails: reading numbers as strings, the
 * engine refuses a long literal (-1e308 written out in 309 digits), which
 * the typed inference reads (as Float64); mixed types become a Variant. Only
 * the names are used.
 */
const JSON_NAMES_FALLBACK_SETTINGS = {
  input_format_json_read_numbers_as_strings: 0,
  input_format_try_infer_integers: 0,
  input_format_try_infer_variants: 1,
  input_format_skip_unknown_fields: 1,
} as const;

/** A text that no CSV field holds in practice: the engine's null marker (`\\N` by default) must stay an ordinary value. */
const NO_NULL_MARKER = '\u0001driftwatch-no-null-marker\u0001';

/**
 * CSV as RFC 4180 writes it: nothing trimmed (the engine trims unquoted
 * fields by default), no database null marker, no single quotes.
 */
const CSV_READ_SETTINGS = {
  format_csv_allow_single_quotes: 0,
  input_format_csv_trim_whitespaces: 0,
  format_csv_null_representation: NO_NULL_MARKER,
  input_format_csv_use_best_effort_in_schema_inference: 0,
} as const;

/** JSON values keep their JSON type (Dynamic): every number a Float64, a string stays text even when it looks like a number. */
const JSON_READ_SETTINGS = {
  input_format_try_infer_integers: 0,
  input_format_json_read_numbers_as_strings: 0,
  input_format_json_read_bools_as_numbers: 0,
  input_format_json_try_infer_numbers_from_strings: 0,
  input_format_skip_unknown_fields: 1,
} as const;

const NUMBER_TYPE = /^(U?Int(8|16|32|64|128|256)|Float(32|64)|BFloat16|Decimal(32|64|128|256)?\(.*\))$/;

function unwrap(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(Nullable|LowCardinality)\((.*)\)$/s.exec(t);
    if (!m) return t;
    t = (m[2] as string).trim();
  }
}

/** How the engine's type of a typed-format column is treated. */
export function kindOfType(type: string): ColumnKind {
  const t = unwrap(type);
  if (t === 'String' || t.startsWith('FixedString(')) return 'string';
  if (NUMBER_TYPE.test(t)) return 'number';
  if (t === 'Bool') return 'bool';
  return 'other';
}

/** Backtick-quote a name inside a structure string (which is itself a bound parameter). */
function structureName(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

function describeMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^ClickHouse:\s*/, '').split('\n')[0]?.slice(0, 400) ?? msg;
}

/** Size in bytes, for callers that plan loads; 0 when unknown. */
export async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function checkReadable(path: string, label: string): Promise<void> {
  let size: number;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw inputError(`${label} file ${path} is not a regular file`);
    size = st.size;
    await access(path, constants.R_OK);
  } catch (e) {
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('DW_')) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : describeMessage(e);
    throw inputError(`cannot read ${label} file ${path}: ${why}`, e);
  }
  if (size === 0) throw inputError(`${label} file ${path} is empty`);
}

export interface LoadOptions {
  path: string;
  format: InputFormat;
  table: string;
  /** Names the file in messages ("reference", "current", "baseline"). */
  label: string;
  /**
   * Parse with one thread. Cheaper in total when another file loads at the
   * same time (two single-threaded parses keep both cores busy without the
   * coordination cost of parallel parsing).
   */
  singleThreaded?: boolean;
  signal?: AbortSignal;
}

/** The column names of a CSV file's header line when the file has no data rows; null otherwise. */
async function csvHeader(store: Store, path: string, signal?: AbortSignal): Promise<string[] | null> {
  try {
    const rows = await store.query<{ line: string }>("SELECT line FROM file({path:String}, 'LineAsString') WHERE line != '' LIMIT 2", { params: { path }, signal });
    if (rows.length !== 1 || rows[0] === undefined) return null;
    return splitCsvLine(rows[0].line.replace(/\r$/, ''));
  } catch {
    return null;
  }
}

/** The column names of a JSONL file by the typed inference (JSON_NAMES_FALLBACK_SETTINGS); null when that fails too. */
async function jsonNames(store: Store, path: string, threads: Record<string, number>, signal?: AbortSignal): Promise<string[] | null> {
  try {
    const rows = await store.query<{ name: string }>("DESCRIBE file({path:String}, 'JSONEachRow')", { params: { path }, settings: { ...QUERY_SETTINGS, ...JSON_NAMES_FALLBACK_SETTINGS, ...threads }, signal });
    return rows.length > 0 ? rows.map((r) => r.name) : null;
  } catch {
    return null;
  }
}

/** One CSV line into fields (quotes and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

export async function loadSource(store: Store, opts: LoadOptions): Promise<LoadedSource> {
  const { path, format, table, label } = opts;
  await checkReadable(path, label);
  const fmt = await engineFormat(format, path);
  const text = isTextFormat(format);
  const threads: Record<string, number> = opts.singleThreaded ? { input_format_parallel_parsing: 0 } : {};
  const settings: Record<string, string | number> = { ...QUERY_SETTINGS, ...(text ? TEXT_DESCRIBE_SETTINGS : {}), ...threads };
  const readSettings: Record<string, string | number> = { ...QUERY_SETTINGS, ...(format === 'csv' ? CSV_READ_SETTINGS : format === 'jsonl' ? JSON_READ_SETTINGS : {}), ...threads };
  let described: Array<{ name: string; type: string }>;
  try {
    described = await store.query<{ name: string; type: string }>('DESCRIBE file({path:String}, {format:String})', { params: { path, format: fmt }, settings, signal: opts.signal });
  } catch (e) {
    // Schema inference needs a data row: a CSV with only its header names its columns in that line.
    const header = format === 'csv' ? await csvHeader(store, path, opts.signal) : format === 'jsonl' ? await jsonNames(store, path, threads, opts.signal) : null;
    if (header) described = header.map((name) => ({ name, type: format === 'jsonl' ? 'Dynamic' : 'Nullable(String)' }));
    else {
      const msg = describeMessage(e);
      if (/empty/i.test(msg)) throw inputError(`${label} file ${path} is empty (${msg})`, e);
      throw inputError(`cannot read ${label} file ${path} as ${fmt}: ${msg}`, e);
    }
  }
  if (described.length === 0) throw inputError(`${label} file ${path} has no columns`);
  const seen = new Set<string>();
  for (const d of described) {
    if (seen.has(d.name)) throw inputError(`${label} file ${path} has the column name ${JSON.stringify(d.name)} twice`);
    seen.add(d.name);
  }
  const columns: SourceColumn[] = described.map((d, index) => {
    if (format === 'csv') return { name: d.name, index, kind: 'csv', type: 'Nullable(String)' };
    if (format === 'jsonl') return { name: d.name, index, kind: 'json', type: 'Dynamic' };
    return { name: d.name, index, kind: kindOfType(d.type), type: d.type };
  });
  const defs = columns.map((c) => `${valueCol(c.index)} ${c.type}, ${floatCol(c.index)} Float64`);
  await store.command(`CREATE TABLE ${table} (${defs.join(', ')}) ENGINE = Memory`, { signal: opts.signal });
  // The numeric views are computed in the INSERT's SELECT (as MATERIALIZED columns the engine took about twice as
  // long to load a 1M-row CSV). The file's columns are taken by position (tuple(*)), so no name from the file
  // reaches SQL text.
  const insertCols = columns.map((c) => `${valueCol(c.index)}, ${floatCol(c.index)}`).join(', ');
  const byPosition = columns.map((c) => `tupleElement(c, ${c.index + 1}) AS ${valueCol(c.index)}`).join(', ');
  const computed = columns.map((c) => `${valueCol(c.index)}, ${floatExpression(c.kind, c.index)} AS ${floatCol(c.index)}`).join(', ');
  const insert = (file: string): string => `INSERT INTO ${table} (${insertCols}) SELECT ${computed} FROM (SELECT ${byPosition} FROM (SELECT tuple(*) AS c FROM ${file}))`;
  try {
    if (text) {
      const structure = columns.map((c) => `${structureName(c.name)} ${c.type}`).join(', ');
      await store.command(insert('file({path:String}, {format:String}, {structure:String})'), {
        params: { path, format: fmt, structure },
        settings: readSettings,
        signal: opts.signal,
      });
    } else {
      // Without this the engine would read the file with the target table's (generated) column names.
      await store.command(insert('file({path:String}, {format:String})'), {
        params: { path, format: fmt },
        settings: { ...settings, use_structure_from_insertion_table_in_table_functions: 0 },
        signal: opts.signal,
      });
    }
  } catch (e) {
    throw inputError(`cannot read ${label} file ${path} as ${fmt}: ${describeMessage(e)}`, e);
  }
  const [count] = await store.query<{ n: string | number }>(`SELECT count() AS n FROM ${table}`, { signal: opts.signal });
  return { path, format, table, rows: Number(count?.n ?? 0), columns };
}
