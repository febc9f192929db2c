import { describe, expect, it } from 'vitest';
import { tableToIPC, Table, vectorFromArray, Utf8, List, Field, Float64 } from 'apache-arrow';
import { decodePayload, formatOfContentType, looksLikeArrow, type Events } from '../../src/ingest/decode.ts';
import { encodePrediction, HTTP_TAIL } from '../../src/ingest/encode.ts';
import { isRejection, type Rejection } from '../../src/ingest/reasons.ts';
import { arrowPredictions } from '../../testkit/arrow-events.ts';

function events(r: Events | Rejection): unknown[] {
  if (isRejection(r)) throw new Error(`${r.reason}: ${r.message}`);
  return Array.from({ length: r.count }, (_, i) => r.get(i));
}

const buf = (s: string) => Buffer.from(s);

describe('decodePayload', () => {
  it('reads one object, an array and NDJSON', () => {
    expect(events(decodePayload(buf('{"a":1}'), undefined, 'predictions'))).toEqual([{ a: 1 }]);
    expect(events(decodePayload(buf(' [{"a":1},{"a":2}]\n'), undefined, 'predictions'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(events(decodePayload(buf('{"a":1}\n\n{"a":2}\n'), 'application/x-ndjson', 'predictions'))).toEqual([{ a: 1 }, { a: 2 }]);
    // NDJSON without a content-type saying so
    expect(events(decodePayload(buf('{"a":1}\n{"a":2}'), undefined, 'predictions'))).toEqual([{ a: 1 }, { a: 2 }]);
  });

  it('marks a single JSON object (the passthrough fast path)', () => {
    const one = decodePayload(buf('{"a":1}'), 'application/json; charset=utf-8', 'predictions');
    expect(!isRejection(one) && one.singleJsonObject).toBe(true);
    const many = decodePayload(buf('[{"a":1}]'), undefined, 'predictions');
    expect(!isRejection(many) && many.singleJsonObject).toBeFalsy();
  });

  it('reports bad NDJSON lines one by one', () => {
    const r = events(decodePayload(buf('{"a":1}\nnope\n{"a":3}'), 'application/x-ndjson', 'predictions'));
    expect(r[0]).toEqual({ a: 1 });
    expect(r[1]).toMatchObject({ reason: 'invalid_json' });
    expect(r[2]).toEqual({ a: 3 });
  });

  it.each([
    ['', undefined, 'empty'],
    ['   \n', undefined, 'empty'],
    ['[]', undefined, 'empty'],
    ['{"a":', undefined, 'invalid_json'],
    ['{"a":NaN}', undefined, 'invalid_json'],
    ['hello', undefined, 'invalid_json'],
    ['{"a":1}', 'application/avro', 'unsupported_format'],
    ['{"a":1}', 'application/vnd.apache.arrow.stream', 'invalid_arrow'],
  ])('%j (%s) -> %s', (text, ct, reason) => {
    expect(decodePayload(buf(text), ct, 'predictions')).toMatchObject({ reason });
  });

  it('sniffs Arrow IPC streams and turns rows into events', () => {
    const ipc = arrowPredictions(0, 3);
    expect(looksLikeArrow(ipc)).toBe(true);
    const rows = events(decodePayload(ipc, undefined, 'predictions')) as Array<Record<string, unknown>>;
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatchObject({ event_id: 'evt-0', model: 'fraud', model_version: 'v13', probabilities: { fraud: expect.any(Number) } });
    expect(Object.keys(rows[0]!.features as object)).toHaveLength(20);
    expect(typeof rows[1]!.ts).toBe('number');
    expect(rows[0]).not.toHaveProperty('is_shadow');
    // and they encode like JSON events
    expect(typeof encodePrediction(rows[2], { maxFeatures: 100, maxStringLength: 1000 }, HTTP_TAIL)).toBe('string');
  });

  it('rejects Arrow rows with NaN one by one, and schemas that do not fit as a whole', () => {
    const rows = events(decodePayload(arrowPredictions(0, 3, { nanAt: 1 }), 'application/vnd.apache.arrow.stream', 'predictions'));
    expect(encodePrediction(rows[1], { maxFeatures: 100, maxStringLength: 1000 }, HTTP_TAIL)).toMatchObject({ reason: 'non_finite' });
    const noModel = tableToIPC(new Table({ event_id: vectorFromArray(['a'], new Utf8()), ts: vectorFromArray(['2026-01-01'], new Utf8()) }), 'stream');
    expect(decodePayload(noModel, undefined, 'predictions')).toMatchObject({ reason: 'arrow_schema', message: expect.stringContaining('model') });
    const listFeatures = tableToIPC(
      new Table({
        event_id: vectorFromArray(['a'], new Utf8()),
        model: vectorFromArray(['m'], new Utf8()),
        ts: vectorFromArray(['2026-01-01'], new Utf8()),
        features: vectorFromArray([[1, 2]], new List(new Field('item', new Float64(), true))),
      }),
      'stream',
    );
    expect(decodePayload(listFeatures, undefined, 'predictions')).toMatchObject({ reason: 'arrow_schema' });
  });
});

describe('formatOfContentType', () => {
  it('maps content types', () => {
    expect(formatOfContentType('application/json')).toBe('json');
    expect(formatOfContentType('application/cloudevents+json')).toBe('json');
    expect(formatOfContentType('application/x-ndjson')).toBe('ndjson');
    expect(formatOfContentType('application/vnd.apache.arrow.stream')).toBe('arrow');
    expect(formatOfContentType('application/octet-stream')).toBe('sniff');
    expect(formatOfContentType(undefined)).toBe('sniff');
  });
});
