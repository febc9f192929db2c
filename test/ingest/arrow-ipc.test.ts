// The Arrow IPC checks (src/ingest/arrow-ipc.ts): what apache-arrow writes
// passes, with every type the product reads and some it ignores; what would
// make apache-arrow loop or allocate without bound is refused; and every
// mutation of a valid stream is either refused or decodes and reads quickly.
import {
  Binary,
  Bool,
  Dictionary,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int8,
  Int32,
  Int64,
  LargeUtf8,
  List,
  Map_,
  Null,
  Struct,
  Table,
  TimestampMicrosecond,
  Utf8,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { checkArrowIpc, DEFAULT_ARROW_LIMITS } from '../../src/ingest/arrow-ipc.ts';
import { decodePayload } from '../../src/ingest/decode.ts';
import { rootTable } from '../../src/ingest/flatbuffer.ts';
import { arrowPredictions } from '../../testkit/arrow-events.ts';
import { rng } from '../../testkit/events.ts';

function readAll(bytes: Uint8Array): number {
  const t = tableFromIPC(bytes);
  let n = 0;
  for (const f of t.schema.fields) n += Array.from(t.getChild(f.name) ?? []).length;
  return n;
}

function manyTypes(n: number): Table {
  const r = rng(7);
  return new Table({
    i64: vectorFromArray(Array.from({ length: n }, (_, i) => BigInt(i)), new Int64()),
    i8: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 100) - 50), new Int8()),
    f32: vectorFromArray(Array.from({ length: n }, () => r()), new Float32()),
    maybe: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 3 === 0 ? null : i * 1.5)), new Float64()),
    flag: vectorFromArray(Array.from({ length: n }, (_, i) => i % 2 === 0), new Bool()),
    name: vectorFromArray(Array.from({ length: n }, (_, i) => (i % 5 === 0 ? null : `n-${i}-ü`)), new Utf8()),
    large: vectorFromArray(Array.from({ length: n }, (_, i) => `large-${i}`), new LargeUtf8()),
    cat: vectorFromArray(Array.from({ length: n }, (_, i) => ['a', 'b', null][i % 3]!), new Dictionary(new Utf8(), new Int8())),
    blob: vectorFromArray(Array.from({ length: n }, (_, i) => Uint8Array.of(i & 255, 1, 2)), new Binary()),
    at: vectorFromArray(Array.from({ length: n }, (_, i) => 1_700_000_000_000 + i), new TimestampMicrosecond()),
    nothing: vectorFromArray(Array.from({ length: n }, () => null), new Null()),
    list: vectorFromArray(Array.from({ length: n }, (_, i) => Array.from({ length: i % 4 }, (_, k) => k)), new List(new Field('item', new Int32(), true))),
    emb: vectorFromArray(Array.from({ length: n }, () => [r(), r(), r()]), new FixedSizeList(3, new Field('x', new Float32(), false))),
    st: vectorFromArray(Array.from({ length: n }, (_, i) => ({ a: i, b: `s${i}` })), new Struct([new Field('a', new Int32(), true), new Field('b', new Utf8(), true)])),
    m: vectorFromArray(
      Array.from({ length: n }, (_, i) => new Map([[`k${i % 7}`, i]])),
      new Map_<Utf8, Int32>(new Field('entries', new Struct<{ key: Utf8; value: Int32 }>([new Field('key', new Utf8(), false), new Field('value', new Int32(), true)]))),
    ),
  });
}

