// Check Arrow IPC bytes before apache-arrow reads them. apache-arrow trusts
// the lengths and offsets it is given: a valid 2.7 KB stream with two bytes
// changed can declare a vector of two billion fields or a batch of 2^40
// rows, and the reader then loops or allocates until the process dies. This
// walks the framing and the FlatBuffer metadata of every message with
// bounds-checked reads (flatbuffer.ts), follows the buffers of every record
// and dictionary batch through the schema exactly as apache-arrow's
// VectorLoader does, and checks, before anything is allocated:
//   - framing: metadata and bodies inside the bytes, one schema first;
//   - limits: batches, rows, dictionary values, schema fields and depth,
//     and the values of all batches together (see `maxValues`);
//   - every buffer inside its body and long enough for its column's length
//     (validity bits, fixed-width values, offsets);
//   - offsets non-decreasing and inside their data, dictionary indices
//     inside their dictionary.
// What passes can be decoded and iterated in time and memory proportional to
// its size. What does not is a Rejection with reason invalid_arrow. Utf8
// columns must hold valid UTF-8 (apache-arrow would quietly turn bad bytes
// into U+FFFD, and two different values into one).
import { isUtf8 } from 'node:buffer';
import { FlatbufferError, readInt64, rootTable, type FbTable, type FbVector } from './flatbuffer.ts';
import { reject, type Rejection } from './reasons.ts';

export interface ArrowLimits {
  /** Rows of all record batches together. */
  maxRows: number;
  /** Record batches plus dictionary batches. */
  maxBatches: number;
  /** Values of all dictionaries together. */
  maxDictionaryValues: number;
  /** Fields of the schema, nested ones included. */
  maxFields: number;
  /** Nesting depth of the schema. */
  maxDepth: number;
  /**
   * Values (one per row of every column and nested child) of all batches
   * together: `valuesFloor + valuesPerByte * bytes`. A column of nulls costs
   * no bytes, so without this a few bytes could declare billions of values.
   */
  valuesFloor: number;
  valuesPerByte: number;
}

export const DEFAULT_ARROW_LIMITS: ArrowLimits = {
  maxRows: 100_000,
  maxBatches: 10_000,
  maxDictionaryValues: 1_000_000,
  maxFields: 10_000,
  maxDepth: 32,
  valuesFloor: 131_072,
  valuesPerByte: 1,
};

const Header = { Schema: 1, DictionaryBatch: 2, RecordBatch: 3 } as const;

const V4 = 3;
const V5 = 4;

class ArrowCheckError extends Error {}

function bad(message: string): never {
  throw new ArrowCheckError(message);
}

/** The physical layout of a column, as the loader reads it. */
type Shape =
  | { kind: 'null' }
  | { kind: 'fixed'; bits: number }
  | { kind: 'binary'; offsetBytes: 4 | 8; utf8: boolean }
  | { kind: 'list'; offsetBytes: 4 | 8; child: Shape }
  | { kind: 'fixedList'; size: number; child: Shape }
  | { kind: 'struct'; children: Shape[] }
  | { kind: 'dict'; id: number; indexBytes: number; signed: boolean };

interface SchemaInfo {
  columns: Shape[];
  /** Value shape of each dictionary id. */
  dictionaries: Map<number, Shape>;
}

const UNSUPPORTED: Record<number, string> = {
  14: 'Union',
  22: 'RunEndEncoded',
  23: 'BinaryView',
  24: 'Utf8View',
  25: 'ListView',
  26: 'LargeListView',
};

class SchemaReader {
  fields = 0;
  strings = 0;
  readonly dictionaries = new Map<number, Shape>();
  constructor(
    private readonly limits: ArrowLimits,
    private readonly metadataBytes: number,
  ) {}

