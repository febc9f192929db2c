// LZ4 as Kafka uses it: the LZ4 frame format (magic 0x184D2204), one frame per
// record batch. Decoding is ours (frame and block), because it must stop at a
// size cap (decompression bombs), accept what every producer writes
// (independent blocks from Java and librdkafka, linked blocks from
// python-lz4 and others, optional content size and checksums) and the header
// checksum of Kafka before 0.10, which hashed the magic too (KAFKA-3160).
// Encoding (dead letters) compresses blocks with lz4-wasm-nodejs (lz4_flex
// compiled to WebAssembly) and frames them like Java's KafkaLZ4BlockOutputStream:
// independent 64 KiB blocks, no checksums.
import { compress as lz4Block } from 'lz4-wasm-nodejs';
import { xxhash32 } from './checksums.ts';
import { corrupt, tooLarge } from './errors.ts';

const MAGIC = 0x184d2204;
const BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];
const ENCODE_BLOCK = 64 * 1024;

class Output {
  buf: Uint8Array;
  pos = 0;
  constructor(
    initial: number,
    readonly cap: number,
  ) {
    this.buf = new Uint8Array(Math.max(16, Math.min(initial, cap)));
  }
  /** Capacity for `need` bytes in all (need <= cap, checked by the callers). */
  grow(need: number): void {
    if (need <= this.buf.length) return;
    const next = new Uint8Array(Math.min(this.cap, Math.max(need, this.buf.length * 2)));
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }
  /** Room for n more bytes, or a too_large error past the cap. */
  reserve(n: number): void {
    if (this.pos + n > this.cap) throw tooLarge(this.cap);
    this.grow(this.pos + n);
  }
}

function le32(b: Uint8Array, i: number): number {
  if (i + 4 > b.length) throw corrupt('lz4: truncated frame');
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

/**
 * One LZ4 block (sequences of literals and matches) from src[ip, end) into
 * out. Matches may reach back into earlier blocks of the same frame (linked
 * blocks); every read and write is bounds-checked. Short copies go byte by
 * byte: most sequences are a few bytes, and a subarray per copy costs more.
 */
function decodeBlock(src: Uint8Array, ip: number, end: number, out: Output, blockMax: number): void {
  const room = Math.min(blockMax, out.cap - out.pos);
  out.grow(out.pos + room);
  const buf = out.buf;
  const limit = out.pos + room;
  const overflow = (): Error => (room < blockMax ? tooLarge(out.cap) : corrupt('lz4: block decodes past its maximum size'));
  let op = out.pos;
  while (ip < end) {
    const token = src[ip++]!;
    let lit = token >>> 4;
    if (lit === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('lz4: truncated literal length');
        b = src[ip++]!;
        lit += b;
      } while (b === 255);
    }
    if (ip + lit > end) throw corrupt('lz4: literals run past the block');
    if (op + lit > limit) throw overflow();
    if (lit < 32) {
      for (let k = 0; k < lit; k++) buf[op++] = src[ip++]!;
    } else {
      buf.set(src.subarray(ip, ip + lit), op);
      ip += lit;
      op += lit;
    }
    if (ip >= end) break; // the last sequence holds literals only
    if (ip + 2 > end) throw corrupt('lz4: truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || offset > op) throw corrupt('lz4: match offset out of range');
    let len = token & 15;
    if (len === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('lz4: truncated match length');
        b = src[ip++]!;
        len += b;
      } while (b === 255);
    }
    len += 4;
    if (op + len > limit) throw overflow();
    let from = op - offset;
    if (len >= 32 && offset >= len) {
      buf.copyWithin(op, from, from + len);
      op += len;
    } else {
      // Short, or overlapping (a run): byte by byte, as the format defines it.
      for (let k = 0; k < len; k++) buf[op++] = buf[from++]!;
    }
  }
  out.pos = op;
}