describe('checkArrowIpc', () => {
  it('passes what apache-arrow writes: streams and files, every type, several batches', () => {
    for (const bytes of [arrowPredictions(0, 1), arrowPredictions(0, 2000)]) {
      expect(checkArrowIpc(bytes)).toBeNull();
      expect(checkArrowIpc(tableToIPC(tableFromIPC(bytes), 'file'))).toBeNull();
    }
    const t = manyTypes(500);
    for (const format of ['stream', 'file'] as const) {
      const bytes = tableToIPC(t, format);
      expect(checkArrowIpc(bytes)).toBeNull();
      expect(readAll(bytes)).toBe(500 * t.schema.fields.length);
    }
    // Several record batches and dictionary batches in one stream.
    const whole = manyTypes(120);
    const two = new Table([...whole.slice(0, 50).batches, ...whole.slice(50).batches]);
    expect(two.batches).toHaveLength(2);
    for (const format of ['stream', 'file'] as const) {
      const bytes = tableToIPC(two, format);
      expect(checkArrowIpc(bytes)).toBeNull();
      expect(readAll(bytes)).toBe(120 * whole.schema.fields.length);
    }
  });

  it('refuses more rows, batches or values than its limits', () => {
    const bytes = arrowPredictions(0, 300);
    expect(checkArrowIpc(bytes, { ...DEFAULT_ARROW_LIMITS, maxRows: 299 })).toMatchObject({ reason: 'invalid_arrow', message: expect.stringContaining('more than 299 rows') });
    expect(checkArrowIpc(bytes, { ...DEFAULT_ARROW_LIMITS, maxBatches: 1 })).toMatchObject({ message: expect.stringContaining('batches') });
    expect(checkArrowIpc(bytes, { ...DEFAULT_ARROW_LIMITS, valuesFloor: 0, valuesPerByte: 0.01 })).toMatchObject({ message: expect.stringContaining('values') });
    expect(checkArrowIpc(tableToIPC(manyTypes(10)), { ...DEFAULT_ARROW_LIMITS, maxFields: 5 })).toMatchObject({ message: expect.stringContaining('fields') });
  });

  it('refuses a column of nulls that declares two billion values in a few bytes', () => {
    const t = new Table({ event_id: vectorFromArray(['a', 'b', 'c'], new Utf8()), nothing: vectorFromArray([null, null, null], new Null()) });
    const bytes = tableToIPC(t, 'stream');
    // The Null column's field node: length 3, null count 3.
    const node = Buffer.from([3, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0]);
    const at = Buffer.from(bytes).indexOf(node);
    expect(at).toBeGreaterThan(0);
    const bad = Uint8Array.from(bytes);
    new DataView(bad.buffer).setInt32(at, 0x7fffffff, true);
    new DataView(bad.buffer).setInt32(at + 8, 0x7fffffff, true);
    expect(checkArrowIpc(bad)).toMatchObject({ reason: 'invalid_arrow' });
  });

  it('refuses a file whose record batch block points at the schema (apache-arrow would loop on it)', () => {
    const file = Uint8Array.from(tableToIPC(tableFromIPC(arrowPredictions(0, 3)), 'file'));
    const view = new DataView(file.buffer);
    const footerLength = view.getInt32(file.length - 10, true);
    const footerStart = file.length - 10 - footerLength;
    const footer = rootTable(file.subarray(footerStart, file.length - 10));
    const blocks = footer.vector(3, 24)!;
    const dictionaries = footer.vector(2, 24);
    // Point the first record batch block at the first dictionary batch (a message of another type).
    const target = dictionaries && dictionaries.length > 0 ? footer.int64At(dictionaries, 0, 24, 0) : 8;
    view.setInt32(footerStart + blocks.start, target, true);
    expect(checkArrowIpc(file)).toMatchObject({ reason: 'invalid_arrow', message: expect.stringContaining('expected message type') });
  });

  it('refuses Utf8 columns that are not UTF-8', () => {
    const bytes = Uint8Array.from(tableToIPC(new Table({ s: vectorFromArray(['hello'], new Utf8()) }), 'stream'));
    const at = Buffer.from(bytes).indexOf('hello');
    bytes[at + 1] = 0xff;
    expect(checkArrowIpc(bytes)).toMatchObject({ message: expect.stringContaining('UTF-8') });
  });

  it('every two-byte mutation of a valid stream is refused, or decodes and reads in well under a second', () => {
    const base = arrowPredictions(0, 2);
    const random = rng(20261129);
    let refused = 0;
    let worst = 0;
    for (let k = 0; k < 3000; k++) {
      const m = Uint8Array.from(base);
      const i = Math.floor(random() * (m.length - 1));
      m[i] = Math.floor(random() * 256);
      m[i + 1] = Math.floor(random() * 256);
      const t0 = performance.now();
      const r = decodePayload(m, undefined, 'predictions');
      if ('reason' in r) refused++;
      else for (let j = 0; j < r.count; j++) r.get(j);
      worst = Math.max(worst, performance.now() - t0);
    }
    console.log(`3000 mutations: ${refused} refused, slowest ${worst.toFixed(1)} ms`);
    expect(worst).toBeLessThan(1000);
    expect(refused).toBeGreaterThan(100);
  });
});