  /** Count the bytes of the strings apache-arrow will decode (shared strings count each time). */
  #string(t: FbTable, slot: number): void {
    this.strings += t.stringLength(slot);
    if (this.strings > this.metadataBytes) bad('the schema metadata refers to the same strings over and over');
  }

  customMetadata(t: FbTable, slot: number): void {
    const vec = t.vector(slot, 4);
    if (!vec) return;
    for (let i = 0; i < vec.length; i++) {
      const kv = t.tableAt(vec, i);
      this.#string(kv, 0);
      this.#string(kv, 1);
    }
  }

  field(f: FbTable, depth: number): Shape {
    if (++this.fields > this.limits.maxFields || this.fields > this.metadataBytes / 8) bad(`the schema has more than ${this.limits.maxFields} fields`);
    if (depth > this.limits.maxDepth) bad(`the schema nests deeper than ${this.limits.maxDepth} levels`);
    this.#string(f, 0);
    this.customMetadata(f, 6);
    const childVec = f.vector(5, 4);
    const children: Shape[] = [];
    if (childVec) for (let i = 0; i < childVec.length; i++) children.push(this.field(f.tableAt(childVec, i), depth + 1));
    const value = this.#type(f, children);
    const dict = f.table(4);
    if (!dict) return value;
    const id = dict.int64(0);
    const index = dict.table(1);
    const bits = index ? index.int32(0) : 32;
    if (![8, 16, 32, 64].includes(bits)) bad(`dictionary index width ${bits} is not 8, 16, 32 or 64 bits`);
    if (!this.dictionaries.has(id)) this.dictionaries.set(id, value);
    return { kind: 'dict', id, indexBytes: bits / 8, signed: index ? index.uint8(1) !== 0 : true };
  }

  #typeTable(f: FbTable, name: string): FbTable {
    return f.table(3) ?? bad(`a ${name} field has no type parameters`);
  }

  #type(f: FbTable, children: Shape[]): Shape {
    const typeId = f.uint8(2);
    const one = (name: string): Shape => (children.length === 1 ? children[0]! : bad(`a ${name} field needs exactly one child`));
    switch (typeId) {
      case 0:
      case 1:
        return { kind: 'null' };
      case 2: {
        const bits = this.#typeTable(f, 'Int').int32(0);
        if (![8, 16, 32, 64].includes(bits)) bad(`Int of ${bits} bits`);
        return { kind: 'fixed', bits };
      }
      case 3: {
        const precision = this.#typeTable(f, 'FloatingPoint').int16(0);
        if (precision < 0 || precision > 2) bad(`unknown float precision ${precision}`);
        return { kind: 'fixed', bits: [16, 32, 64][precision]! };
      }
      case 4:
      case 5:
        return { kind: 'binary', offsetBytes: 4, utf8: typeId === 5 };
      case 6:
        return { kind: 'fixed', bits: 1 };
      case 7: {
        const bits = this.#typeTable(f, 'Decimal').int32(2, 128);
        if (![32, 64, 128, 256].includes(bits)) bad(`Decimal of ${bits} bits`);
        return { kind: 'fixed', bits };
      }
      case 8: {
        const unit = this.#typeTable(f, 'Date').int16(0, 1);
        if (unit !== 0 && unit !== 1) bad(`unknown date unit ${unit}`);
        return { kind: 'fixed', bits: unit === 0 ? 32 : 64 };
      }
      case 9: {
        const t = this.#typeTable(f, 'Time');
        const bits = t.int32(1, 32);
        if ((bits !== 32 && bits !== 64) || t.int16(0, 1) < 0 || t.int16(0, 1) > 3) bad('bad Time type');
        return { kind: 'fixed', bits };
      }
      case 10:
      case 18: {
        const t = this.#typeTable(f, typeId === 10 ? 'Timestamp' : 'Duration');
        const unit = t.int16(0, typeId === 10 ? 0 : 1);
        if (unit < 0 || unit > 3) bad(`unknown time unit ${unit}`);
        if (typeId === 10) this.#string(t, 1);
        return { kind: 'fixed', bits: 64 };
      }
      case 11: {
        const unit = this.#typeTable(f, 'Interval').int16(0);
        if (unit < 0 || unit > 2) bad(`unknown interval unit ${unit}`);
        return { kind: 'fixed', bits: [32, 64, 128][unit]! };
      }
      case 12:
        return { kind: 'list', offsetBytes: 4, child: one('List') };
      case 21:
        return { kind: 'list', offsetBytes: 8, child: one('LargeList') };
      case 17: {
        this.#typeTable(f, 'Map');
        const entries = one('Map');
        if (entries.kind !== 'struct' || entries.children.length !== 2) bad('a Map field needs one Struct child of two fields');
        return { kind: 'list', offsetBytes: 4, child: entries };
      }
      case 13:
        return { kind: 'struct', children };
      case 15: {
        const width = this.#typeTable(f, 'FixedSizeBinary').int32(0);
        if (width < 1 || width > 1 << 20) bad(`FixedSizeBinary of ${width} bytes`);
        return { kind: 'fixed', bits: width * 8 };
      }
      case 16: {
        const size = this.#typeTable(f, 'FixedSizeList').int32(0);
        if (size < 1 || size > 1 << 20) bad(`FixedSizeList of ${size} values`);
        return { kind: 'fixedList', size, child: one('FixedSizeList') };
      }
      case 19:
      case 20:
        return { kind: 'binary', offsetBytes: 8, utf8: typeId === 20 };
      default:
        bad(UNSUPPORTED[typeId] ? `Arrow type ${UNSUPPORTED[typeId]} is not supported` : `unknown Arrow type id ${typeId}`);
    }
  }
}

