// Snappy as Kafka uses it. The Java client writes xerial's framing (a magic
// header, then chunks of [4-byte big-endian length][raw snappy]); librdkafka
// writes the same framing and reads raw snappy too, so both are accepted.
// Raw snappy blocks come from snappyjs (pure JavaScript), whose uncompress
// refuses a block whose declared length is over the remaining cap before it
// allocates anything.
import snappyjs from 'snappyjs';
import { corrupt, tooLarge } from './errors.ts';

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER = 16; // magic, version, compatible version
const ENCODE_CHUNK = 32 * 1024; // xerial's default block size

function isXerial(src: Uint8Array): boolean {
  if (src.length < XERIAL_HEADER) return false;
  for (let i = 0; i < XERIAL_MAGIC.length; i++) if (src[i] !== XERIAL_MAGIC[i]) return false;
  return true;
}

/** The length a raw snappy block declares (its varint preamble), or -1. */
function declaredLength(src: Uint8Array, start: number, end: number): number {
  let result = 0;
  for (let shift = 0, i = start; shift < 35 && i < end; shift += 7, i++) {
    const b = src[i]!;
    result += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return result;
  }
  return -1;
}

function rawBlock(src: Uint8Array, start: number, end: number, room: number, cap: number): Uint8Array {
  const len = declaredLength(src, start, end);
  if (len < 0) throw corrupt('snappy: bad length preamble');
  if (len > room) throw tooLarge(cap);
  try {
    return snappyjs.uncompress(src.subarray(start, end), room);
  } catch (e) {
    throw corrupt(`snappy: ${(e as Error).message}`);
  }
}

/** Decompress xerial-framed or raw snappy, producing at most `cap` bytes. */
export function snappyDecompress(src: Uint8Array, cap: number): Buffer {
  if (!isXerial(src)) return Buffer.from(rawBlock(src, 0, src.length, cap, cap));
  const parts: Uint8Array[] = [];
  let total = 0;
  let i = XERIAL_HEADER;
  while (i < src.length) {
    if (i + 4 > src.length) throw corrupt('snappy: truncated xerial chunk length');
    const n = ((src[i]! << 24) | (src[i + 1]! << 16) | (src[i + 2]! << 8) | src[i + 3]!) >>> 0;
    i += 4;
    if (i + n > src.length) throw corrupt('snappy: truncated xerial chunk');
    const block = rawBlock(src, i, i + n, cap - total, cap);
    parts.push(block);
    total += block.length;
    i += n;
  }
  return Buffer.concat(parts, total);
}

/** xerial-framed snappy, as the Java client writes it. */
export function snappyCompress(input: Uint8Array): Buffer {
  const header = Buffer.alloc(XERIAL_HEADER);
  XERIAL_MAGIC.copy(header, 0);
  header.writeInt32BE(1, 8);
  header.writeInt32BE(1, 12);
  const parts: Uint8Array[] = [header];
  for (let off = 0; off < input.length; off += ENCODE_CHUNK) {
    const block = snappyjs.compress(input.subarray(off, Math.min(input.length, off + ENCODE_CHUNK)));
    const len = Buffer.alloc(4);
    len.writeUInt32BE(block.length, 0);
    parts.push(len, block);
  }
  return Buffer.concat(parts);
}
