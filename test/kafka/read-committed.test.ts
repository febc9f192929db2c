// The read_committed filter against the case kafkajs 2.2.4 gets wrong: a
// fetch that starts inside two aborted transactions of two producers.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { dropAborted, installReadCommitted, type FetchedPartition, type FetchedRecord } from '../../src/kafka/read-committed.ts';

const require = createRequire(import.meta.url);
const kafkajsFilter = require('kafkajs/src/consumer/filterAbortedMessages.js') as (o: { messages: FetchedRecord[]; abortedTransactions: unknown[] }) => FetchedRecord[];

/** Records of one batch at [first, first+n) of a producer; control batches hold one marker. */
function batch(first: number, n: number, producerId: string, kind: 'data' | 'abort' | 'commit' | 'plain'): FetchedRecord[] {
  const ctx = { firstOffset: String(first), lastOffsetDelta: n - 1, producerId: kind === 'plain' ? '-1' : producerId, inTransaction: kind !== 'plain', isControlBatch: kind === 'abort' || kind === 'commit' };
  return Array.from({ length: n }, (_, i) => ({
    offset: String(first + i),
    key: kind === 'abort' ? Buffer.from([0, 0, 0, 0]) : kind === 'commit' ? Buffer.from([0, 0, 0, 1]) : Buffer.from(`${producerId}-${first + i}`),
    isControlRecord: ctx.isControlBatch,
    batchContext: ctx,
  }));
}

/**
 * Log: A data 0-9, B data 10-19, A data 20-29, A abort 30, B abort 31,
 * C (committed) data 32-34 and its commit 35, plain records 36-37. The fetch
 * starts at 20 (the previous one ended inside both transactions).
 */
function fetchFrom20(): FetchedPartition {
  return {
    abortedTransactions: [
      { producerId: 'A', firstOffset: '0' },
      { producerId: 'B', firstOffset: '10' },
    ],
    messages: [...batch(20, 10, 'A', 'data'), ...batch(30, 1, 'A', 'abort'), ...batch(31, 1, 'B', 'abort'), ...batch(32, 3, 'C', 'data'), ...batch(35, 1, 'C', 'commit'), ...batch(36, 2, 'x', 'plain')],
  };
}

const visible = (records: FetchedRecord[]) => records.filter((r) => !r.isControlRecord).map((r) => r.offset);

describe('read_committed', () => {
  it('drops every aborted record, keeps committed and plain ones', () => {
    const p = fetchFrom20();
    expect(dropAborted(p)).toBe(10);
    expect(p.abortedTransactions).toEqual([]);
    expect(visible(p.messages)).toEqual(['32', '33', '34', '36', '37']);
  });

  it('gets right what kafkajs 2.2.4 gets wrong (a fetch starting inside two aborted transactions)', () => {
    const scenario = (): FetchedPartition => {
      // B's aborted records 10-19 fetched from offset 15, with A still open.
      return {
        abortedTransactions: [
          { producerId: 'A', firstOffset: '0' },
          { producerId: 'B', firstOffset: '10' },
        ],
        messages: [...batch(15, 5, 'B', 'data'), ...batch(20, 10, 'A', 'data'), ...batch(30, 1, 'A', 'abort'), ...batch(31, 1, 'B', 'abort'), ...batch(32, 2, 'x', 'plain')],
      };
    };
    const p = scenario();
    const leaked = visible(kafkajsFilter({ messages: p.messages, abortedTransactions: p.abortedTransactions! }));
    expect(leaked).toContain('15'); // the bug: B's first aborted record goes through
    const fixed = scenario();
    dropAborted(fixed);
    expect(visible(kafkajsFilter({ messages: fixed.messages, abortedTransactions: fixed.abortedTransactions! }))).toEqual(['32', '33']);
  });

  it('installs into every kafkajs Fetch response decoder, once', () => {
    expect(installReadCommitted()).toBe(true);
    const v11 = require('kafkajs/src/protocol/requests/fetch/v11/response.js') as { decode: unknown };
    const first = v11.decode;
    expect(installReadCommitted()).toBe(true);
    expect(v11.decode).toBe(first);
  });
});