function readSchema(header: FbTable, limits: ArrowLimits, metadataBytes: number): SchemaInfo {
  if (header.int16(0) !== 0) bad('big-endian Arrow data is not supported');
  const reader = new SchemaReader(limits, metadataBytes);
  reader.customMetadata(header, 2);
  const fields = header.vector(1, 4);
  if (!fields || fields.length === 0) bad('the schema has no fields');
  const columns: Shape[] = [];
  for (let i = 0; i < fields.length; i++) columns.push(reader.field(header.tableAt(fields, i), 1));
  return { columns, dictionaries: reader.dictionaries };
}

interface Budget {
  values: number;
  maxValues: number;
}

/** Follows one batch's nodes and buffers through the schema, as VectorLoader consumes them. */
class BatchWalker {
  #node = 0;
  #buffer = 0;
  readonly #view: DataView;

  constructor(
    private readonly rb: FbTable,
    private readonly nodes: FbVector,
    private readonly buffers: FbVector,
    private readonly body: Uint8Array,
    private readonly dictionaryLengths: ReadonlyMap<number, number>,
    private readonly budget: Budget,
  ) {
    this.#view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  }

  #nextNode(): { length: number; nulls: number } {
    if (this.#node >= this.nodes.length) bad('a batch has fewer field nodes than its schema has fields');
    const i = this.#node++;
    const length = this.rb.int64At(this.nodes, i, 16, 0);
    const nulls = this.rb.int64At(this.nodes, i, 16, 8);
    if (length < 0 || length > 0x7fffffff) bad(`a field node has length ${length}`);
    // -1 (unknown) is what apache-arrow itself writes for a sliced column of nulls.
    if (nulls < -1 || nulls > length) bad(`a field node has ${nulls} nulls in ${length} values`);
    this.budget.values += length;
    if (this.budget.values > this.budget.maxValues) bad(`more than ${this.budget.maxValues} values for ${this.body.byteLength} bytes of body`);
    return { length, nulls };
  }

  #nextBuffer(): { offset: number; length: number } {
    if (this.#buffer >= this.buffers.length) bad('a batch has fewer buffers than its schema needs');
    const i = this.#buffer++;
    const offset = this.rb.int64At(this.buffers, i, 16, 0);
    const length = this.rb.int64At(this.buffers, i, 16, 8);
    if (offset < 0 || length < 0 || offset + length > this.body.byteLength) bad(`buffer ${i} (${offset}+${length}) is outside the body of ${this.body.byteLength} bytes`);
    return { offset, length };
  }

  #validity(length: number, nulls: number): { offset: number; length: number } {
    const b = this.#nextBuffer();
    if (nulls > 0 && b.length < Math.ceil(length / 8)) bad('a validity bitmap is shorter than its column');
    return b;
  }

