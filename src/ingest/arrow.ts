// Arrow IPC input: a stream (or file) whose columns carry the event contract's
// names. Each row becomes the same plain event object a JSON message would
// give, so both formats share one validator and encoder.
//
// Column types accepted:
//   event_id, model, model_version, error   Utf8 (or dictionary of Utf8); numbers for ids
//   ts                                      Timestamp (any unit), Date, Int/Float epoch ms, or Utf8 ISO-8601
//   features                                Struct of Float/Int/Utf8/Bool/Null children, Map<Utf8, Float|Int|Utf8|Bool>, or Utf8 JSON
//   prediction, label                       Float, Int, Utf8 or Bool
//   confidence, latency_ms                  Float or Int
//   probabilities                           Map<Utf8, Float> or Struct of Float
//   tags                                    Map<Utf8, Utf8> or Struct of Utf8
// Other columns are ignored.
//
// The bytes are checked by arrow-ipc.ts before apache-arrow sees them, so
// decoding and reading every row take time and memory proportional to their
// size; a row that still fails to read is a Rejection, never an exception.
import { DataType, makeVector, tableFromIPC, type Data, type Field, type Table, type Vector } from 'apache-arrow';
import { checkArrowIpc, DEFAULT_ARROW_LIMITS, type ArrowLimits } from './arrow-ipc.ts';
import type { TableName } from './encode.ts';
import { isRejection, reject, type Rejection } from './reasons.ts';

type Getter = (i: number) => unknown;

export interface ArrowRows {
  readonly count: number;
  /** The event at row i as a plain object (undefined fields omitted), or why it cannot be read. */
  row(i: number): Record<string, unknown> | Rejection;
}

/** What a table may hold beyond the IPC checks: limits of the event contract that apply to whole columns. */
export interface ArrowRowLimits {
  /** Children of the features struct (ingest.max_features). */
  maxFeatures: number;
  /** Bytes the struct children's names may add to the encoded rows, all rows together. */
  maxNameBytes: number;
}

function isStringType(t: DataType): boolean {
  return DataType.isUtf8(t) || DataType.isLargeUtf8(t) || (DataType.isDictionary(t) && (DataType.isUtf8(t.dictionary) || DataType.isLargeUtf8(t.dictionary)));
}

function isNumberType(t: DataType): boolean {
  return DataType.isFloat(t) || DataType.isInt(t) || DataType.isDecimal(t);
}

/** Rows read into JS arrays a block at a time, as rows are read in order. */
const BLOCK_ROWS = 4096;

/**
 * A getter over values materialized one block of rows at a time: reading a
 * column into a JS array costs far less per row than `vector.get(i)`, and
 * block by block a large batch is never converted in one go (the HTTP
 * handler reads rows in slices with turns for the event loop in between).
 */
function blockGetter(length: number, fill: (start: number, end: number) => ArrayLike<unknown>): Getter {
  let block = -1;
  let values: ArrayLike<unknown> = [];
  return (i) => {
    const b = Math.floor(i / BLOCK_ROWS);
    if (b !== block) {
      const start = b * BLOCK_ROWS;
      values = fill(start, Math.min(length, start + BLOCK_ROWS));
      block = b;
    }
    return values[i - b * BLOCK_ROWS];
  };
}

/** Plain JS scalars of rows [start, end) (bigint -> number, Date -> epoch ms). */
function scalars(vec: Vector, start: number, end: number): ArrayLike<unknown> {
  const t = vec.type as DataType;
  const part = vec.slice(start, end);
  if ((DataType.isFloat(t) || (DataType.isInt(t) && t.bitWidth <= 32)) && part.nullCount === 0) return part.toArray() as ArrayLike<number>;
  const values = Array.from(part as Iterable<unknown>);
  if (DataType.isInt(t) && t.bitWidth === 64) {
    for (let i = 0; i < values.length; i++) if (typeof values[i] === 'bigint') values[i] = Number(values[i]);
  } else if (DataType.isDecimal(t)) {
    for (let i = 0; i < values.length; i++) if (values[i] !== null) values[i] = Number(String(values[i]));
  } else if (DataType.isDate(t)) {
    for (let i = 0; i < values.length; i++) if (values[i] instanceof Date) values[i] = (values[i] as Date).getTime();
  }
  return values;
}

/** A getter that yields plain JS scalars. */
function scalarGetter(vec: Vector): Getter {
  if (DataType.isNull(vec.type as DataType)) return () => null;
  return blockGetter(vec.length, (start, end) => scalars(vec, start, end));
}

