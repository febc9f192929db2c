// The codecs one by one: round trips, the framings each producer writes, the
// decompression cap, and that malformed input only ever raises an
// UndecodableBatchError (never a RangeError or a hang) under seeded fuzzing.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32c, xxhash32 } from '../../src/kafka/codecs/checksums.ts';
import { UndecodableBatchError } from '../../src/kafka/codecs/errors.ts';
import { gzipCompress, gzipDecompress } from '../../src/kafka/codecs/gzip.ts';
import { lz4Compress, lz4Decompress } from '../../src/kafka/codecs/lz4.ts';
import { snappyCompress, snappyDecompress } from '../../src/kafka/codecs/snappy.ts';
import { zstdCompress, zstdDecompress } from '../../src/kafka/codecs/zstd.ts';
import { rng } from '../../testkit/events.ts';
import snappyjs from 'snappyjs';

const MiB = 1024 * 1024;

function sample(n: number, seed = 1): Buffer {
  // Half JSON-like repetition, half noise: compressible but not trivially.
  const random = rng(seed);
  const b = Buffer.alloc(n);
  const word = Buffer.from('{"event_id":"e-123","model":"churn","features":{"a":0.25}}\n');
  for (let i = 0; i < n; i++) b[i] = random() < 0.5 ? word[i % word.length]! : Math.floor(random() * 256);
  return b;
}

function expectCause(fn: () => unknown, kind: string): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(UndecodableBatchError);
    expect((e as UndecodableBatchError).kind).toBe(kind);
    return;
  }
  throw new Error(`expected an UndecodableBatchError (${kind})`);
}

async function expectCauseAsync(p: Promise<unknown>, kind: string): Promise<void> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UndecodableBatchError);
  expect((e as UndecodableBatchError).kind).toBe(kind);
}

/** Seeded mutations of `valid`: each decode either succeeds or raises UndecodableBatchError. */
function fuzz(valid: Buffer, decode: (b: Buffer) => unknown, seed: number, rounds = 400): { ok: number; refused: number } {
  const random = rng(seed);
  let ok = 0;
  let refused = 0;
  for (let r = 0; r < rounds; r++) {
    const b = Buffer.from(valid);
    const kind = r % 3;
    if (kind === 0) for (let k = 0; k < 1 + Math.floor(random() * 4); k++) b[Math.floor(random() * b.length)] = Math.floor(random() * 256);
    const input = kind === 1 ? b.subarray(0, Math.floor(random() * b.length)) : kind === 2 ? Buffer.concat([b, b.subarray(0, Math.floor(random() * 64))]) : b;
    try {
      decode(input);
      ok++;
    } catch (e) {
      if (!(e instanceof UndecodableBatchError)) throw new Error(`round ${r}: ${String(e)}`, { cause: e });
      refused++;
    }
  }
  return { ok, refused };
}

describe('what the Java client writes (test/fixtures/kafka-codecs)', () => {
  const dir = join(import.meta.dirname, '..', 'fixtures', 'kafka-codecs');
  const input = readFileSync(join(dir, 'input.ndjson'));
  const fixture = (name: string) => readFileSync(join(dir, name));
  it('decodes lz4 frames (plain, with block checksums, with the pre-0.10 header checksum), xerial snappy and zstd-jni', () => {
    for (const name of ['java-lz4.bin', 'java-lz4-blockchecksum.bin', 'java-lz4-brokenhc.bin']) expect(lz4Decompress(fixture(name), MiB).equals(input), name).toBe(true);
    // The broken variant really is different: its header checksum byte differs from the standard one.
    expect(fixture('java-lz4-brokenhc.bin')[6]).not.toBe(fixture('java-lz4.bin')[6]);
    expect(snappyDecompress(fixture('java-snappy.bin'), MiB).equals(input)).toBe(true);
    expect(zstdDecompress(fixture('java-zstd.bin'), MiB).equals(input)).toBe(true);
    // And the cap holds for them too.
    expectCause(() => lz4Decompress(fixture('java-lz4.bin'), 100_000), 'too_large');
    expectCause(() => snappyDecompress(fixture('java-snappy.bin'), 100_000), 'too_large');
    expectCause(() => zstdDecompress(fixture('java-zstd.bin'), 100_000), 'too_large');
  });
});

