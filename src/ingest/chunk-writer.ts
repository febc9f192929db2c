// Builds one chunk's JSONEachRow body straight into a Buffer. Lines are
// written as they are encoded, so the per-event strings die young (cheap for
// the garbage collector) and no join or second copy is needed; a message that
// can go to the engine as it is (see passthroughSuffix) is copied byte for
// byte, without ever becoming a string of its own.

export class ChunkWriter {
  #buf: Buffer;
  #len = 0;
  rows = 0;

  constructor(initialBytes: number) {
    this.#buf = Buffer.allocUnsafe(Math.max(1024, initialBytes));
  }

  get byteLength(): number {
    return this.#len;
  }

  #reserve(extra: number): void {
    const need = this.#len + extra;
    if (need <= this.#buf.length) return;
    // 1.5x: a large body outgrowing its size hint is not copied into twice its size.
    let size = Math.ceil(this.#buf.length * 1.5);
    while (size < need) size = Math.ceil(size * 1.5);
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#len);
    this.#buf = next;
  }

  /** One encoded line (without newline). */
  line(text: string): void {
    // UTF-8 needs at most 3 bytes per UTF-16 unit, plus the newline.
    this.#reserve(text.length * 3 + 1);
    this.#len += this.#buf.write(text, this.#len, 'utf8');
    this.#buf[this.#len++] = 0x0a;
    this.rows++;
  }

  /**
   * A JSON object copied as it is, with `extra` (which must start with a
   * comma and end with the closing brace) in place of its closing brace.
   * `start`/`end` bound the object: raw[start] is '{', raw[end - 1] is '}'.
   */
  rawObject(raw: Uint8Array, start: number, end: number, extra: string): void {
    const body = end - 1 - start;
    this.#reserve(body + extra.length * 3 + 1);
    this.#buf.set(raw.subarray(start, end - 1), this.#len);
    this.#len += body;
    this.#len += this.#buf.write(extra, this.#len, 'utf8');
    this.#buf[this.#len++] = 0x0a;
    this.rows++;
  }

  /** The body written so far, in a buffer of its own size. */
  finish(): Buffer {
    if (this.#len === 0) return Buffer.alloc(0);
    // Copy when the slack is large, so a chunk does not pin twice its size.
    return this.#len < this.#buf.length / 2 ? Buffer.from(this.#buf.subarray(0, this.#len)) : this.#buf.subarray(0, this.#len);
  }
}

/** Bounds of the JSON object in `raw` ({ ... }), skipping a BOM and surrounding whitespace; null when it is not one. */
export function objectBounds(raw: Uint8Array): { start: number; end: number } | null {
  let start = 0;
  if (raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf) start = 3;
  while (start < raw.length && isSpace(raw[start]!)) start++;
  let end = raw.length;
  while (end > start && isSpace(raw[end - 1]!)) end--;
  if (raw[start] !== 0x7b || raw[end - 1] !== 0x7d || end - start < 2) return null;
  return { start, end };
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}