  /** Check offsets[0..length] and return the last one. */
  #offsets(b: { offset: number; length: number }, length: number, width: 4 | 8, limit: number): number {
    if (length === 0) return 0;
    if (b.length < (length + 1) * width) bad('an offsets buffer is shorter than its column');
    let prev = -1;
    for (let i = 0; i <= length; i++) {
      const p = b.offset + i * width;
      const v = width === 4 ? this.#view.getInt32(p, true) : readInt64(this.#view, p);
      if (v < 0 || v < prev || v > limit) bad('offsets are negative, decreasing or beyond their data');
      prev = v;
    }
    return prev;
  }

  #indices(shape: Extract<Shape, { kind: 'dict' }>, length: number, nulls: number, validity: { offset: number }): void {
    const size = this.dictionaryLengths.get(shape.id);
    if (size === undefined) bad(`a batch uses dictionary ${shape.id} before it was sent`);
    const data = this.#nextBuffer();
    if (data.length < length * shape.indexBytes) bad('a dictionary index buffer is shorter than its column');
    const v = this.#view;
    for (let i = 0; i < length; i++) {
      if (nulls > 0 && ((this.body[validity.offset + (i >> 3)]! >> (i & 7)) & 1) === 0) continue;
      const p = data.offset + i * shape.indexBytes;
      let k: number;
      switch (shape.indexBytes) {
        case 1:
          k = shape.signed ? v.getInt8(p) : v.getUint8(p);
          break;
        case 2:
          k = shape.signed ? v.getInt16(p, true) : v.getUint16(p, true);
          break;
        case 4:
          k = shape.signed ? v.getInt32(p, true) : v.getUint32(p, true);
          break;
        default:
          k = readInt64(v, p);
      }
      if (k < 0 || k >= size) bad(`dictionary index ${k} is outside dictionary ${shape.id} of ${size} values`);
    }
  }

  /** Visit one column (and its children); its length must be at least `min` (exactly, when `exact`). */
  visit(shape: Shape, min: number, exact: boolean): void {
    const { length, nulls } = this.#nextNode();
    if (exact ? length !== min : length < min) bad(`a column has ${length} values where ${min} are expected`);
    if (shape.kind === 'null') return;
    const validity = this.#validity(length, nulls);
    switch (shape.kind) {
      case 'fixed': {
        const data = this.#nextBuffer();
        if (data.length < Math.ceil((length * shape.bits) / 8)) bad('a data buffer is shorter than its column');
        return;
      }
      case 'binary': {
        const offsets = this.#nextBuffer();
        const data = this.#nextBuffer();
        const end = this.#offsets(offsets, length, shape.offsetBytes, data.length);
        if (shape.utf8 && !isUtf8(this.body.subarray(data.offset, data.offset + end))) bad('a Utf8 column holds bytes that are not UTF-8');
        return;
      }
      case 'list': {
        const last = this.#offsets(this.#nextBuffer(), length, shape.offsetBytes, 0x7fffffff);
        this.visit(shape.child, last, false);
        return;
      }
      case 'fixedList':
        this.visit(shape.child, length * shape.size, false);
        return;
      case 'struct':
        for (const c of shape.children) this.visit(c, length, false);
        return;
      case 'dict':
        this.#indices(shape, length, nulls, validity);
        return;
    }
  }
}