describe('checksums', () => {
  it('match the reference vectors', () => {
    expect(crc32c(Buffer.from('123456789')).toString(16)).toBe('e3069283');
    expect(crc32c(Buffer.alloc(32))).toBe(0x8a9136aa);
    expect(xxhash32(Buffer.alloc(0))).toBe(0x02cc5d05);
    expect(xxhash32(Buffer.from('a'))).toBe(0x550d7456);
    expect(xxhash32(Buffer.from('abc'))).toBe(0x32d153ff);
    expect(xxhash32(Buffer.from('Nobody inspects the spammish repetition'))).toBe(0xe2293b2f);
  });
});

describe('lz4 frames', () => {
  const frame = (flg: number, bd: number, body: Buffer[], opts: { contentSize?: number; brokenHc?: boolean } = {}): Buffer => {
    const desc = [flg, bd];
    if (opts.contentSize !== undefined) {
      const cs = Buffer.alloc(8);
      cs.writeBigUInt64LE(BigInt(opts.contentSize));
      desc.push(...cs);
    }
    const head = Buffer.concat([Buffer.from([0x04, 0x22, 0x4d, 0x18]), Buffer.from(desc)]);
    const hc = (xxhash32(head, opts.brokenHc ? 0 : 4) >>> 8) & 0xff;
    return Buffer.concat([head, Buffer.from([hc]), ...body]);
  };
  const block = (data: Buffer, stored = false, checksum = false): Buffer => {
    const size = Buffer.alloc(4);
    size.writeUInt32LE((data.length | (stored ? 0x80000000 : 0)) >>> 0);
    const parts = [size, data];
    if (checksum) {
      const c = Buffer.alloc(4);
      c.writeUInt32LE(xxhash32(data));
      parts.push(c);
    }
    return Buffer.concat(parts);
  };
  const END = Buffer.alloc(4);

  it('round-trips what it writes (independent 64 KiB blocks, as the Java client)', () => {
    for (const n of [0, 1, 15, 70_000, 300_000]) {
      const input = sample(n, n);
      const framed = lz4Compress(input);
      expect(framed.readUInt32LE(0)).toBe(0x184d2204);
      expect(framed[4]).toBe(0x60);
      expect(lz4Decompress(framed, MiB).equals(input)).toBe(true);
    }
  });

  it('reads linked blocks, content size, block and content checksums, and the pre-0.10 Kafka header checksum', () => {
    const first = Buffer.from('hello kafka, hello lz4! ');
    // Second block: no literals, a 20-byte match 24 bytes back (into the first
    // block: token 0x0F, offset 24, length extension 1), then 3 literals.
    const second = Buffer.from([0x0f, 24, 0, 1, 0x30, 0x61, 0x62, 0x63]);
    const want = Buffer.concat([first, first.subarray(0, 20), Buffer.from('abc')]);
    const contentCk = Buffer.alloc(4);
    contentCk.writeUInt32LE(xxhash32(want));
    // FLG: version 01, linked blocks, block checksums, content size, content checksum.
    const linked = frame(0x40 | 0x10 | 0x08 | 0x04, 0x40, [block(first, true, true), block(second, false, true), END, contentCk], { contentSize: want.length });
    expect(lz4Decompress(linked, MiB).toString()).toBe(want.toString());
    const broken = frame(0x60, 0x40, [block(first, true), END], { brokenHc: true });
    expect(lz4Decompress(broken, MiB).toString()).toBe(first.toString());
    const badCk = Buffer.from(linked);
    badCk[badCk.length - 1]! ^= 0xff;
    expectCause(() => lz4Decompress(badCk, MiB), 'corrupt');
  });

  it('stops at the cap, whether the frame declares its size or not', () => {
    const zeros = lz4Compress(Buffer.alloc(8 * MiB));
    expect(zeros.length).toBeLessThan(64 * 1024);
    expectCause(() => lz4Decompress(zeros, MiB), 'too_large');
    expect(lz4Decompress(zeros, 8 * MiB).length).toBe(8 * MiB);
    const declared = frame(0x68, 0x40, [block(Buffer.from('x'), true), END], { contentSize: 2 ** 40 });
    expectCause(() => lz4Decompress(declared, MiB), 'too_large');
  });

  it('refuses malformed frames with UndecodableBatchError only (seeded fuzz)', () => {
    expectCause(() => lz4Decompress(Buffer.from('not lz4 at all'), MiB), 'corrupt');
    expectCause(() => lz4Decompress(frame(0x60, 0x40, [block(Buffer.from([0x00, 0x09, 0x00]))]), MiB), 'corrupt');
    const r = fuzz(lz4Compress(sample(20_000, 3)), (b) => lz4Decompress(b, MiB), 11);
    expect(r.refused).toBeGreaterThan(100);
  });
});

