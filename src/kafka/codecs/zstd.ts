// Zstandard: one or more zstd frames per batch (Java's zstd-jni and
// librdkafka write one, usually without the content size). The frames are
// walked here first (headers and block sizes only), so a frame that declares
// more content than the cap, or a window driftwatch will not allocate, is
// refused before anything is inflated. Each frame then streams through fzstd
// (pure JavaScript), which stops as soon as the output passes the cap.
// Encoding (dead letters) uses @bokuweb/zstd-wasm (the reference C library
// compiled to WebAssembly).
import { compress as zstdWasmCompress, init as zstdWasmInit } from '@bokuweb/zstd-wasm';
import { Decompress } from 'fzstd';
import { corrupt, tooLarge, UndecodableBatchError } from './errors.ts';

const FRAME_MAGIC = 0xfd2fb528;
/** Decoders must support 8 MiB windows (RFC 8878); larger ones only within the cap. */
const MIN_WINDOW_LIMIT = 8 * 1024 * 1024;

interface Frame {
  start: number;
  end: number;
  window: number;
  contentSize: number | null;
}

const le = (b: Uint8Array, i: number, n: number): number => {
  if (i + n > b.length) throw corrupt('zstd: truncated frame header');
  let v = 0;
  for (let k = n - 1; k >= 0; k--) v = v * 256 + b[i + k]!;
  return v;
};

/** Frame boundaries, windows and content sizes, from headers and block headers alone. */
function walkFrames(src: Uint8Array): Frame[] {
  const frames: Frame[] = [];
  let i = 0;
  while (i < src.length) {
    const magic = le(src, i, 4);
    if ((magic & 0xfffffff0) >>> 0 === 0x184d2a50) {
      i += 8 + le(src, i + 4, 4); // skippable frame
      continue;
    }
    if (magic !== FRAME_MAGIC) throw corrupt(`zstd: not a zstd frame (magic 0x${magic.toString(16)})`);
    let p = i + 4;
    const fhd = le(src, p++, 1);
    if ((fhd & 0x08) !== 0) throw corrupt('zstd: reserved bit set in the frame header');
    const singleSegment = (fhd & 0x20) !== 0;
    let window = 0;
    if (!singleSegment) {
      const wd = le(src, p++, 1);
      const base = 2 ** (10 + (wd >>> 3));
      window = base + (base / 8) * (wd & 7);
    }
    p += [0, 1, 2, 4][fhd & 3]!; // dictionary id
    const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fhd >>> 6]!;
    let contentSize: number | null = null;
    if (fcsBytes > 0) {
      contentSize = le(src, p, fcsBytes) + (fcsBytes === 2 ? 256 : 0);
      p += fcsBytes;
    }
    if (singleSegment) window = contentSize ?? 0;
    for (;;) {
      const h = le(src, p, 3);
      p += 3;
      const type = (h >>> 1) & 3;
      if (type === 3) throw corrupt('zstd: reserved block type');
      p += type === 1 ? 1 : h >>> 3;
      if (p > src.length) throw corrupt('zstd: truncated block');
      if (h & 1) break;
    }
    if (fhd & 0x04) p += 4; // content checksum
    if (p > src.length) throw corrupt('zstd: truncated frame');
    frames.push({ start: i, end: p, window, contentSize });
    i = p;
  }
  return frames;
}

/** Decompress zstd frames, producing at most `cap` bytes. */
export function zstdDecompress(src: Uint8Array, cap: number): Buffer {
  const frames = walkFrames(src);
  if (frames.length === 0) throw corrupt('zstd: no frame');
  const parts: Uint8Array[] = [];
  let total = 0;
  for (const f of frames) {
    if (f.contentSize !== null && total + f.contentSize > cap) throw tooLarge(cap);
    if (f.window > Math.max(cap, MIN_WINDOW_LIMIT)) throw tooLarge(cap, `a frame with a ${f.window}-byte window`);
    const stream = new Decompress((chunk) => {
      total += chunk.length;
      if (total > cap) throw tooLarge(cap);
      // fzstd reuses its window for the next block: keep a copy.
      parts.push(chunk.slice());
    });
    try {
      stream.push(src.subarray(f.start, f.end), true);
    } catch (e) {
      if (e instanceof UndecodableBatchError) throw e;
      throw corrupt(`zstd: ${(e as Error).message}`);
    }
  }
  return Buffer.concat(parts, total);
}

let ready: Promise<void> | null = null;

/** One zstd frame (level 3, the library default). */
export async function zstdCompress(input: Uint8Array): Promise<Buffer> {
  ready ??= zstdWasmInit();
  await ready;
  return Buffer.from(zstdWasmCompress(input, 3));
}
