import { describe, expect, it } from 'vitest';
import { IngestBuffer, isDataError, type Chunk } from '../../src/ingest/buffer.ts';
import { createIngestMetrics } from '../../src/ingest/metrics.ts';
import { silentLogger } from '../../src/core/log/logger.ts';
import { createRegistry } from '../../src/metrics/registry.ts';
import { memoryStore } from './faulty-store.ts';

function setup(over: Partial<ConstructorParameters<typeof IngestBuffer>[0]> = {}) {
  const mem = memoryStore();
  const registry = createRegistry({ defaultMetrics: false });
  const buffer = new IngestBuffer({
    store: () => mem.store,
    logger: silentLogger,
    metrics: createIngestMetrics(registry),
    batchRows: 100,
    batchBytes: 1 << 20,
    flushIntervalMs: 20,
    maxBufferedRows: 300,
    maxBufferedBytes: 1 << 20,
    insertRetryMaxMs: 40,
    insertRetryBaseMs: 5,
    ...over,
  });
  return { buffer, ...mem, registry };
}

function chunk(rows: number, extra: Partial<Chunk> = {}): Chunk {
  const lines = Array.from({ length: rows }, (_, i) => `{"event_id":"e${i}"}`);
  return { table: 'predictions', source: 'kafka', body: Buffer.from(lines.map((l) => l + '\n').join('')), rows, ...extra };
}

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('IngestBuffer', () => {
  it('flushes by age, reports stored chunks in order, and counts rows', async () => {
    const { buffer, inserts, registry } = setup();
    const stored: string[] = [];
    buffer.onStored((cs) => stored.push(...cs.map((c) => c.kafka?.nextOffset ?? '-')));
    await buffer.start();
    buffer.append(chunk(3, { kafka: { topic: 't', partition: 0, nextOffset: '3', epoch: 1 } }));
    buffer.append(chunk(0, { kafka: { topic: 't', partition: 0, nextOffset: '5', epoch: 1 } }));
    await tick(100);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]!.body.split('\n').filter(Boolean)).toHaveLength(3);
    expect(stored).toEqual(['3', '5']);
    expect(await registry.getSingleMetricAsString('driftwatch_ingest_events_stored_total')).toContain('driftwatch_ingest_events_stored_total{source="kafka",table="predictions"} 3');
    await buffer.stop(new AbortController().signal);
  });

  it('splits a backlog into batches of batch_rows', async () => {
    const { buffer, inserts } = setup({ flushIntervalMs: 100_000 });
    await buffer.start();
    for (let i = 0; i < 5; i++) buffer.append(chunk(60));
    await buffer.drain();
    expect(inserts.map((i) => i.body.split('\n').filter(Boolean).length)).toEqual([60, 60, 60, 60, 60]);
    await buffer.stop(new AbortController().signal);
  });

  it('retries a failing store with the same dedup token, says full, and drains when it recovers', async () => {
    const { buffer, inserts, switches } = setup();
    let spaced = 0;
    buffer.onSpace(() => spaced++);
    await buffer.start();
    switches.failInserts = true;
    buffer.append(chunk(200));
    buffer.append(chunk(150));
    expect(buffer.full).toBe(true);
    await tick(150);
    expect(switches.failedInserts).toBeGreaterThan(2);
    expect(buffer.readiness().ready).toBe(false);
    expect(inserts).toHaveLength(0);
    switches.failInserts = false;
    await buffer.drain();
    expect(inserts.reduce((n, i) => n + i.body.split('\n').filter(Boolean).length, 0)).toBe(350);
    expect(buffer.full).toBe(false);
    expect(spaced).toBe(1);
    expect(buffer.readiness().ready).toBe(true);
    await buffer.stop(new AbortController().signal);
  });

  it('does not store twice when the answer to a stored insert is lost', async () => {
    const { buffer, inserts, switches } = setup();
    await buffer.start();
    switches.failAfterInsert = true;
    buffer.append(chunk(10));
    await tick(60);
    switches.failAfterInsert = false;
    await buffer.drain();
    expect(switches.failedInserts).toBeGreaterThan(0);
    expect(inserts).toHaveLength(1);
    await buffer.stop(new AbortController().signal);
  });

  it('isolates rows ClickHouse refuses and stores the rest', async () => {
    const { buffer, inserts } = setup();
    const refused: string[] = [];
    buffer.onRejectedRow(async (_t, line) => void refused.push(line));
    await buffer.start();
    const body = Buffer.from(['{"a":1}', '{"poison":1}', '{"a":2}', '{"a":3}'].join('\n') + '\n');
    buffer.append({ table: 'predictions', source: 'kafka', body, rows: 4 });
    await buffer.drain();
    expect(refused).toEqual(['{"poison":1}']);
    expect(inserts.flatMap((i) => i.body.split('\n').filter(Boolean)).sort()).toEqual(['{"a":1}', '{"a":2}', '{"a":3}']);
    await buffer.stop(new AbortController().signal);
  });

  it('drops pending chunks on discard and gives up at the shutdown deadline', async () => {
    const { buffer, switches } = setup({ flushIntervalMs: 100_000 });
    await buffer.start();
    buffer.append(chunk(5, { source: 'kafka' }));
    expect(buffer.discard((c) => c.source === 'kafka')).toBe(5);
    expect(buffer.bufferedRows).toBe(0);
    switches.failInserts = true;
    let rejected: unknown;
    const done = new Promise<void>((resolve) => {
      buffer.append({ ...chunk(2), source: 'http', done: { resolve, reject: (e) => ((rejected = e), resolve()) } });
    });
    const deadline = new AbortController();
    setTimeout(() => deadline.abort(), 100);
    await buffer.stop(deadline.signal);
    await done;
    expect(rejected).toBeInstanceOf(Error);
    expect(() => buffer.append(chunk(1))).toThrow(/shutting down/);
  });

  it('tells data errors from transient ones', () => {
    expect(isDataError(new Error('Code: 27. DB::Exception: Cannot parse input'))).toBe(true);
    expect(isDataError(new Error('connect ECONNREFUSED'))).toBe(false);
  });
});
