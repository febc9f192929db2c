// A set of 64-bit keys in two typed arrays (open addressing, linear probing):
// about 16 bytes per key at the largest load, against some 80 for a Set of
// strings. Used by dedup.ts for the identities of recently stored events.

export type Key64 = { hi: number; lo: number };

/** MurmurHash3 (x86, 32-bit) over a string's UTF-16 code units, two at a time. */
function murmur32(s: string, seed: number): number {
  let h = seed;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Write the 64-bit key of `text` at out[at..at+8]: two MurmurHash3 runs with
 * different seeds. A fast, well-mixed hash, not a cryptographic one: among
 * two million identities the chance that two different ones collide (and
 * one is taken for a copy of the other) is about one in ten million.
 */
export function hash64(text: string, out: Uint8Array, at: number): void {
  const hi = murmur32(text, 0x9747b28c);
  const lo = murmur32(text, 0x2f5ab4c1);
  out[at] = hi & 255;
  out[at + 1] = (hi >>> 8) & 255;
  out[at + 2] = (hi >>> 16) & 255;
  out[at + 3] = hi >>> 24;
  out[at + 4] = lo & 255;
  out[at + 5] = (lo >>> 8) & 255;
  out[at + 6] = (lo >>> 16) & 255;
  out[at + 7] = lo >>> 24;
}

export class KeyTable {
  #hi: Uint32Array;
  #lo: Uint32Array;
  #mask: number;
  #count = 0;

  constructor(initialSlots = 1024) {
    let size = 1024;
    while (size < initialSlots) size *= 2;
    this.#hi = new Uint32Array(size);
    this.#lo = new Uint32Array(size);
    this.#mask = size - 1;
  }

  get count(): number {
    return this.#count;
  }

  /** Slot holding (hi, lo), or the empty slot where it would go. (0, 0) marks an empty slot, so keys are never (0, 0). */
  #slot(hi: number, lo: number): number {
    let i = (lo ^ hi) & this.#mask;
    for (;;) {
      const h = this.#hi[i]!;
      const l = this.#lo[i]!;
      if ((h === 0 && l === 0) || (h === hi && l === lo)) return i;
      i = (i + 1) & this.#mask;
    }
  }

  has(hi: number, lo: number): boolean {
    if (hi === 0 && lo === 0) lo = 1;
    const i = this.#slot(hi, lo);
    return this.#hi[i] === hi && this.#lo[i] === lo;
  }

  add(hi: number, lo: number): void {
    if (hi === 0 && lo === 0) lo = 1;
    if ((this.#count + 1) * 2 > this.#hi.length) this.#grow();
    const i = this.#slot(hi, lo);
    if (this.#hi[i] === 0 && this.#lo[i] === 0) {
      this.#hi[i] = hi;
      this.#lo[i] = lo;
      this.#count++;
    }
  }

  #grow(): void {
    const oldHi = this.#hi;
    const oldLo = this.#lo;
    this.#hi = new Uint32Array(oldHi.length * 2);
    this.#lo = new Uint32Array(oldLo.length * 2);
    this.#mask = this.#hi.length - 1;
    for (let i = 0; i < oldHi.length; i++) {
      const h = oldHi[i]!;
      const l = oldLo[i]!;
      if (h === 0 && l === 0) continue;
      const j = this.#slot(h, l);
      this.#hi[j] = h;
      this.#lo[j] = l;
    }
  }
}

/** Read the key stored at keys[8 * i]. */
export function keyAt(keys: Uint8Array, i: number): Key64 {
  const p = 8 * i;
  return {
    hi: (keys[p]! | (keys[p + 1]! << 8) | (keys[p + 2]! << 16) | (keys[p + 3]! << 24)) >>> 0,
    lo: (keys[p + 4]! | (keys[p + 5]! << 8) | (keys[p + 6]! << 16) | (keys[p + 7]! << 24)) >>> 0,
  };
}