function isScalarFeatureType(t: DataType): boolean {
  return isNumberType(t) || isStringType(t) || DataType.isBool(t) || DataType.isNull(t);
}

/** features/probabilities/tags: a Struct, a Map or (features only) JSON text. */
function objectGetter(name: string, vec: Vector, accept: (t: DataType) => boolean, allowJsonText: boolean): Getter | Rejection {
  const t = vec.type as DataType;
  if (DataType.isStruct(t)) {
    const children: Array<[string, Getter]> = [];
    for (const [idx, f] of (t.children as Field[]).entries()) {
      if (!accept(f.type as DataType)) return reject('arrow_schema', `column ${name}.${f.name} has unsupported type ${String(f.type)}`);
      const child = vec.getChildAt(idx);
      if (!child) return reject('arrow_schema', `column ${name}.${f.name} has no data`);
      children.push([f.name, scalarGetter(child)]);
    }
    const allValid = vec.nullCount === 0;
    return (i) => {
      if (!allValid && !vec.isValid(i)) return null;
      const o: Record<string, unknown> = {};
      for (const [k, g] of children) o[k] = g(i);
      return o;
    };
  }
  if (DataType.isMap(t)) {
    const entry = (t.children as Field[])[0]?.type as DataType | undefined;
    const kv = entry && DataType.isStruct(entry) ? (entry.children as Field[]) : [];
    if (kv.length !== 2 || !isStringType(kv[0]!.type as DataType) || !accept(kv[1]!.type as DataType)) {
      return reject('arrow_schema', `column ${name} is ${String(t)}; expected Map<Utf8, ...> with supported values`);
    }
    return blockGetter(vec.length, (start, end) => mapRows(vec.slice(start, end)));
  }
  if (allowJsonText && isStringType(t)) {
    return (i) => {
      const s = vec.get(i) as string | null;
      if (s === null) return null;
      try {
        return JSON.parse(s) as unknown;
      } catch {
        // Leave the text: the validator reports it as a wrong type.
        return s;
      }
    };
  }
  return reject('arrow_schema', `column ${name} has unsupported type ${String(t)}`);
}

/**
 * Every row of a Map<Utf8, V> column (or a slice of one) as a plain object,
 * read column-wise from each chunk's offsets, keys and values
 * (`vector.get(i).toJSON()` per row is an order of magnitude slower). A
 * slice's offsets are already its own; its entries are not sliced.
 */
function mapRows(vec: Vector): Array<Record<string, unknown> | null> {
  const rows: Array<Record<string, unknown> | null> = [];
  for (const data of vec.data as Data[]) {
    const entries = data.children[0];
    const offsets = data.valueOffsets as Int32Array | undefined;
    const chunk = makeVector(data);
    if (!entries || !offsets || entries.offset !== 0 || !entries.children[0] || !entries.children[1] || offsets.length < data.length + 1) {
      // Sliced or unusual layout: the slow, general way.
      for (let i = 0; i < data.length; i++) {
        const m = chunk.get(i) as { toJSON(): Record<string, unknown> } | null;
        rows.push(m === null ? null : bigToNumber(m.toJSON()));
      }
      continue;
    }
    // Only the entries of these rows.
    const first = offsets[0]!;
    const last = Math.max(first, offsets[data.length]!);
    const keys = Array.from(makeVector(entries.children[0]).slice(first, last) as Iterable<unknown>);
    const values = Array.from(makeVector(entries.children[1]).slice(first, last) as Iterable<unknown>);
    const checkValid = data.nullCount > 0;
    for (let i = 0; i < data.length; i++) {
      if (checkValid && !chunk.isValid(i)) {
        rows.push(null);
        continue;
      }
      const o: Record<string, unknown> = {};
      // Offsets were checked (arrow-ipc.ts); the bound keeps this loop finite regardless.
      const end = Math.min(offsets[i + 1]! - first, keys.length);
      for (let k = offsets[i]! - first; k < end; k++) {
        const v = values[k];
        o[String(keys[k])] = typeof v === 'bigint' ? Number(v) : v;
      }
      rows.push(o);
    }
  }
  return rows;
}

function bigToNumber(o: Record<string, unknown>): Record<string, unknown> {
  for (const k in o) if (typeof o[k] === 'bigint') o[k] = Number(o[k]);
  return o;
}

const REQUIRED: Record<TableName, readonly string[]> = {
  predictions: ['event_id', 'model', 'ts'],
  labels: ['event_id', 'model', 'ts', 'label'],
};

