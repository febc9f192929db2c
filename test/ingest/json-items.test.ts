// The incremental JSON splitter of HTTP ingest: the same events as parsing
// the whole body at once, wherever the chunks are cut; per-event errors for
// NDJSON lines and array elements; one error for a broken structure.
import { describe, expect, it } from 'vitest';
import { JsonItemSplitter, type JsonItem } from '../../src/ingest/json-items.ts';
import { predictionEvent, rng } from '../../testkit/events.ts';

function split(body: Buffer | string, mode: 'json' | 'ndjson', cut: (i: number) => number, maxItemBytes = 1 << 20): { items: JsonItem[]; broken: unknown } {
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body);
  const s = new JsonItemSplitter(mode, maxItemBytes);
  const items: JsonItem[] = [];
  let broken: unknown = null;
  for (let off = 0, k = 0; off < bytes.length && !broken; k++) {
    const n = Math.max(1, cut(k));
    broken = s.push(bytes.subarray(off, off + n), (it) => items.push(it));
    off += n;
  }
  broken ??= s.end((it) => items.push(it));
  return { items, broken };
}

const values = (items: JsonItem[]) => items.map((i) => i.value);

describe('JsonItemSplitter', () => {
  it('gives the events JSON.parse gives, however the body is cut', () => {
    const random = rng(11);
    const events: unknown[] = Array.from({ length: 40 }, (_, i) => predictionEvent(i));
    events.push({ s: 'braces } ] { [ and "quotes" \\ and , commas', n: [1, [2, { a: '}' }]] }, { u: 'üñí©ødé 🚀' });
    const array = JSON.stringify(events, null, 2);
    const ndjson = events.map((e) => JSON.stringify(e)).join('\r\n') + '\n';
    for (let trial = 0; trial < 30; trial++) {
      const cut = () => 1 + Math.floor(random() * (trial < 10 ? 7 : 300));
      expect(values(split(array, 'json', cut).items)).toEqual(events);
      expect(values(split(ndjson, 'ndjson', cut).items)).toEqual(events);
      // NDJSON without a content-type saying so (sniffed as json).
      expect(values(split(ndjson, 'json', cut).items)).toEqual(events);
    }
  });

  it('numbers events in body order', () => {
    const { items } = split('[{"a":1}, {"b":\n2}, 3]', 'json', () => 5);
    expect(items.map((i) => i.index)).toEqual([0, 1, 2]);
  });

  it('reads scalars, strings and nested arrays as events (the validator refuses them)', () => {
    expect(values(split('[1, "x", [2], null, true]', 'json', () => 2).items)).toEqual([1, 'x', [2], null, true]);
    expect(values(split('"alone"', 'json', () => 3).items)).toEqual(['alone']);
    expect(values(split('  42  ', 'json', () => 1).items)).toEqual([42]);
    expect(split('[]', 'json', () => 1)).toEqual({ items: [], broken: null });
    expect(split('[\n ]', 'json', () => 1)).toEqual({ items: [], broken: null });
  });

  it('reports bad NDJSON lines and bad array elements one by one', () => {
    const { items, broken } = split('{"a":1}\nnot json\n\n{"a":3}\n', 'ndjson', () => 4);
    expect(broken).toBeNull();
    expect(items.map((i) => [i.index, (i.value as { reason?: string }).reason ?? 'ok'])).toEqual([
      [0, 'ok'],
      [1, 'invalid_json'],
      [2, 'ok'],
    ]);
    const arr = split('[{"a":1}, {"a":NaN}, {"a":3}]', 'json', () => 3);
    expect(arr.items.map((i) => (i.value as { reason?: string }).reason ?? 'ok')).toEqual(['ok', 'invalid_json', 'ok']);
  });

  it.each([
    ['[1,]', 'unexpected'],
    ['[1 2]', 'a , or ] was expected'],
    ['[{"a":1}', 'before the closing ]'],
    ['[{"a":1}] x', 'after the closing ]'],
    ['{"a":1} ]', 'unexpected'],
    ['{"a":', 'ends inside an event'],
    [',', 'unexpected'],
  ])('a broken structure %j is one invalid_json error', (body, message) => {
    expect(split(body, 'json', () => 1).broken).toMatchObject({ reason: 'invalid_json', message: expect.stringContaining(message) });
  });

  it('refuses an event larger than the limit without collecting it, and bytes that are not UTF-8', () => {
    const big = JSON.stringify({ pad: 'x'.repeat(5000) });
    const { items, broken } = split(`[${big}, {"ok":1}]`, 'json', () => 100, 1000);
    expect(broken).toBeNull();
    expect(items.map((i) => (i.value as { reason?: string }).reason ?? 'ok')).toEqual(['oversize', 'ok']);
    const bad = Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n{"b":1}\n')]);
    expect(split(bad, 'ndjson', () => 3).items.map((i) => (i.value as { reason?: string }).reason ?? 'ok')).toEqual(['invalid_json', 'ok']);
  });

  it('skips a UTF-8 byte order mark, even cut in two', () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[{"a":1}]')]);
    expect(values(split(body, 'json', () => 1).items)).toEqual([{ a: 1 }]);
    expect(values(split(body, 'ndjson', () => 2).items)).toEqual([[{ a: 1 }]]);
  });
});
