import { describe, expect, it } from 'vitest';
import { ChunkWriter, objectBounds } from '../../src/ingest/chunk-writer.ts';

describe('ChunkWriter', () => {
  it('writes lines and raw objects, growing as needed', () => {
    const w = new ChunkWriter(8);
    w.line('{"a":"ü"}');
    const raw = Buffer.from('\ufeff  {"b":2}  \n');
    const b = objectBounds(raw);
    expect(b).not.toBeNull();
    w.rawObject(raw, b!.start, b!.end, ',"c":3}');
    for (let i = 0; i < 1000; i++) w.line(`{"i":${i}}`);
    const text = w.finish().toString('utf8');
    const lines = text.split('\n');
    expect(lines[0]).toBe('{"a":"ü"}');
    expect(JSON.parse(lines[1]!)).toEqual({ b: 2, c: 3 });
    expect(lines).toHaveLength(1003);
    expect(w.rows).toBe(1002);
  });

  it('finds object bounds only for objects', () => {
    expect(objectBounds(Buffer.from('[1]'))).toBeNull();
    expect(objectBounds(Buffer.from('  '))).toBeNull();
    expect(objectBounds(Buffer.from('{}'))).toEqual({ start: 0, end: 2 });
  });
});