function fieldGetter(name: string, vec: Vector): Getter | Rejection {
  const t = vec.type as DataType;
  switch (name) {
    case 'features':
      return objectGetter(name, vec, isScalarFeatureType, true);
    case 'probabilities':
      return objectGetter(name, vec, isNumberType, false);
    case 'tags':
      return objectGetter(name, vec, (ct) => isStringType(ct) || isNumberType(ct) || DataType.isBool(ct), false);
    case 'ts':
      if (DataType.isTimestamp(t) || DataType.isDate(t) || isNumberType(t) || isStringType(t)) return scalarGetter(vec);
      return reject('arrow_schema', `column ts has unsupported type ${String(t)}`);
    default:
      if (isScalarFeatureType(t)) return scalarGetter(vec);
      return reject('arrow_schema', `column ${name} has unsupported type ${String(t)}`);
  }
}

const KNOWN: Record<TableName, readonly string[]> = {
  predictions: ['event_id', 'ts', 'model', 'model_version', 'features', 'prediction', 'confidence', 'probabilities', 'latency_ms', 'error', 'tags'],
  labels: ['event_id', 'model', 'label', 'ts'],
};

/** Bytes the names of a struct column's children add to every encoded row. */
function structNameBytes(table: Table, name: string): number {
  const t = table.schema.fields.find((f) => f.name === name)?.type as DataType | undefined;
  if (!t || !DataType.isStruct(t)) return 0;
  return (t.children as Field[]).reduce((n, f) => n + f.name.length + 4, 0);
}

/** Rows of a decoded Arrow table, or why the table does not fit the contract. */
export function arrowRows(table: Table, target: TableName, limits: ArrowRowLimits = { maxFeatures: 1000, maxNameBytes: 64 * 1024 * 1024 }): ArrowRows | Rejection {
  const names = new Set(table.schema.fields.map((f) => f.name));
  const missing = REQUIRED[target].filter((n) => !names.has(n));
  if (missing.length > 0) return reject('arrow_schema', `Arrow columns missing: ${missing.join(', ')}`);
  const features = table.schema.fields.find((f) => f.name === 'features')?.type as DataType | undefined;
  if (features && DataType.isStruct(features) && features.children.length > limits.maxFeatures) {
    return reject('oversize', `the features struct has ${features.children.length} children; ingest.max_features is ${limits.maxFeatures}`);
  }
  // Struct children's names are written once in the schema but once per row
  // in the encoded rows: bound what a few schema bytes can expand into.
  const nameBytes = target === 'predictions' ? ['features', 'probabilities', 'tags'].reduce((n, c) => n + structNameBytes(table, c), 0) : 0;
  if (nameBytes * table.numRows > limits.maxNameBytes) {
    return reject('oversize', `${table.numRows} rows of struct columns with ${nameBytes} bytes of field names would expand beyond ${limits.maxNameBytes} bytes`);
  }
  const getters: Array<[string, Getter]> = [];
  for (const name of KNOWN[target]) {
    if (!names.has(name)) continue;
    const vec = table.getChild(name);
    if (!vec) continue;
    const g = fieldGetter(name, vec);
    if (typeof g !== 'function') return g;
    getters.push([name, g]);
  }
  return {
    count: table.numRows,
    row(i) {
      const o: Record<string, unknown> = {};
      try {
        for (const [k, g] of getters) {
          const v = g(i);
          if (v !== null && v !== undefined) o[k] = v;
        }
      } catch (e) {
        return reject('invalid_arrow', `row ${i} cannot be read: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
      }
      return o;
    },
  };
}

/** Decode Arrow IPC bytes (stream or file format), checked against `limits` first. */
export function decodeArrow(bytes: Uint8Array, limits: ArrowLimits = DEFAULT_ARROW_LIMITS): Table | Rejection {
  const refused = checkArrowIpc(bytes, limits);
  if (refused) return refused;
  try {
    const table = tableFromIPC(bytes);
    if (table.schema.fields.length === 0) return reject('invalid_arrow', 'the Arrow IPC data has no schema');
    return table;
  } catch (e) {
    return reject('invalid_arrow', `not valid Arrow IPC: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
}

/** Decode and read the rows of Arrow IPC bytes; never throws. */
export function decodeArrowRows(bytes: Uint8Array, target: TableName, ipcLimits: ArrowLimits, rowLimits: ArrowRowLimits): ArrowRows | Rejection {
  const table = decodeArrow(bytes, ipcLimits);
  if (isRejection(table)) return table;
  if (table.numRows === 0) return reject('empty', 'an Arrow stream without rows');
  try {
    return arrowRows(table, target, rowLimits);
  } catch (e) {
    return reject('invalid_arrow', `the Arrow columns cannot be read: ${String((e as Error)?.message ?? e).slice(0, 200)}`);
  }
}