/** Decode one frame at src[i]; returns the index after it. */
function decodeFrame(src: Uint8Array, i: number, out: Output): number {
  const start = i;
  i += 4;
  if (i + 2 > src.length) throw corrupt('lz4: truncated frame header');
  const flg = src[i]!;
  const bd = src[i + 1]!;
  if (flg >>> 6 !== 1) throw corrupt(`lz4: unsupported frame version ${flg >>> 6}`);
  if ((flg & 0x02) !== 0 || (bd & 0x8f) !== 0) throw corrupt('lz4: reserved bits set in the frame descriptor');
  if ((flg & 0x01) !== 0) throw corrupt('lz4: frames with a dictionary id are not supported');
  const blockChecksum = (flg & 0x10) !== 0;
  const contentSizeSet = (flg & 0x08) !== 0;
  const contentChecksum = (flg & 0x04) !== 0;
  const blockMax = BLOCK_MAX[(bd >>> 4) & 0x07]!;
  if (blockMax === 0) throw corrupt('lz4: invalid block maximum size');
  const descEnd = i + 2 + (contentSizeSet ? 8 : 0);
  if (descEnd + 1 > src.length) throw corrupt('lz4: truncated frame header');
  const hc = src[descEnd]!;
  // The standard checksum covers the descriptor; Kafka < 0.10 (magic 0/1
  // batches) hashed the magic as well. Either is accepted.
  if (((xxhash32(src, i, descEnd) >>> 8) & 0xff) !== hc && ((xxhash32(src, start, descEnd) >>> 8) & 0xff) !== hc) {
    throw corrupt('lz4: frame header checksum mismatch');
  }
  const frameStart = out.pos;
  if (contentSizeSet) {
    const lo = le32(src, i + 2);
    const hi = le32(src, i + 6);
    const size = hi * 2 ** 32 + lo;
    if (frameStart + size > out.cap) throw tooLarge(out.cap);
    out.reserve(size);
  }
  i = descEnd + 1;
  for (;;) {
    const word = le32(src, i);
    i += 4;
    if (word === 0) break; // end mark
    const stored = (word & 0x80000000) !== 0;
    const size = word & 0x7fffffff;
    if (size > blockMax) throw corrupt(`lz4: block of ${size} bytes exceeds the frame's ${blockMax}`);
    if (i + size + (blockChecksum ? 4 : 0) > src.length) throw corrupt('lz4: truncated block');
    if (blockChecksum && xxhash32(src, i, i + size) !== le32(src, i + size)) throw corrupt('lz4: block checksum mismatch');
    if (stored) {
      out.reserve(size);
      out.buf.set(src.subarray(i, i + size), out.pos);
      out.pos += size;
    } else {
      decodeBlock(src, i, i + size, out, blockMax);
    }
    i += size + (blockChecksum ? 4 : 0);
  }
  if (contentChecksum) {
    if (xxhash32(out.buf, frameStart, out.pos) !== le32(src, i)) throw corrupt('lz4: content checksum mismatch');
    i += 4;
  }
  return i;
}

/** Decompress LZ4 frames (and skip skippable frames), producing at most `cap` bytes. */
export function lz4Decompress(input: Uint8Array, cap: number): Buffer {
  // A plain Uint8Array view: element access on one array type stays monomorphic.
  const src = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const out = new Output(src.length * 4, cap);
  let i = 0;
  let frames = 0;
  while (i < src.length) {
    const magic = le32(src, i);
    if (magic === MAGIC) {
      i = decodeFrame(src, i, out);
      frames++;
    } else if ((magic & 0xfffffff0) === 0x184d2a50) {
      i += 8 + le32(src, i + 4);
    } else {
      throw corrupt(`lz4: not an LZ4 frame (magic 0x${magic.toString(16)})`);
    }
  }
  if (frames === 0) throw corrupt('lz4: no frame');
  return Buffer.from(out.buf.buffer, out.buf.byteOffset, out.pos);
}

/** One LZ4 frame as Kafka's Java client writes it. */
export function lz4Compress(input: Uint8Array): Buffer {
  const parts: Uint8Array[] = [];
  const header = Buffer.alloc(7);
  header.writeUInt32LE(MAGIC, 0);
  header[4] = 0x60; // version 01, independent blocks, no checksums, no content size
  header[5] = 0x40; // 64 KiB blocks
  header[6] = (xxhash32(header, 4, 6) >>> 8) & 0xff;
  parts.push(header);
  for (let off = 0; off < input.length; off += ENCODE_BLOCK) {
    const chunk = input.subarray(off, Math.min(input.length, off + ENCODE_BLOCK));
    // lz4-wasm prepends the uncompressed length (4 bytes LE); the frame does not.
    const block = lz4Block(chunk).subarray(4);
    const size = Buffer.alloc(4);
    if (block.length < chunk.length) {
      size.writeUInt32LE(block.length, 0);
      parts.push(size, block);
    } else {
      size.writeUInt32LE((chunk.length | 0x80000000) >>> 0, 0);
      parts.push(size, chunk);
    }
  }
  parts.push(Buffer.alloc(4)); // end mark
  return Buffer.concat(parts);
}
