// npm run bench:codecs — how fast the Kafka codecs decompress on this
// machine (the consumer's side: every fetched batch of a compressed topic goes
// through one), and how well they compress realistic events (the dead-letter
// producer's side). One batch of 300 prediction events (~170 KB of JSON), the
// best of five rounds per codec; gzip is Node's zlib for comparison.
// The last line is `RESULT {...}` (MB/s of decompressed output, and ratios).
import { gunzipSync, gzipSync } from 'node:zlib';
import { lz4Compress, lz4Decompress } from '../src/kafka/codecs/lz4.ts';
import { snappyCompress, snappyDecompress } from '../src/kafka/codecs/snappy.ts';
import { zstdCompress, zstdDecompress } from '../src/kafka/codecs/zstd.ts';
import { predictionEvent } from '../testkit/events.ts';

const ROUNDS = 5;
const data = Buffer.from(Array.from({ length: 300 }, (_, i) => JSON.stringify(predictionEvent(i))).join('\n'));
const cap = 64 * 1024 * 1024;

function mbPerS(f: () => unknown, n = 300): number {
  for (let i = 0; i < 50; i++) f();
  let best = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    const s = Number(process.hrtime.bigint() - t) / 1e9;
    best = Math.max(best, (n * data.length) / 1e6 / s);
  }
  return Math.round(best);
}

const compressed = { lz4: lz4Compress(data), snappy: snappyCompress(data), zstd: await zstdCompress(data), gzip: gzipSync(data) };
const result = {
  node: process.version,
  batch_bytes: data.length,
  decompress_mb_per_s: {
    lz4: mbPerS(() => lz4Decompress(compressed.lz4, cap)),
    snappy: mbPerS(() => snappyDecompress(compressed.snappy, cap)),
    zstd: mbPerS(() => zstdDecompress(compressed.zstd, cap)),
    gzip: mbPerS(() => gunzipSync(compressed.gzip)),
  },
  compression_ratio: Object.fromEntries(Object.entries(compressed).map(([k, v]) => [k, Number((data.length / v.length).toFixed(2))])),
};
for (const [codec, rate] of Object.entries(result.decompress_mb_per_s)) console.log(`${codec.padEnd(7)} ${String(rate).padStart(5)} MB/s decompressed, ratio ${result.compression_ratio[codec]}`);
console.log(`RESULT ${JSON.stringify(result)}`);
