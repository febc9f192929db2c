// A bounds-checked reader of FlatBuffers tables, for checking the metadata of
// Arrow IPC messages before apache-arrow reads them. apache-arrow's
// flatbuffers runtime trusts every offset and length it finds: a read past
// the end gives 0 instead of an error, offsets may point backwards (cycles),
// and a vector length of two billion is iterated as given. Here every read is
// checked against the buffer, offsets must point forward (so the metadata is
// a DAG with no cycles), and any violation throws FlatbufferError.
//
// The checks mirror how the flatbuffers JS runtime reads a table, so what
// passes here reads the same there: vtable sizes and field offsets are read
// as signed 16-bit numbers there, so both must stay below 32,768 here.

export class FlatbufferError extends Error {}

function fail(message: string): never {
  throw new FlatbufferError(message);
}

export interface FbVector {
  /** Position of the first element. */
  readonly start: number;
  readonly length: number;
}

export class FbTable {
  readonly #view: DataView;
  readonly #size: number;
  readonly #pos: number;
  readonly #vtable: number;
  readonly #vtableSize: number;
  readonly #inlineSize: number;

  constructor(view: DataView, pos: number) {
    this.#view = view;
    this.#size = view.byteLength;
    if (pos < 0 || pos + 4 > this.#size) fail(`table at ${pos} is outside the metadata`);
    this.#pos = pos;
    const vtable = pos - view.getInt32(pos, true);
    if (vtable < 0 || vtable + 4 > this.#size) fail(`vtable of the table at ${pos} is outside the metadata`);
    this.#vtable = vtable;
    this.#vtableSize = view.getUint16(vtable, true);
    this.#inlineSize = view.getUint16(vtable + 2, true);
    if (this.#vtableSize < 4 || this.#vtableSize > 0x7fff || this.#vtableSize % 2 !== 0 || vtable + this.#vtableSize > this.#size) fail(`bad vtable at ${vtable}`);
    if (this.#inlineSize < 4 || pos + this.#inlineSize > this.#size) fail(`table at ${pos} overruns the metadata`);
  }

  /** Offset of field `slot` inside the table, 0 when absent. */
  #field(slot: number, width: number): number {
    const vo = 4 + 2 * slot;
    if (vo >= this.#vtableSize) return 0;
    const off = this.#view.getUint16(this.#vtable + vo, true);
    if (off === 0) return 0;
    if (off > 0x7fff || off + width > this.#inlineSize) fail(`field ${slot} of the table at ${this.#pos} overruns it`);
    return this.#pos + off;
  }

  has(slot: number): boolean {
    return this.#field(slot, 1) !== 0;
  }

  uint8(slot: number, dflt = 0): number {
    const p = this.#field(slot, 1);
    return p === 0 ? dflt : this.#view.getUint8(p);
  }

  int16(slot: number, dflt = 0): number {
    const p = this.#field(slot, 2);
    return p === 0 ? dflt : this.#view.getInt16(p, true);
  }

  int32(slot: number, dflt = 0): number {
    const p = this.#field(slot, 4);
    return p === 0 ? dflt : this.#view.getInt32(p, true);
  }

  /** An int64 as a number; beyond ±2^53 it is an error (no Arrow length or offset is that large). */
  int64(slot: number, dflt = 0): number {
    const p = this.#field(slot, 8);
    return p === 0 ? dflt : readInt64(this.#view, p);
  }

  /** Follow the uoffset stored at `p` (it must point forward and stay inside the buffer). */
  #target(p: number): number {
    const u = this.#view.getInt32(p, true);
    if (u <= 0 || p + u >= this.#size) fail(`offset at ${p} points outside the metadata`);
    return p + u;
  }

  table(slot: number): FbTable | null {
    const p = this.#field(slot, 4);
    return p === 0 ? null : new FbTable(this.#view, this.#target(p));
  }

  /** A vector of `elementSize`-byte elements, bounds-checked as a whole. */
  vector(slot: number, elementSize: number): FbVector | null {
    const p = this.#field(slot, 4);
    if (p === 0) return null;
    const v = this.#target(p);
    if (v + 4 > this.#size) fail(`vector at ${v} is outside the metadata`);
    const length = this.#view.getInt32(v, true);
    if (length < 0 || v + 4 + length * elementSize > this.#size) fail(`vector at ${v} of ${length} elements overruns the metadata`);
    return { start: v + 4, length };
  }

  /** Element i of a vector of tables. */
  tableAt(vec: FbVector, i: number): FbTable {
    return new FbTable(this.#view, this.#target(vec.start + 4 * i));
  }

  /** A string's UTF-8 text (bounds-checked; its length is the caller's to limit). */
  string(slot: number): string | null {
    const vec = this.vector(slot, 1);
    if (!vec) return null;
    return Buffer.from(this.#view.buffer, this.#view.byteOffset + vec.start, vec.length).toString('utf8');
  }

  /** Length of a string field in bytes (0 when absent), without decoding it. */
  stringLength(slot: number): number {
    return this.vector(slot, 1)?.length ?? 0;
  }

  int64At(vec: FbVector, i: number, stride: number, field: number): number {
    return readInt64(this.#view, vec.start + i * stride + field);
  }
}

export function readInt64(view: DataView, p: number): number {
  const lo = view.getUint32(p, true);
  const hi = view.getInt32(p + 4, true);
  if (hi > 0x1fffff || hi < -0x200000) fail(`int64 at ${p} is beyond ±2^53`);
  return hi * 0x1_0000_0000 + lo;
}

/** The root table of a FlatBuffer held in `bytes`. */
export function rootTable(bytes: Uint8Array): FbTable {
  if (bytes.byteLength < 8) fail('metadata shorter than a FlatBuffer');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const root = view.getInt32(0, true);
  if (root <= 0 || root >= bytes.byteLength) fail('root offset outside the metadata');
  return new FbTable(view, root);
}