function checkBatch(rb: FbTable, body: Uint8Array, columns: readonly Shape[], dictionaryLengths: ReadonlyMap<number, number>, budget: Budget): number {
  const length = rb.int64(0);
  if (length < 0 || length > 0x7fffffff) bad(`a batch declares ${length} rows`);
  if (rb.has(3)) bad('compressed Arrow IPC bodies are not supported');
  const variadic = rb.vector(4, 8);
  if (variadic && variadic.length > 0) bad('variadic buffers (view types) are not supported');
  const nodes = rb.vector(1, 16) ?? bad('a batch has no field nodes');
  const buffers = rb.vector(2, 16) ?? { start: 0, length: 0 };
  const walker = new BatchWalker(rb, nodes, buffers, body, dictionaryLengths, budget);
  for (const c of columns) walker.visit(c, length, true);
  return length;
}

/** Length of an IPC length prefix as apache-arrow reads it (missing bytes read as 0). */
function lengthPrefix(bytes: Uint8Array, pos: number): number {
  const b = (i: number): number => (pos + i < bytes.length ? bytes[pos + i]! : 0);
  return b(0) | (b(1) << 8) | (b(2) << 16) | (b(3) << 24);
}

interface StreamState {
  schema: SchemaInfo | null;
  batches: number;
  rows: number;
  dictionaryValues: number;
  dictionaryLengths: Map<number, number>;
  budget: Budget;
}

function newState(limits: ArrowLimits, totalBytes: number): StreamState {
  return {
    schema: null,
    batches: 0,
    rows: 0,
    dictionaryValues: 0,
    dictionaryLengths: new Map(),
    budget: { values: 0, maxValues: limits.valuesFloor + limits.valuesPerByte * totalBytes },
  };
}

/** The message at `pos` (its metadata and where its body starts), or null at an end-of-stream marker. */
function messageAt(bytes: Uint8Array, pos: number): { meta: Uint8Array; bodyStart: number } | null {
  let len = lengthPrefix(bytes, pos);
  pos += 4;
  if (len === -1) {
    len = lengthPrefix(bytes, pos);
    pos += 4;
  }
  if (len === 0) return null;
  if (len < 0 || len > bytes.length - pos) bad(`message metadata of ${len} bytes runs past the end of the data`);
  return { meta: bytes.subarray(pos, pos + len), bodyStart: pos + len };
}

function checkVersion(version: number): void {
  if (version < V4 || version > V5) bad(`metadata version ${version + 1} is not supported (Arrow 0.8 or later writes V4/V5)`);
}

/** Check one message (`expect`: the header type it must have); returns its body length. */
function checkMessage(meta: Uint8Array, bytes: Uint8Array, bodyStart: number, st: StreamState, limits: ArrowLimits, expect?: number): number {
  const msg = rootTable(meta);
  checkVersion(msg.int16(0));
  const type = msg.uint8(1);
  if (expect !== undefined && type !== expect) bad(`expected message type ${expect}, found ${type}`);
  const bodyLength = msg.int64(3);
  if (bodyLength < 0 || bodyLength > bytes.length - bodyStart) bad(`a message body of ${bodyLength} bytes runs past the end of the data`);
  new SchemaReader(limits, meta.length).customMetadata(msg, 4);
  const header = msg.table(2) ?? bad('a message has no header');
  if (type === Header.Schema) {
    if (st.schema) bad('a second schema in one stream');
    if (bodyLength !== 0) bad('a schema message with a body');
    st.schema = readSchema(header, limits, meta.length);
    return 0;
  }
  if (type !== Header.RecordBatch && type !== Header.DictionaryBatch) bad(`message type ${type} is not a schema, record batch or dictionary batch`);
  const schema = st.schema ?? bad('a batch before the schema');
  if (++st.batches > limits.maxBatches) bad(`more than ${limits.maxBatches} batches`);
  const body = bytes.subarray(bodyStart, bodyStart + bodyLength);
  if (type === Header.RecordBatch) {
    st.rows += checkBatch(header, body, schema.columns, st.dictionaryLengths, st.budget);
    if (st.rows > limits.maxRows) bad(`more than ${limits.maxRows} rows`);
    return bodyLength;
  }
  const id = header.int64(0);
  const value = schema.dictionaries.get(id) ?? bad(`dictionary ${id} is not in the schema`);
  const data = header.table(1) ?? bad('a dictionary batch without data');
  const n = checkBatch(data, body, [value], st.dictionaryLengths, st.budget);
  st.dictionaryValues += n;
  if (st.dictionaryValues > limits.maxDictionaryValues) bad(`more than ${limits.maxDictionaryValues} dictionary values`);
  const delta = header.uint8(2) !== 0;
  st.dictionaryLengths.set(id, (delta ? (st.dictionaryLengths.get(id) ?? 0) : 0) + n);
  return bodyLength;
}

