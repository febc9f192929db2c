// One pass over the bytes of one JSON object's text (which JSON.parse has
// accepted), for the HTTP fast path (encode.ts httpPassthrough): how many
// keys its top level holds, and where the text of its top-level
// "prediction" value lies.
//  - JSON.parse keeps the last of two equal keys and says nothing, but the
//    engine refuses a JSONEachRow line that repeats one: a count above the
//    parsed object's own keys means the event must be re-encoded.
//  - The engine stores a numeric prediction's text as written (1.50, 1e2)
//    where re-encoding writes JavaScript's (1.5, 100): an event whose
//    prediction is not written that way is re-encoded, so the stored text
//    does not depend on the path an event took.

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const PREDICTION = Buffer.from('prediction');

export interface ObjectScan {
  /** Keys at depth 1; -1 when the text spans lines (a buffered body is one event per line, so it is re-encoded onto one). */
  keys: number;
  /** The raw text of the top-level "prediction" value (the last one), trimmed; [-1, -1] when absent. */
  predictionStart: number;
  predictionEnd: number;
}

const isSpace = (b: number): boolean => b === 0x20 || b === 0x09;

function isPredictionKey(raw: Uint8Array, open: number, close: number): boolean {
  if (close - open - 1 !== PREDICTION.length) return false;
  for (let k = 0; k < PREDICTION.length; k++) if (raw[open + 1 + k] !== PREDICTION[k]) return false;
  return true;
}

/** The index of the quote closing the string whose text starts at `from` (past its opening quote). */
function closingQuote(raw: Uint8Array, from: number): number {
  const n = raw.length;
  for (let i = from; i < n; i++) {
    const c = raw[i] as number;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  return n;
}

/** One result, reused: the scan runs once per event on the ingest path and its result is read at once. */
const result: ObjectScan = { keys: 0, predictionStart: -1, predictionEnd: -1 };

/**
 * Scan `raw`, the text of one valid JSON object: strings that open right
 * after the object's `{` or a comma at depth 1 are keys; the insides of
 * nested values and of strings are skipped. The result is valid until the
 * next call.
 */
export function scanObject(raw: Uint8Array): ObjectScan {
  result.keys = 0;
  result.predictionStart = -1;
  result.predictionEnd = -1;
  let depth = 0;
  let expectKey = false;
  // Set after the "prediction" key: its value starts after the next colon and ends at a comma or brace of depth 1.
  let inPrediction = false;
  let valueStart = -1;
  const n = raw.length;
  for (let i = 0; i < n; i++) {
    const b = raw[i] as number;
    if (b === QUOTE) {
      const open = i;
      i = closingQuote(raw, i + 1);
      if (depth === 1 && expectKey) {
        result.keys++;
        expectKey = false;
        inPrediction = isPredictionKey(raw, open, i);
      }
      continue;
    }
    if (b === NEWLINE || b === RETURN) {
      result.keys = -1;
      return result;
    }
    if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      depth++;
      expectKey = depth === 1;
      continue;
    }
    if (depth !== 1) {
      if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
      continue;
    }
    if (b === COLON) {
      if (inPrediction) valueStart = i + 1;
    } else if (b === COMMA || b === CLOSE_BRACE) {
      if (inPrediction) {
        let a = valueStart;
        let e = i;
        while (a < e && isSpace(raw[a] as number)) a++;
        while (e > a && isSpace(raw[e - 1] as number)) e--;
        result.predictionStart = a;
        result.predictionEnd = e;
        inPrediction = false;
      }
      if (b === COMMA) expectKey = true;
      else depth--;
    }
  }
  return result;
}

/** Own enumerable keys of a parsed object, without building the key array. */
export function ownKeyCount(o: Record<string, unknown>): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k)) n++;
  return n;
}

/** True when raw[start, end) is exactly the ASCII text `s`. */
export function bytesEqual(raw: Uint8Array, start: number, end: number, s: string): boolean {
  if (end - start !== s.length) return false;
  for (let k = 0; k < s.length; k++) if (raw[start + k] !== s.charCodeAt(k)) return false;
  return true;
}
