import { describe, expect, it } from 'vitest';
import { encodeLabel, encodePrediction, formatTs, HTTP_TAIL, kafkaTail, kafkaTailPrefix, parseTimestamp, passthroughSuffix } from '../../src/ingest/encode.ts';
import { isRejection, type Rejection } from '../../src/ingest/reasons.ts';
import { predictionEvent, rng } from '../../testkit/events.ts';

const limits = { maxFeatures: 50, maxStringLength: 100 };
const tail = kafkaTail(kafkaTailPrefix('preds', 3), '42', 1);

function row(line: string | Rejection): Record<string, unknown> {
  if (typeof line !== 'string') throw new Error(`rejected: ${line.reason}: ${line.message}`);
  return JSON.parse(line) as Record<string, unknown>;
}

function reason(v: unknown): string {
  const r = encodePrediction(v, limits, HTTP_TAIL);
  return isRejection(r) ? r.reason : 'ok';
}

describe('encodePrediction', () => {
  it('writes one JSONEachRow line with the origin and the objects as objects', () => {
    const r = row(encodePrediction({ event_id: 'req-1', ts: '2026-11-23T18:00:00.123Z', model: 'fraud', model_version: 'v12', features: { amount: 129.5, country: 'DE', is_new: true, missing: null }, prediction: 0.87, confidence: 0.91, probabilities: { fraud: 0.91, ok: 0.09 }, latency_ms: 12.4, error: null, tags: { region: 'eu' } }, limits, tail));
    expect(r).toEqual({
      event_id: 'req-1',
      ts: '2026-11-23 18:00:00.123',
      model: 'fraud',
      model_version: 'v12',
      prediction: '0.87',
      prediction_num: 0.87,
      confidence: 0.91,
      probabilities: { fraud: 0.91, ok: 0.09 },
      latency_ms: 12.4,
      error: '',
      tags: { region: 'eu' },
      features: { amount: 129.5, country: 'DE', is_new: true, missing: null },
      source: 'kafka',
      kafka_topic: 'preds',
      kafka_partition: 3,
      kafka_offset: 42,
      kafka_index: 1,
    });
  });

  it('accepts epoch ms, numeric ids, string and boolean predictions, absent optionals', () => {
    const r = row(encodePrediction({ event_id: 17, ts: Date.UTC(2026, 0, 2, 3, 4, 5, 6), model: 'm', prediction: 'fraud' }, limits, HTTP_TAIL));
    expect(r).toMatchObject({ event_id: '17', ts: '2026-01-02 03:04:05.006', prediction: 'fraud', prediction_num: null, features: {}, probabilities: {}, tags: {}, confidence: null, model_version: '', source: 'http', kafka_partition: -1 });
    expect(row(encodePrediction({ event_id: 'a', ts: '2026-01-02', model: 'm', prediction: true }, limits, HTTP_TAIL))).toMatchObject({ prediction: 'true', prediction_num: 1, ts: '2026-01-02 00:00:00.000' });
  });

  it('keeps tag numbers and booleans as text', () => {
    expect(row(encodePrediction({ event_id: 'a', ts: '2026-01-02T00:00:00Z', model: 'm', tags: { shard: 3, canary: false } }, limits, HTTP_TAIL)).tags).toEqual({ shard: '3', canary: 'false' });
  });

  it.each([
    [null, 'not_an_object'],
    [[1], 'not_an_object'],
    [{ ts: 1, model: 'm' }, 'missing_field'],
    [{ event_id: '', ts: '2026-01-01T00:00:00Z', model: 'm' }, 'missing_field'],
    [{ event_id: 'a', ts: '2026-01-01T00:00:00Z' }, 'missing_field'],
    [{ event_id: 'a', model: 'm' }, 'missing_field'],
    [{ event_id: 'a', model: 'm', ts: 'yesterday' }, 'bad_timestamp'],
    [{ event_id: 'a', model: 'm', ts: 1_700_000_000 }, 'bad_timestamp'],
    [{ event_id: 'a', model: 'm', ts: '1999-12-31T23:59:59Z' }, 'bad_timestamp'],
    [{ event_id: 'a', model: 'm', ts: { at: 1 } }, 'wrong_type'],
    [{ event_id: { id: 1 }, model: 'm', ts: '2026-01-01' }, 'wrong_type'],
    [{ event_id: 'a', model: 3, ts: '2026-01-01' }, 'ok'],
    [{ event_id: 'a', model: ['m'], ts: '2026-01-01' }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: { x: { nested: 1 } } }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: { x: [1, 2] } }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: [1, 2] }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: { x: NaN } }, 'non_finite'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: { x: Infinity } }, 'non_finite'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', confidence: NaN }, 'non_finite'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', confidence: '0.9' }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', probabilities: { x: 'high' } }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', tags: { x: null } }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', prediction: { label: 1 } }, 'wrong_type'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', prediction: -Infinity }, 'non_finite'],
    [{ event_id: 'a'.repeat(101), model: 'm', ts: '2026-01-01' }, 'oversize'],
    [{ event_id: 'a', model: 'm', ts: '2026-01-01', features: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`f${i}`, i])) }, 'oversize'],
  ])('%j -> %s', (event, want) => {
    expect(reason(event)).toBe(want);
  });

  it('treats JSON numbers too large for a double as non-finite', () => {
    expect(reason(JSON.parse('{"event_id":"a","model":"m","ts":"2026-01-01","features":{"x":1e999}}'))).toBe('non_finite');
  });
});

