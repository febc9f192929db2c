// The test broker's log segments, read and (for the poison-batch tests)
// damaged in place, as bit rot or a buggy producer would leave them. The
// broker validates every batch it is sent (CRC, codec, decompression), so a
// corrupt batch can only reach a consumer through its log on disk; the
// broker serves fetches from the segment file (page cache), so a change
// there is what the next fetch returns.
import { existsSync, openSync, closeSync, readdirSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32c } from '../../src/kafka/codecs/checksums.ts';

export interface StoredBatch {
  file: string;
  /** Byte position of the batch in the segment file. */
  position: number;
  /** Whole batch size in bytes (baseOffset and length fields included). */
  size: number;
  baseOffset: number;
  lastOffset: number;
  records: number;
  /** Codec id: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd. */
  codec: number;
  transactional: boolean;
  control: boolean;
}

const CODEC_NAMES = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export const codecName = (id: number): string => CODEC_NAMES[id] ?? `unknown(${id})`;

/** Every record batch of one partition, in log order. */
export function storedBatches(logDir: string, topic: string, partition: number): StoredBatch[] {
  const dir = join(logDir, `${topic}-${partition}`);
  if (!existsSync(dir)) throw new Error(`no log directory ${dir}`);
  const out: StoredBatch[] = [];
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.log')).sort()) {
    const file = join(dir, name);
    const b = readFileSync(file);
    for (let pos = 0; pos + 61 <= b.length; ) {
      const length = b.readInt32BE(pos + 8);
      if (length <= 0 || pos + 12 + length > b.length) break; // preallocated tail
      const attributes = b.readInt16BE(pos + 21);
      const baseOffset = Number(b.readBigInt64BE(pos));
      out.push({
        file,
        position: pos,
        size: 12 + length,
        baseOffset,
        lastOffset: baseOffset + b.readInt32BE(pos + 23),
        records: b.readInt32BE(pos + 57),
        codec: attributes & 0x07,
        transactional: (attributes & 0x10) !== 0,
        control: (attributes & 0x20) !== 0,
      });
      pos += 12 + length;
    }
  }
  return out;
}

/**
 * Rewrite the batch starting at baseOffset in place: mutate() gets its bytes;
 * with fixCrc the CRC-32C is recomputed afterwards (a batch that is
 * consistent but undecodable), without it the CRC is left stale (bit rot).
 */
export function damageBatch(logDir: string, topic: string, partition: number, baseOffset: number, mutate: (batch: Buffer) => void, fixCrc: boolean): StoredBatch {
  const batch = storedBatches(logDir, topic, partition).find((x) => x.baseOffset === baseOffset);
  if (!batch) throw new Error(`no batch at offset ${baseOffset} in ${topic}-${partition}`);
  const fd = openSync(batch.file, 'r+');
  try {
    const bytes = Buffer.alloc(batch.size);
    readSync(fd, bytes, 0, batch.size, batch.position);
    const before = Buffer.from(bytes);
    mutate(bytes);
    if (bytes.subarray(0, 12).compare(before.subarray(0, 12)) !== 0) throw new Error('damageBatch must not change the offset or length fields');
    if (fixCrc) bytes.writeUInt32BE(crc32c(bytes, 21), 17);
    writeSync(fd, bytes, 0, batch.size, batch.position);
  } finally {
    closeSync(fd);
  }
  return batch;
}
