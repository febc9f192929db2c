// Every Kafka compression codec for kafkajs, which ships gzip only. Installed
// into kafkajs's CompressionCodecs (its documented extension point; the table
// is process-wide) by registerCodecs(), which createKafka calls.
//
// Decompression is guarded (see ../record-batch.ts): a batch that fails its
// CRC, names an unknown codec, does not decompress, decompresses past the cap
// or does not hold the records its header promises becomes a poison marker
// instead of an exception, so one bad batch never stalls a partition.
//
// The cap: a batch may decompress to at most (records in the batch) x
// (ingest.max_message_bytes + 1 KiB for key, headers and framing), and never
// more than ingest.max_buffered_bytes (the whole ingest buffer's budget).
import kafkajs from 'kafkajs';
import { batchHeaderOf, MAX_MARKER_RECORDS, poisonMarker, recordsWellFormed } from '../record-batch.ts';
import { UndecodableBatchError, type UndecodableCause } from './errors.ts';
import { gzipCompress, gzipDecompress } from './gzip.ts';
import { lz4Compress, lz4Decompress } from './lz4.ts';
import { snappyCompress, snappyDecompress } from './snappy.ts';
import { zstdCompress, zstdDecompress } from './zstd.ts';

export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** kafkajs's CompressionTypes value for a codec name. */
export function compressionType(name: Compression): kafkajs.CompressionTypes {
  return COMPRESSIONS.indexOf(name) as kafkajs.CompressionTypes;
}

export interface CodecLimits {
  /** ingest.max_message_bytes */
  maxRecordBytes: number;
  /** ingest.max_buffered_bytes */
  maxBatchBytes: number;
}

const RECORD_OVERHEAD = 1024;
let limits: CodecLimits = { maxRecordBytes: 1024 * 1024, maxBatchBytes: 256 * 1024 * 1024 };

/** Set the decompression cap from the ingest limits (process-wide, like the codec table). */
export function configureCodecLimits(next: CodecLimits): void {
  limits = { ...next };
}

/** The most bytes a batch of `records` records may decompress to. */
export function decompressedCap(records: number): number {
  return Math.min(limits.maxBatchBytes, Math.max(1, records) * (limits.maxRecordBytes + RECORD_OVERHEAD));
}

interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(view: Buffer): Promise<Buffer>;
}

type Inflate = (src: Uint8Array, cap: number) => Buffer | Promise<Buffer>;
type Deflate = (src: Uint8Array) => Buffer | Promise<Buffer>;

function guarded(id: number, name: string, inflate: Inflate | null, deflate: Deflate | null): Codec {
  return {
    async compress(encoder) {
      if (!deflate) throw new Error(`compression codec ${name} cannot be written`);
      return deflate(encoder.buffer);
    },
    async decompress(view) {
      const header = batchHeaderOf(view);
      if (!header || (header.attributes & 0x07) !== id) {
        // Not a v2 batch (a legacy message set's wrapper value): no offsets to
        // report, so the old behaviour, an error, with the batch cap.
        if (!inflate) throw new Error(`compression codec id ${id} is not one Kafka defines`);
        return inflate(view, limits.maxBatchBytes);
      }
      const refuse = (cause: UndecodableCause, message: string): Buffer => {
        if (header.recordCount > MAX_MARKER_RECORDS) {
          throw new Error(`record batch at offset ${header.baseOffset} is undecodable (${message}) and its header claims ${header.recordCount} records`);
        }
        return poisonMarker(header, view, { cause, codec: name, message });
      };
      if (!header.crcOk) return refuse('checksum', 'the record batch fails its CRC-32C check');
      if (!inflate) return refuse('unknown_codec', `compression codec id ${id} is not one Kafka defines`);
      let out: Buffer;
      try {
        out = await inflate(view, decompressedCap(header.recordCount));
      } catch (e) {
        if (e instanceof UndecodableBatchError) return refuse(e.kind, e.message);
        return refuse('corrupt', `${name}: ${(e as Error).message}`);
      }
      if (!recordsWellFormed(out, header.recordCount)) {
        return refuse('corrupt', `the decompressed ${name} data is not the ${header.recordCount} well-formed records the batch header promises`);
      }
      return out;
    },
  };
}

const CODECS: Record<number, Codec> = {
  1: guarded(1, 'gzip', gzipDecompress, gzipCompress),
  2: guarded(2, 'snappy', snappyDecompress, snappyCompress),
  3: guarded(3, 'lz4', lz4Decompress, lz4Compress),
  4: guarded(4, 'zstd', zstdDecompress, zstdCompress),
  // Ids Kafka does not define: kafkajs would read such a batch as
  // uncompressed garbage; a marker says what it is instead.
  5: guarded(5, 'unknown(5)', null, null),
  6: guarded(6, 'unknown(6)', null, null),
  7: guarded(7, 'unknown(7)', null, null),
};

/** Install the codecs into kafkajs (idempotent). */
export function registerCodecs(): void {
  const table = kafkajs.CompressionCodecs as unknown as Record<number, () => Codec>;
  for (const [id, codec] of Object.entries(CODECS)) table[Number(id)] = () => codec;
}