describe('snappy', () => {
  it('round-trips xerial framing and reads raw snappy (librdkafka)', () => {
    const input = sample(100_000, 5);
    const framed = snappyCompress(input);
    expect(framed.subarray(0, 8).equals(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0]))).toBe(true);
    expect(snappyDecompress(framed, MiB).equals(input)).toBe(true);
    expect(snappyDecompress(Buffer.from(snappyjs.compress(input)), MiB).equals(input)).toBe(true);
  });

  it('stops at the cap before allocating (raw and across xerial chunks)', () => {
    expectCause(() => snappyDecompress(Buffer.from(snappyjs.compress(Buffer.alloc(2 * MiB))), MiB), 'too_large');
    expectCause(() => snappyDecompress(snappyCompress(Buffer.alloc(2 * MiB)), MiB), 'too_large');
    // A raw block that only claims 4 GiB.
    expectCause(() => snappyDecompress(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]), MiB), 'too_large');
  });

  it('refuses malformed input with UndecodableBatchError only (seeded fuzz)', () => {
    fuzz(snappyCompress(sample(20_000, 7)), (b) => snappyDecompress(b, MiB), 13);
  });
});

describe('zstd', () => {
  it('round-trips, across several frames and skippable frames', async () => {
    const a = sample(50_000, 9);
    const b = sample(10_000, 10);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const joined = Buffer.concat([await zstdCompress(a), skippable, await zstdCompress(b)]);
    expect(zstdDecompress(joined, MiB).equals(Buffer.concat([a, b]))).toBe(true);
  });

  it('stops at the cap, and refuses windows it will not allocate', async () => {
    const bomb = await zstdCompress(Buffer.alloc(64 * MiB));
    expect(bomb.length).toBeLessThan(16 * 1024);
    expectCause(() => zstdDecompress(bomb, MiB), 'too_large');
    // A frame header declaring a 1 GiB window (window descriptor exponent 20) and nothing else.
    const hugeWindow = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 20 << 3, 0x01, 0x00, 0x00]);
    expectCause(() => zstdDecompress(hugeWindow, MiB), 'too_large');
  });

  it('refuses malformed input with UndecodableBatchError only (seeded fuzz)', async () => {
    const r = fuzz(await zstdCompress(sample(20_000, 8)), (b) => zstdDecompress(b, MiB), 17);
    expect(r.refused).toBeGreaterThan(100);
  });
});

describe('gzip', () => {
  it('round-trips, and stops at the cap', async () => {
    const input = sample(10_000, 2);
    expect((await gzipDecompress(await gzipCompress(input), MiB)).equals(input)).toBe(true);
    await expectCauseAsync(gzipDecompress(gzipSync(Buffer.alloc(4 * MiB)), MiB), 'too_large');
    await expectCauseAsync(gzipDecompress(Buffer.from('garbage'), MiB), 'corrupt');
  });
});
