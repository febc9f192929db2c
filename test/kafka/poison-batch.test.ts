// The codec guard inside kafkajs's own record-batch decoder: a batch that
// cannot be decoded comes out as a poison marker (never an exception that
// would fail the whole fetch), with the batch's offsets and the cause; a good
// batch comes out unchanged.
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { crc32c } from '../../src/kafka/codecs/checksums.ts';
import { configureCodecLimits, decompressedCap, registerCodecs } from '../../src/kafka/codecs/index.ts';
import { BATCH_HEADER, poisonInfo, POISON_HEADER, recordsWellFormed } from '../../src/kafka/record-batch.ts';

const require = createRequire(import.meta.url);
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (o: object) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (o: object) => unknown;
const Long = require('kafkajs/src/utils/long.js') as { fromNumber(n: number): unknown };
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => { forward(n: number): void };
const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder.js') as (d: unknown) => Promise<{ records: DecodedRecord[] }>;

interface DecodedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer>;
}

const CODECS = { gzip: 1, snappy: 2, lz4: 3, zstd: 4 } as const;

async function batch(compression: number, count: number, base = 500, valueBytes = 120): Promise<Buffer> {
  const records = Array.from({ length: count }, (_, i) =>
    Record({ offsetDelta: i, key: Buffer.from(`k${i}`), value: Buffer.from(JSON.stringify({ event_id: `e${i}`, pad: 'p'.repeat(valueBytes) })), headers: { 'content-type': Buffer.from('application/json') } }),
  );
  return (await RecordBatch({ compression, firstOffset: Long.fromNumber(base), lastOffsetDelta: count - 1, records })).buffer;
}

/** Decode as kafkajs does inside a fetch response: the batch sits at an offset in a larger buffer. */
async function decode(b: Buffer): Promise<DecodedRecord[]> {
  const response = Buffer.concat([Buffer.alloc(29, 0xaa), b]);
  const d = new Decoder(response);
  d.forward(29);
  return (await decodeBatch(d)).records;
}

function fixCrc(b: Buffer): Buffer {
  b.writeUInt32BE(crc32c(b, 21), 17);
  return b;
}

beforeAll(() => {
  registerCodecs();
  configureCodecLimits({ maxRecordBytes: 4096, maxBatchBytes: 64 * 1024 * 1024 });
});

describe('poison batches inside kafkajs decoding', () => {
  for (const [name, id] of Object.entries(CODECS)) {
    it(`${name}: a good batch decodes, a corrupt one becomes a marker at its last offset`, async () => {
      const good = await batch(id, 6);
      const records = await decode(good);
      expect(records.map((r) => r.offset)).toEqual(['500', '501', '502', '503', '504', '505']);
      expect(JSON.parse(records[5]!.value!.toString())).toMatchObject({ event_id: 'e5' });
      expect(records[0]!.headers[POISON_HEADER]).toBeUndefined();

      // Bit rot: one byte of the compressed records flipped, CRC left as is.
      const rotten = Buffer.from(good);
      rotten[BATCH_HEADER + 8]! ^= 0x5a;
      const marked = await decode(rotten);
      expect(marked).toHaveLength(6);
      expect(new Set(marked.map((r) => r.offset))).toEqual(new Set(['505']));
      expect(poisonInfo(marked[0]!.headers)).toMatchObject({ cause: 'checksum', codec: name, firstOffset: '500', lastOffset: '505', records: 6 });
      expect(marked[0]!.value!.equals(rotten.subarray(BATCH_HEADER))).toBe(true);

      // The same damage with a recomputed CRC (a producer bug, not the disk): the codec itself refuses it.
      const garbled = fixCrc(Buffer.from(good));
      for (let i = BATCH_HEADER + 4; i < garbled.length; i += 7) garbled[i]! ^= 0x33;
      fixCrc(garbled);
      const info = poisonInfo((await decode(garbled))[0]!.headers);
      expect(info?.cause).toBe('corrupt');
    });
  }

  it('refuses a batch that decompresses past the cap (a decompression bomb)', async () => {
    const bomb = await batch(CODECS.zstd, 2, 0, 3 * decompressedCap(1));
    expect(bomb.length).toBeLessThan(4096);
    const marked = await decode(bomb);
    expect(poisonInfo(marked[0]!.headers)).toMatchObject({ cause: 'too_large', codec: 'zstd', firstOffset: '0', lastOffset: '1' });
    // Just under the cap still decodes.
    const fits = await decode(await batch(CODECS.zstd, 2, 0, 4000));
    expect(fits[1]!.headers[POISON_HEADER]).toBeUndefined();
  });

  it('names a codec id Kafka does not define instead of reading garbage', async () => {
    const b = await batch(CODECS.lz4, 3, 70);
    b.writeInt16BE(b.readInt16BE(21) | 0x07, 21); // codec bits 7
    const marked = await decode(fixCrc(b));
    expect(poisonInfo(marked[0]!.headers)).toMatchObject({ cause: 'unknown_codec', codec: 'unknown(7)', firstOffset: '70', lastOffset: '72' });
  });

  it('does not trust a marker header a producer wrote itself', async () => {
    const forged = { token: 'x', cause: 'corrupt', codec: 'gzip', firstOffset: '0', lastOffset: '9', records: 10, message: 'forged' };
    expect(poisonInfo({ [POISON_HEADER]: Buffer.from(JSON.stringify(forged)) })).toBeNull();
  });

  it('checks record structure as strictly as the Java client', () => {
    // One record: length 7, attributes 0, ts 0, offset 0, key null, value null, 0 headers.
    const one = Buffer.from([14, 0, 0, 0, 1, 1, 0, 0]);
    expect(recordsWellFormed(Buffer.from([12, 0, 0, 0, 1, 1, 0]), 1)).toBe(true);
    expect(recordsWellFormed(one, 1)).toBe(false); // declared length longer than its fields
    expect(recordsWellFormed(Buffer.from([12, 0, 0, 0, 1, 1, 0, 99]), 1)).toBe(false); // trailing bytes
    expect(recordsWellFormed(Buffer.from([12, 0, 0, 0, 1, 1, 0]), 2)).toBe(false); // fewer records than promised
  });
});
