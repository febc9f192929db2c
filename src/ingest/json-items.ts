// Split a JSON body into its events while it arrives, so an HTTP request is
// parsed chunk by chunk (memory follows the events, not the body; the event
// loop gets a turn between chunks) instead of as one string and one
// JSON.parse of up to max_http_body_bytes.
//
//   ndjson  one event per line; a bad line is a bad event, the rest go on.
//   json    a top-level array of events ([...], split at its top-level
//           commas), or one or more top-level values one after another
//           (one object, or NDJSON sent without saying so).
//
// Each event's bytes are checked to be UTF-8 and parsed on their own; one
// larger than `maxItemBytes` is not collected (only scanned past) and
// becomes an oversize Rejection. A body whose structure is broken (an
// unbalanced array, text after its closing bracket) is one invalid_json
// Rejection for the whole body.
import { isUtf8 } from 'node:buffer';
import { reject, type Rejection } from './reasons.ts';

export interface JsonItem {
  /** 0-based position of the event in the body. */
  index: number;
  /** The parsed value, or why this event could not be read. */
  value: unknown;
  /** The event's own bytes (trimmed), when it parsed: they may go to the engine as they came. */
  raw?: Uint8Array;
}

export type ItemSink = (item: JsonItem) => void;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** Bytes a JSON value can start with: { [ " - 0-9 t f n. */
function startsValue(b: number): boolean {
  return b === 0x7b || b === 0x5b || b === 0x22 || b === 0x2d || (b >= 0x30 && b <= 0x39) || b === 0x74 || b === 0x66 || b === 0x6e;
}

type Phase = 'start' | 'array' | 'after' | 'seq' | 'done';

export class JsonItemSplitter {
  readonly #ndjson: boolean;
  readonly #maxItemBytes: number;
  #phase: Phase = 'start';
  #index = 0;
  // The event being collected.
  #parts: Uint8Array[] = [];
  #bytes = 0;
  #inItem = false;
  #oversize = false;
  #depth = 0;
  #inString = false;
  #escape = false;
  /** 'c' container, 's' string, 'v' bare value (number, true, ...). */
  #kind: 'c' | 's' | 'v' = 'c';
  #bom = 0;
  /** Right after the array's [ (an immediate ] is an empty array). */
  #afterOpen = false;
  #broken: Rejection | null = null;

  constructor(mode: 'ndjson' | 'json', maxItemBytes: number) {
    this.#ndjson = mode === 'ndjson';
    this.#maxItemBytes = maxItemBytes;
  }

  /** Events seen so far. */
  get count(): number {
    return this.#index;
  }

  /** Feed the next chunk. Returns a Rejection (and takes nothing more) once the body's structure is broken. */
  push(chunk: Uint8Array, sink: ItemSink): Rejection | null {
    if (this.#broken) return this.#broken;
    let c = chunk;
    // A UTF-8 byte order mark before the first event (possibly split across chunks).
    while (this.#bom < 3 && this.#phase === 'start' && !this.#inItem && c.length > 0) {
      if (c[0] !== [0xef, 0xbb, 0xbf][this.#bom]) {
        this.#bom = 3;
        break;
      }
      this.#bom++;
      c = c.subarray(1);
    }
    if (this.#ndjson) this.#lines(c, sink);
    else this.#json(c, sink);
    return this.#broken;
  }

  /** The body ended. */
  end(sink: ItemSink): Rejection | null {
    if (this.#broken) return this.#broken;
    if (this.#ndjson) {
      this.#emit(sink);
      return null;
    }
    if (this.#inItem) {
      if (this.#kind === 'v' && this.#phase === 'seq') this.#emit(sink);
      else return (this.#broken = reject('invalid_json', 'the body ends inside an event'));
    }
    if (this.#phase === 'array' || this.#phase === 'after') return (this.#broken = reject('invalid_json', 'the body ends before the closing ] of its array'));
    return null;
  }

  #collect(part: Uint8Array): void {
    if (part.length === 0) return;
    this.#inItem = true;
    this.#bytes += part.length;
    if (this.#oversize) return;
    if (this.#bytes > this.#maxItemBytes) {
      this.#oversize = true;
      this.#parts = [];
      return;
    }
    this.#parts.push(part);
  }

  #emit(sink: ItemSink): void {
    if (!this.#inItem) return;
    const parts = this.#parts;
    const oversize = this.#oversize;
    const size = this.#bytes;
    this.#parts = [];
    this.#bytes = 0;
    this.#inItem = false;
    this.#oversize = false;
    if (oversize) {
      sink({ index: this.#index++, value: reject('oversize', `an event of more than ${this.#maxItemBytes} bytes (${size} bytes)`) });
      return;
    }
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    // Trim surrounding whitespace (NDJSON lines, array elements).
    let a = 0;
    let b = bytes.length;
    while (a < b && isSpace(bytes[a]!)) a++;
    while (b > a && isSpace(bytes[b - 1]!)) b--;
    if (a === b) return;
    bytes = bytes.subarray(a, b);
    const index = this.#index++;
    if (!isUtf8(bytes)) {
      sink({ index, value: reject('invalid_json', 'the bytes are not valid UTF-8') });
      return;
    }
    const text = Buffer.isBuffer(bytes) ? bytes.toString('utf8') : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      sink({ index, value: reject('invalid_json', (e as Error).message.slice(0, 200)) });
      return;
    }
    sink({ index, value, raw: bytes });
  }

  #lines(c: Uint8Array, sink: ItemSink): void {
    let pos = 0;
    while (pos < c.length) {
      const nl = c.indexOf(0x0a, pos);
      if (nl === -1) {
        this.#collect(c.subarray(pos));
        return;
      }
      this.#collect(c.subarray(pos, nl));
      this.#emit(sink);
      pos = nl + 1;
    }
  }

  #broke(message: string): void {
    this.#broken = reject('invalid_json', message);
  }

  #json(c: Uint8Array, sink: ItemSink): void {
    let i = 0;
    while (i < c.length && !this.#broken) {
      if (this.#inItem) {
        const end = this.#scan(c, i);
        if (end === -1) {
          this.#collect(c.subarray(i));
          return;
        }
        this.#collect(c.subarray(i, end));
        this.#emit(sink);
        if (this.#phase === 'array') this.#phase = 'after';
        i = end;
        continue;
      }
      const b = c[i]!;
      if (isSpace(b)) {
        i++;
        continue;
      }
      switch (this.#phase) {
        case 'start':
          if (b === 0x5b) {
            this.#phase = 'array';
            this.#afterOpen = true;
            i++;
            continue;
          }
          this.#phase = 'seq';
          this.#begin(b);
          continue;
        case 'seq':
          this.#begin(b);
          continue;
        case 'array':
          if (b === 0x5d && this.#afterOpen) {
            this.#phase = 'done';
            i++;
          } else {
            this.#afterOpen = false;
            this.#begin(b);
          }
          continue;
        case 'after':
          if (b === 0x2c) this.#phase = 'array';
          else if (b === 0x5d) this.#phase = 'done';
          else this.#broke(`unexpected ${JSON.stringify(String.fromCharCode(b))} after an event of the array (a , or ] was expected)`);
          i++;
          continue;
        case 'done':
          this.#broke('text after the closing ] of the array');
          return;
      }
    }
  }

  #begin(first: number): void {
    if (!startsValue(first)) {
      this.#broke(`unexpected ${JSON.stringify(String.fromCharCode(first))} where an event was expected`);
      return;
    }
    this.#inItem = true;
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    this.#kind = first === 0x7b || first === 0x5b ? 'c' : first === 0x22 ? 's' : 'v';
  }

  /** Scan the event being read from c[i]: the index just past its end, or -1 when it goes on past this chunk. */
  #scan(c: Uint8Array, i: number): number {
    let depth = this.#depth;
    let inString = this.#inString;
    let escape = this.#escape;
    const kind = this.#kind;
    const n = c.length;
    for (; i < n; i++) {
      const b = c[i]!;
      if (inString) {
        if (escape) escape = false;
        else if (b === 0x5c) escape = true;
        else if (b === 0x22) {
          inString = false;
          if (kind === 's' && depth === 0) return this.#done(i + 1);
        }
        continue;
      }
      if (b === 0x22) {
        inString = true;
      } else if (b === 0x7b || b === 0x5b) {
        depth++;
      } else if (b === 0x7d || b === 0x5d) {
        if (depth === 0) return this.#done(i);
        if (--depth === 0 && kind === 'c') return this.#done(i + 1);
      } else if (depth === 0 && (b === 0x2c || (kind === 'v' && isSpace(b)))) {
        return this.#done(i);
      }
    }
    this.#depth = depth;
    this.#inString = inString;
    this.#escape = escape;
    return -1;
  }

  #done(end: number): number {
    this.#depth = 0;
    this.#inString = false;
    this.#escape = false;
    return end;
  }
}
