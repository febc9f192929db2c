// The one pass over an object's bytes that decides whether an HTTP event may
// go to the engine as it came: its top-level key count held to the parsed
// object on random JSON (a repeated key shows), text spanning lines, and the
// raw text of its "prediction".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ownKeyCount, scanObject } from '../../src/ingest/json-keys.ts';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const keys = (s: string): number => scanObject(bytes(s)).keys;
const prediction = (s: string): string | null => {
  const r = scanObject(bytes(s));
  return r.predictionStart < 0 ? null : Buffer.from(bytes(s).subarray(r.predictionStart, r.predictionEnd)).toString();
};

describe('scanObject', () => {
  it('counts only the top level, whatever the strings and nested values hold', () => {
    expect(keys('{}')).toBe(0);
    expect(keys('{"a":1}')).toBe(1);
    expect(keys('{"a":{"b":1,"c":[1,{"d":2}]},"e":"x,\\"y\\":{","f":[]}')).toBe(3);
    expect(keys('{"\\\\":1,"\\"":2, "g" : null}')).toBe(3);
    expect(keys('{"a":1,"a":2}')).toBe(2);
  });

  it('says -1 for text that spans lines', () => {
    expect(keys('{\n"a":1}')).toBe(-1);
    expect(keys('{"a":1,\r"b":2}')).toBe(-1);
    // An escaped newline inside a string is one line.
    expect(keys('{"a":"x\\ny"}')).toBe(1);
  });

  it('finds the text of the top-level prediction, not a nested or quoted one', () => {
    expect(prediction('{"prediction":1.50}')).toBe('1.50');
    expect(prediction('{ "prediction" :  1e2 , "b":1}')).toBe('1e2');
    expect(prediction('{"x":{"prediction":7},"p":"\\"prediction\\":8","prediction":"yes"}')).toBe('"yes"');
    expect(prediction('{"x":{"prediction":7}}')).toBeNull();
    expect(prediction('{"prediction":[1,{"a":2}],"z":0}')).toBe('[1,{"a":2}]');
    expect(prediction('{"predictions":3}')).toBeNull();
  });

  it('agrees with the parsed object on random JSON, and sees a repeated key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 })), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), fc.nat(), (o, p, pick) => {
        const value = p === undefined ? o : { ...o, prediction: p };
        const text = JSON.stringify(value);
        const parsed = JSON.parse(text) as Record<string, unknown>;
        expect(keys(text)).toBe(ownKeyCount(parsed));
        expect(prediction(text)).toBe(Object.hasOwn(parsed, 'prediction') ? JSON.stringify(parsed.prediction) : null);
        const names = Object.keys(parsed);
        if (names.length === 0) return;
        const k = names[pick % names.length] as string;
        const repeated = `{${JSON.stringify(k)}:0,${text.slice(1)}`;
        expect(keys(repeated)).toBe(ownKeyCount(JSON.parse(repeated) as Record<string, unknown>) + 1);
      }),
      { seed: 20261130, numRuns: 500 },
    );
  });
});