describe('timestamps', () => {
  it('reads ISO-8601 with zones, without zone as UTC, and epoch ms', () => {
    expect(parseTimestamp('2026-11-23T18:00:00.123Z')).toBe(Date.UTC(2026, 10, 23, 18, 0, 0, 123));
    expect(parseTimestamp('2026-11-23T20:00:00+02:00')).toBe(Date.UTC(2026, 10, 23, 18));
    expect(parseTimestamp('2026-11-23 18:00:00')).toBe(Date.UTC(2026, 10, 23, 18));
    expect(parseTimestamp('2026-11-23T18:00:00.123456Z')).toBe(Date.UTC(2026, 10, 23, 18, 0, 0, 123));
    expect(parseTimestamp(Date.UTC(2026, 10, 23, 18) + 0.7)).toBe(Date.UTC(2026, 10, 23, 18));
    expect(parseTimestamp(String(Date.UTC(2026, 10, 23)))).toBe(Date.UTC(2026, 10, 23));
    expect(formatTs(Date.UTC(2026, 10, 23, 18, 0, 0, 5))).toBe('2026-11-23 18:00:00.005');
  });
});

const raw = (v: unknown): Uint8Array => Buffer.from(JSON.stringify(v));

describe('passthroughSuffix', () => {
  it('appends only prediction_num and the origin to a conforming object', () => {
    const ev = predictionEvent(1);
    const suffix = passthroughSuffix(ev, raw(ev), { maxFeatures: 1000, maxStringLength: 8192 }, tail);
    expect(typeof suffix).toBe('string');
    const line = JSON.stringify(ev).slice(0, -1) + (suffix as string);
    expect(JSON.parse(line)).toMatchObject({ ...ev, prediction_num: ev.prediction, kafka_offset: 42, kafka_index: 1 });
  });

  it('declines what the engine would read differently, and rejects what encodePrediction rejects', () => {
    const big = { maxFeatures: 1000, maxStringLength: 8192 };
    const pass = (v: unknown) => passthroughSuffix(v, raw(v), big, tail);
    expect(pass(predictionEvent(2, { epochMs: true }))).toBeNull();
    expect(pass({ ...predictionEvent(3), kafka_offset: 5 })).toBeNull();
    expect(pass({ ...predictionEvent(3), tags: { shard: 3 } })).toBeNull();
    expect(pass({ ...predictionEvent(3), features: undefined })).toBeNull();
    expect(pass({ ...predictionEvent(3), ts: 'soon' })).toMatchObject({ reason: 'bad_timestamp' });
    expect(pass({ ...predictionEvent(3), features: { x: {} } })).toMatchObject({ reason: 'wrong_type' });
    // What JSON.parse reads but the engine would read otherwise: a repeated key, a prediction not in its shortest form, lines.
    const asText = (text: string) => passthroughSuffix(JSON.parse(text), Buffer.from(text), big, tail);
    const text = JSON.stringify({ ...predictionEvent(4), prediction: 7 });
    expect(typeof asText(text)).toBe('string');
    expect(asText(text.replace('{', '{"event_id":"first",'))).toBeNull();
    expect(asText(text.replace('"prediction":7', '"prediction":7.0'))).toBeNull();
    expect(asText(text.replace(',"prediction"', ',\n"prediction"'))).toBeNull();
  });
});

describe('encodeLabel', () => {
  it('writes label and label_num', () => {
    expect(row(encodeLabel({ event_id: 'e', model: 'm', label: 1, ts: '2026-11-23T18:00:00Z' }, limits, tail))).toMatchObject({ event_id: 'e', model: 'm', label: '1', label_num: 1, ts: '2026-11-23 18:00:00.000', kafka_offset: 42 });
    expect(row(encodeLabel({ event_id: 'e', model: 'm', label: 'fraud', ts: '2026-11-23T18:00:00Z' }, limits, tail))).toMatchObject({ label: 'fraud', label_num: null });
  });

  it('requires the label', () => {
    expect(encodeLabel({ event_id: 'e', model: 'm', ts: '2026-11-23T18:00:00Z' }, limits, tail)).toMatchObject({ reason: 'missing_field' });
    expect(encodeLabel({ event_id: 'e', model: 'm', label: [1], ts: '2026-11-23T18:00:00Z' }, limits, tail)).toMatchObject({ reason: 'wrong_type' });
  });
});

describe('formatTs', () => {
  it('writes what toISOString says, second cache or not', () => {
    const random = rng(5);
    const iso = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);
    for (const ms of [946_684_800_000, 946_684_800_001, 946_684_800_999, 946_684_801_000, 7_258_118_399_999]) expect(formatTs(ms)).toBe(iso(ms));
    for (let i = 0; i < 20_000; i++) {
      const ms = 946_684_800_000 + Math.floor(random() * 6e12);
      expect(formatTs(ms)).toBe(iso(ms));
      expect(formatTs(ms + 7)).toBe(iso(ms + 7));
    }
  });
});
