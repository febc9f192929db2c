// read_committed as the Java consumer does it. kafkajs 2.2.4 drops aborted
// transactional records in src/consumer/filterAbortedMessages.js, which
// walks records in offset order and activates at most one aborted
// transaction per record, taking the broker's list as sorted by first offset.
// When a fetch starts inside two aborted transactions (two producers
// aborting around the same time, and a fetch boundary between them: any
// consumer that is not reading a whole partition in one fetch), the second
// producer's aborted records are handed to the application as if committed.
// test/integration/ingest/transactions.test.ts shows it with Python's
// confluent-kafka as the producer.
//
// The fix wraps kafkajs's Fetch response decoders (v4 to v11, the versions
// that carry aborted transactions) and filters each partition's records the
// way Java's CompletedFetch does: batch by batch, every aborted transaction
// whose first offset is at or before the batch's last offset marks its
// producer aborted, an abort marker of that producer clears it, and a
// transactional batch of an aborted producer is dropped. Dropped records are
// flagged as control records (kafkajs leaves those out of batch.messages but
// still moves the offset past them) and the aborted list is emptied, so
// kafkajs's own filter has nothing left to get wrong.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const WRAPPED = Symbol.for('driftwatch.readCommitted');
const FETCH_VERSIONS = [4, 5, 6, 7, 8, 9, 10, 11];

interface BatchContext {
  firstOffset: string;
  lastOffsetDelta: number;
  producerId: string;
  inTransaction: boolean;
  isControlBatch: boolean;
}

export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  isControlRecord: boolean;
  batchContext?: BatchContext;
}

export interface FetchedPartition {
  abortedTransactions?: Array<{ producerId: string; firstOffset: string }>;
  messages: FetchedRecord[];
}

/** An abort marker: a control record whose key is (version int16, type int16) with type 0. */
function isAbortMarker(r: FetchedRecord): boolean {
  return r.key !== null && r.key.length >= 4 && r.key.readInt16BE(2) === 0;
}

/** Flag the records of aborted transactions (Java's algorithm) and empty the aborted list. */
export function dropAborted(p: FetchedPartition): number {
  const aborted = p.abortedTransactions ?? [];
  if (aborted.length === 0) return 0;
  const queue = [...aborted].sort((a, b) => (BigInt(a.firstOffset) < BigInt(b.firstOffset) ? -1 : BigInt(a.firstOffset) > BigInt(b.firstOffset) ? 1 : 0));
  const abortedProducers = new Set<string>();
  const records = p.messages;
  let dropped = 0;
  for (let i = 0; i < records.length; ) {
    const ctx = records[i]!.batchContext;
    let end = i + 1;
    while (end < records.length && records[end]!.batchContext === ctx) end++;
    if (ctx && ctx.producerId !== '-1') {
      const last = BigInt(ctx.firstOffset) + BigInt(ctx.lastOffsetDelta);
      while (queue.length > 0 && BigInt(queue[0]!.firstOffset) <= last) abortedProducers.add(queue.shift()!.producerId);
      if (ctx.isControlBatch) {
        if (records.slice(i, end).some(isAbortMarker)) abortedProducers.delete(ctx.producerId);
      } else if (ctx.inTransaction && abortedProducers.has(ctx.producerId)) {
        for (let k = i; k < end; k++) records[k]!.isControlRecord = true;
        dropped += end - i;
      }
    }
    i = end;
  }
  p.abortedTransactions = [];
  return dropped;
}

interface ResponseModule {
  decode: ((raw: Buffer) => Promise<{ responses: Array<{ partitions: FetchedPartition[] }> }>) & { [WRAPPED]?: true };
}

/** Wrap kafkajs's Fetch response decoders (idempotent); false when kafkajs is not laid out as expected. */
export function installReadCommitted(): boolean {
  let modules: ResponseModule[];
  try {
    modules = FETCH_VERSIONS.map((v) => require(`kafkajs/src/protocol/requests/fetch/v${v}/response.js`) as ResponseModule);
  } catch {
    return false;
  }
  if (!modules.every((m) => typeof m.decode === 'function')) return false;
  for (const m of modules) {
    if (m.decode[WRAPPED]) continue;
    const original = m.decode;
    const wrapped = async (raw: Buffer) => {
      const response = await original(raw);
      for (const topic of response.responses) for (const partition of topic.partitions) dropAborted(partition);
      return response;
    };
    m.decode = Object.assign(wrapped, { [WRAPPED]: true as const });
  }
  return true;
}