function checkStream(bytes: Uint8Array, limits: ArrowLimits): void {
  const st = newState(limits, bytes.length);
  for (let pos = 0; pos < bytes.length; ) {
    const m = messageAt(bytes, pos);
    if (!m) break;
    pos = m.bodyStart + checkMessage(m.meta, bytes, m.bodyStart, st, limits);
  }
  if (!st.schema) bad('no schema message');
}

/**
 * The file format: apache-arrow takes the schema from the footer and reads
 * each message where the footer's blocks point (dictionaries first), so
 * those are what is checked. A record batch block must hold a record batch:
 * a block pointing at any other message makes apache-arrow's reader loop.
 */
function checkFile(bytes: Uint8Array, limits: ArrowLimits): void {
  if (bytes.length < 18 || !hasMagic(bytes, bytes.length - 6)) bad('an Arrow file without its closing magic');
  const footerLength = lengthPrefix(bytes, bytes.length - 10);
  const footerStart = bytes.length - 10 - footerLength;
  if (footerLength <= 0 || footerStart < 8) bad('an Arrow file footer of a bad length');
  const footerBytes = bytes.subarray(footerStart, bytes.length - 10);
  const footer = rootTable(footerBytes);
  checkVersion(footer.int16(0, 0));
  const st = newState(limits, bytes.length);
  st.schema = readSchema(footer.table(1) ?? bad('an Arrow file footer without a schema'), limits, footerBytes.length);
  for (const [slot, type] of [
    [2, Header.DictionaryBatch],
    [3, Header.RecordBatch],
  ] as const) {
    const blocks = footer.vector(slot, 24);
    for (let i = 0; blocks && i < blocks.length; i++) {
      const offset = footer.int64At(blocks, i, 24, 0);
      if (offset < 0 || offset >= footerStart) bad(`block ${i} at ${offset} is outside the file`);
      const m = messageAt(bytes, offset) ?? bad(`block ${i} points at an end-of-stream marker`);
      checkMessage(m.meta, bytes, m.bodyStart, st, limits, type);
    }
  }
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31];

function hasMagic(bytes: Uint8Array, at: number): boolean {
  return MAGIC.every((c, i) => bytes[at + i] === c);
}

/** Check Arrow IPC bytes (stream or file) against `limits`: null when apache-arrow may read them, else why not. */
export function checkArrowIpc(bytes: Uint8Array, limits: ArrowLimits = DEFAULT_ARROW_LIMITS): Rejection | null {
  try {
    if (hasMagic(bytes, 0)) checkFile(bytes, limits);
    else checkStream(bytes, limits);
    return null;
  } catch (e) {
    if (e instanceof ArrowCheckError || e instanceof FlatbufferError || e instanceof RangeError) return reject('invalid_arrow', `not valid Arrow IPC: ${e.message.slice(0, 200)}`);
    throw e;
  }
}
