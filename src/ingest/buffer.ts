// The one write path into ClickHouse for Kafka and HTTP ingest. Sources
// append chunks (JSONEachRow lines of one table, plus what to do once they are
// stored: commit a Kafka offset, answer an HTTP request); the buffer flushes by
// rows, bytes or age, one insert at a time, retrying with capped backoff and
// jitter, and only then reports the chunks as stored. Memory is bounded: above
// max_buffered_rows/bytes the buffer says `full` and sources stop taking in
// (Kafka pauses, HTTP answers 503) until it drains below half.
//
// HTTP chunks are `urgent`: a request waits for its rows to be stored, so
// they are flushed at once instead of at the next flush_interval, and
// requests arriving while an insert runs go together into the next one
// (group commit: a sequential client is not held to one request per
// interval, concurrent clients still share inserts). HTTP rows are inserted
// apart from Kafka rows, after per-event deduplication (dedup.ts).
import { randomUUID } from 'node:crypto';
import { DriftwatchError, describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { retry } from '../core/util/backoff.ts';
import type { EventDedup } from './dedup.ts';
import { INSERT_SETTINGS, kafkaTailPrefix, type TableName } from './encode.ts';
import { keyAt, KeyTable } from './key-table.ts';
import type { IngestMetrics } from './metrics.ts';

export interface KafkaPosition {
  topic: string;
  partition: number;
  /** The offset to commit: one past the last message of the chunk. */
  nextOffset: string;
  /** Assignment epoch of the partition when the chunk was read (see consumer.ts). */
  epoch: number;
}

export interface Chunk {
  table: TableName;
  source: 'kafka' | 'http';
  /** '\n'-terminated JSONEachRow lines; empty when the chunk only carries a commit. */
  body: Buffer;
  rows: number;
  kafka?: KafkaPosition;
  /** HTTP: settled when the rows are stored, or when the buffer gives up on them. */
  done?: { resolve: () => void; reject: (e: unknown) => void };
  /** Flush as soon as possible (HTTP: a client waits for the answer). */
  urgent?: boolean;
  /** HTTP: what per-event deduplication needs (one line per row, no newline inside a row). */
  dedup?: HttpRows;
}

export interface HttpRows {
  /** 8 bytes per row: the row's identity (dedup.ts). */
  keys: Uint8Array;
  /** Models and ts range (epoch ms) of the rows: where to look after a crash. */
  models: string[];
  tmin: number;
  tmax: number;
  /** Set when stored: rows dropped as already stored. */
  duplicates: number;
}

export interface BufferOptions {
  store: () => Store;
  logger: Logger;
  metrics: IngestMetrics;
  batchRows: number;
  batchBytes: number;
  flushIntervalMs: number;
  maxBufferedRows: number;
  maxBufferedBytes: number;
  insertRetryMaxMs: number;
  /** First backoff delay (tests shorten it). */
  insertRetryBaseMs?: number;
  /** Per-event deduplication of HTTP rows (absent or disabled: none). */
  dedup?: EventDedup;
}

export interface KafkaPartitionRef {
  topic: string;
  partition: number;
  /** Assignment epoch the rows were read in. */
  epoch: number;
}

/**
 * Decides before each insert attempt of Kafka rows which partitions' rows
 * may be stored by it (several daemons on one store: kafka-insert-guard.ts).
 */
export interface KafkaInsertGuard {
  begin(refs: readonly KafkaPartitionRef[]): Promise<GuardTicket>;
}

export interface GuardTicket {
  /** partitionKey(topic, partition, epoch) of the partitions whose rows this attempt may send. */
  owned: ReadonlySet<string>;
  /** 'stored' or 'failed' (the server answered): nothing of the attempt lands later. 'unknown': it might. */
  settle(outcome: 'stored' | 'failed' | 'unknown'): Promise<void>;
}

export const partitionKey = (topic: string, partition: number, epoch: number): string => `${topic}\u0000${partition}\u0000${epoch}`;

/** The Kafka rows of one insert, selectable by partition. */
interface GuardedRows {
  refs: KafkaPartitionRef[];
  select(owned: ReadonlySet<string>): { body: Buffer; rows: number };
}

type StoredListener = (chunks: readonly Chunk[]) => void;
type RejectedListener = (table: TableName, line: string, error: unknown) => Promise<void>;

const TICK_MS = 50;

/** ClickHouse refused the data itself: retrying the same bytes cannot succeed. */
export function isDataError(e: unknown): boolean {
  const msg = describeError(e);
  // CANNOT_PARSE_* (6, 25, 26, 27, 38, 41, 72), TYPE_MISMATCH (53), ARGUMENT_OUT_OF_BOUND (69),
  // CANNOT_CONVERT_TYPE (70), INCORRECT_DATA (117), TOO_LARGE_STRING_SIZE (131), CANNOT_READ_ALL_DATA (33)
  return /\bCode: (6|25|26|27|33|38|41|53|69|70|72|117|131)\b/.test(msg) || /CANNOT_PARSE|INCORRECT_DATA|TYPE_MISMATCH/.test(msg);
}

export class IngestBuffer implements Component {
  readonly name = 'ingest';
  readonly #o: BufferOptions;
  #pending: Chunk[] = [];
  #pendingRows = 0;
  #pendingBytes = 0;
  #pendingSince = 0;
  #inflightRows = 0;
  #inflightBytes = 0;
  #flushing: Promise<void> | null = null;
  #drainRequested = 0;
  #timer: NodeJS.Timeout | null = null;
  #wasFull = false;
  #urgent = 0;
  #kick: NodeJS.Immediate | null = null;
  #closed = false;
  #started = false;
  readonly #abort = new AbortController();
  readonly #storedListeners: StoredListener[] = [];
  readonly #spaceListeners: Array<() => void> = [];
  #rejectedListener: RejectedListener | null = null;
  #guard: KafkaInsertGuard | null = null;
  #failingSince: number | null = null;
  #lastError = '';

  constructor(opts: BufferOptions) {
    this.#o = opts;
  }

  /** Called with the chunks of every stored batch, in order (the consumer commits there). */
  onStored(fn: StoredListener): void {
    this.#storedListeners.push(fn);
  }

  /** Called when the buffer drained below half after having been full. */
  onSpace(fn: () => void): void {
    this.#spaceListeners.push(fn);
  }

  /** Where rows ClickHouse refuses go (the dead-letter topic). */
  onRejectedRow(fn: RejectedListener): void {
    this.#rejectedListener = fn;
  }

  /** Check every insert attempt of Kafka rows with this guard (several daemons on one store). */
  guardKafkaInserts(guard: KafkaInsertGuard): void {
    this.#guard = guard;
  }

  get accepting(): boolean {
    return this.#started && !this.#closed;
  }

  get bufferedRows(): number {
    return this.#pendingRows + this.#inflightRows;
  }

  get bufferedBytes(): number {
    return this.#pendingBytes + this.#inflightBytes;
  }

  /** True while sources must stop taking in. */
  get full(): boolean {
    return this.bufferedRows >= this.#o.maxBufferedRows || this.bufferedBytes >= this.#o.maxBufferedBytes;
  }

  /** Seconds a client should wait before retrying (Retry-After). */
  retryAfterSeconds(): number {
    return this.#failingSince === null ? 1 : Math.max(1, Math.min(30, Math.ceil(this.#o.insertRetryMaxMs / 1000)));
  }

  async start(): Promise<void> {
    this.#started = true;
    this.#timer = setInterval(() => this.#maybeFlush(), Math.min(TICK_MS, this.#o.flushIntervalMs));
    this.#timer.unref();
  }

  append(chunk: Chunk): void {
    if (this.#closed) throw new DriftwatchError('DW_INGEST_BUFFER_FULL', 'ingest is shutting down');
    if (this.#pending.length === 0) this.#pendingSince = Date.now();
    this.#pending.push(chunk);
    this.#pendingRows += chunk.rows;
    this.#pendingBytes += chunk.body.length;
    this.#gauges();
    if (this.full) this.#wasFull = true;
    if (chunk.urgent) {
      this.#urgent++;
      // On the next turn: chunks appended in this one go into the same insert.
      this.#kick ??= setImmediate(() => {
        this.#kick = null;
        this.#maybeFlush();
      });
    }
    if (this.#pendingRows >= this.#o.batchRows || this.#pendingBytes >= this.#o.batchBytes) this.#maybeFlush();
  }

  /** Drop pending (not yet inserting) chunks, e.g. of partitions this member lost. Returns the rows dropped. */
  discard(predicate: (c: Chunk) => boolean): number {
    let rows = 0;
    const keep: Chunk[] = [];
    for (const c of this.#pending) {
      if (predicate(c)) {
        rows += c.rows;
        this.#pendingRows -= c.rows;
        this.#pendingBytes -= c.body.length;
        if (c.urgent) this.#urgent--;
      } else {
        keep.push(c);
      }
    }
    this.#pending = keep;
    this.#gauges();
    this.#checkSpace();
    return rows;
  }

  /** Resolves once the insert in flight (if any) has finished. */
  async settled(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  /** Flush everything appended so far; resolves when it is stored (or the buffer gave up at shutdown). */
  async drain(): Promise<void> {
    this.#drainRequested++;
    try {
      while (this.#pending.length > 0 || this.#flushing) {
        this.#maybeFlush();
        if (this.#flushing) await this.#flushing;
        if (this.#abort.signal.aborted) return;
      }
    } finally {
      this.#drainRequested--;
    }
  }

  async stop(deadline: AbortSignal): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const onDeadline = (): void => this.#abort.abort(new Error('shutdown deadline'));
    deadline.addEventListener('abort', onDeadline, { once: true });
    if (deadline.aborted) onDeadline();
    try {
      await this.drain();
    } finally {
      deadline.removeEventListener('abort', onDeadline);
      if (this.#timer) clearInterval(this.#timer);
      this.#timer = null;
      if (this.#kick) clearImmediate(this.#kick);
      this.#kick = null;
      // Whatever is left was not stored: Kafka delivers it again; HTTP callers hear so.
      const left = this.#pending;
      this.#pending = [];
      for (const c of left) c.done?.reject(new DriftwatchError('DW_INGEST_INSERT_FAILED', 'driftwatch stopped before the rows were stored'));
      if (left.length > 0) this.#o.logger.warn('stopped with rows not stored', { rows: left.reduce((n, c) => n + c.rows, 0), code: 'DW_INGEST_INSERT_FAILED' });
    }
  }

  readiness(): Readiness {
    if (this.#failingSince !== null) {
      return { ready: false, reason: `inserts failing for ${Math.round((Date.now() - this.#failingSince) / 1000)}s: ${this.#lastError}` };
    }
    return { ready: true, reason: `${this.bufferedRows} rows buffered` };
  }

  #gauges(): void {
    this.#o.metrics.bufferedRows.set(this.bufferedRows);
    this.#o.metrics.bufferedBytes.set(this.bufferedBytes);
  }

  #checkSpace(): void {
    if (!this.#wasFull) return;
    if (this.bufferedRows <= this.#o.maxBufferedRows / 2 && this.bufferedBytes <= this.#o.maxBufferedBytes / 2) {
      this.#wasFull = false;
      for (const fn of this.#spaceListeners) fn();
    }
  }

  #due(): boolean {
    if (this.#pending.length === 0) return false;
    if (this.#drainRequested > 0 || this.#closed || this.#urgent > 0) return true;
    if (this.#pendingRows >= this.#o.batchRows || this.#pendingBytes >= this.#o.batchBytes) return true;
    return Date.now() - this.#pendingSince >= this.#o.flushIntervalMs;
  }

  #maybeFlush(): void {
    if (this.#flushing || !this.#due()) return;
    this.#flushing = this.#flush().finally(() => {
      this.#flushing = null;
      // Keep the pipeline busy: the next batch may already be due.
      if (!this.#abort.signal.aborted) this.#maybeFlush();
    });
  }

  /** Take whole chunks up to one batch (at least one chunk). */
  #take(): Chunk[] {
    let rows = 0;
    let bytes = 0;
    let n = 0;
    for (const c of this.#pending) {
      if (n > 0 && (rows + c.rows > this.#o.batchRows || bytes + c.body.length > this.#o.batchBytes)) break;
      rows += c.rows;
      bytes += c.body.length;
      n++;
    }
    const taken = this.#pending.splice(0, n);
    for (const c of taken) if (c.urgent) this.#urgent--;
    this.#pendingRows -= rows;
    this.#pendingBytes -= bytes;
    this.#inflightRows += rows;
    this.#inflightBytes += bytes;
    if (this.#pending.length > 0) this.#pendingSince = Date.now();
    return taken;
  }

  async #flush(): Promise<void> {
    const chunks = this.#take();
    const rows = chunks.reduce((n, c) => n + c.rows, 0);
    const bytes = chunks.reduce((n, c) => n + c.body.length, 0);
    try {
      for (const table of ['predictions', 'labels'] as const) {
        for (const source of ['kafka', 'http'] as const) {
          let parts = chunks.filter((c) => c.table === table && c.source === source && c.rows > 0);
          if (parts.length === 0) continue;
          const dedup = this.#o.dedup;
          const checked = source === 'http' && dedup?.enabled ? parts.filter((c) => c.dedup) : [];
          if (checked.length > 0) await this.#insertDeduplicated(table, checked, dedup!);
          if (checked.length === parts.length) continue;
          if (checked.length > 0) parts = parts.filter((c) => !c.dedup);
          const body = parts.length === 1 ? parts[0]!.body : Buffer.concat(parts.map((c) => c.body));
          const n = parts.reduce((s, c) => s + c.rows, 0);
          const guarded = source === 'kafka' && this.#guard ? guardedChunks(parts) : undefined;
          const stored = await this.#insert(table, body, n, randomUUID(), guarded);
          this.#o.metrics.stored.inc({ source, table }, stored);
        }
      }
    } catch (e) {
      // Only the shutdown deadline ends the retries: these rows were not stored.
      for (const c of chunks) c.done?.reject(e);
      this.#o.logger.error('gave up on a batch at shutdown', { rows, error: describeError(e), code: 'DW_INGEST_INSERT_FAILED' });
      return;
    } finally {
      this.#inflightRows -= rows;
      this.#inflightBytes -= bytes;
      this.#gauges();
    }
    for (const c of chunks) c.done?.resolve();
    for (const fn of this.#storedListeners) {
      try {
        fn(chunks);
      } catch (e) {
        this.#o.logger.error('stored listener failed', { error: describeError(e) });
      }
    }
    this.#checkSpace();
  }

  /**
   * HTTP rows: drop those already stored within the horizon (or twice in
   * this batch), journal the rest as pending, insert, then commit them.
   */
  async #insertDeduplicated(table: TableName, parts: Chunk[], dedup: EventDedup): Promise<void> {
    // The identities of a batch cut short by the last stop must be known
    // first; a shutdown deadline ends the wait (the rows are then not stored).
    await new Promise<void>((resolve, reject) => {
      const signal = this.#abort.signal;
      if (signal.aborted) return reject(signal.reason as Error);
      const onAbort = (): void => reject(signal.reason as Error);
      signal.addEventListener('abort', onAbort, { once: true });
      dedup.ready().then(
        () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      );
    });
    const seen = new KeyTable();
    const lines: Buffer[] = [];
    const keys = Buffer.allocUnsafe(8 * parts.reduce((n, c) => n + c.rows, 0));
    const models = new Set<string>();
    let rows = 0;
    let tmin = Infinity;
    let tmax = -Infinity;
    let dropped = 0;
    for (const c of parts) {
      const d = c.dedup!;
      let start = 0;
      // Kept rows go out as runs of consecutive lines, not one slice per row.
      let run = 0;
      let dups = 0;
      for (let i = 0; i < c.rows; i++) {
        // A large request must not hold the event loop for the whole loop.
        if ((i & 8191) === 8191) await new Promise<void>((r) => setImmediate(r));
        const nl = c.body.indexOf(0x0a, start);
        const end = nl < 0 ? c.body.length : nl + 1;
        const { hi, lo } = keyAt(d.keys, i);
        if (dedup.has(d.keys, i) || seen.has(hi, lo)) {
          dups++;
          if (start > run) lines.push(c.body.subarray(run, start));
          run = end;
        } else {
          seen.add(hi, lo);
          keys.set(d.keys.subarray(8 * i, 8 * i + 8), 8 * rows);
          rows++;
        }
        start = end;
      }
      if (start > run) lines.push(c.body.subarray(run, start));
      d.duplicates = dups;
      dropped += dups;
      if (dups < c.rows) {
        for (const m of d.models) models.add(m);
        tmin = Math.min(tmin, d.tmin);
        tmax = Math.max(tmax, d.tmax);
      }
    }
    if (dropped > 0) this.#o.metrics.duplicates.inc({ table }, dropped);
    if (rows === 0) return;
    const body = lines.length === 1 ? lines[0]! : Buffer.concat(lines);
    const ids = keys.subarray(0, 8 * rows);
    const id = await dedup.begin({ table, models: [...models], tmin, tmax }, ids);
    try {
      await this.#insert(table, body, rows, randomUUID());
    } catch (e) {
      dedup.abandon(id);
      throw e;
    }
    await dedup.commit(id, ids);
    this.#o.metrics.stored.inc({ source: 'http', table }, rows);
  }

  /**
   * Insert with capped backoff until it succeeds or shutdown gives up; bisect
   * batches ClickHouse refuses. Returns the rows sent (fewer than `rows` when
   * the guard held back partitions this member no longer owns).
   */
  async #insert(table: TableName, body: Buffer, rows: number, token: string, guarded?: GuardedRows): Promise<number> {
    const { metrics, logger } = this.#o;
    const t0 = performance.now();
    logger.debug('inserting batch', { table, rows, bytes: body.length });
    // The same token on every retry: an attempt that reached the engine but
    // failed to answer is not stored twice.
    const send = (b: Buffer) => this.#o.store().insertRaw(table, 'JSONEachRow', b, { dedupToken: token, settings: INSERT_SETTINGS });
    let sent = rows;
    try {
      await retry(
        async () => {
          if (!guarded || !this.#guard) return send(body);
          sent = await this.#attemptGuarded(this.#guard, guarded, send);
        },
        {
          baseMs: this.#o.insertRetryBaseMs ?? 200,
          maxMs: this.#o.insertRetryMaxMs,
          signal: this.#abort.signal,
          isRetriable: (e) => !isDataError(e),
          onRetry: (e, attempt, delay) => {
            metrics.insertFailures.inc({ table });
            this.#failingSince ??= Date.now();
            this.#lastError = describeError(e).slice(0, 300);
            logger.warn('insert failed, retrying', { table, rows, attempt, retry_in_ms: delay, error: this.#lastError, code: 'DW_INGEST_INSERT_FAILED' });
          },
        },
      );
    } catch (e) {
      if (!isDataError(e) || this.#abort.signal.aborted) throw e;
      metrics.insertFailures.inc({ table });
      logger.error('ClickHouse refused a batch, isolating the rows it refuses', { table, rows, error: describeError(e).slice(0, 300), code: 'DW_INGEST_STORE_REJECTED' });
      return this.#bisect(table, body, token, e, guarded?.refs);
    }
    if (this.#failingSince !== null) logger.info('inserts succeed again', { table, failed_for_ms: Date.now() - this.#failingSince });
    this.#failingSince = null;
    const seconds = (performance.now() - t0) / 1000;
    logger.debug('batch stored', { table, rows, bytes: body.length, ms: Math.round(seconds * 1000) });
    metrics.insertDuration.observe({ table }, seconds);
    metrics.batchRows.observe({ table }, rows);
    metrics.batchBytes.observe({ table }, body.length);
    return sent;
  }

  /** One attempt under the guard: announce, send the rows of partitions still owned, report the outcome. */
  async #attemptGuarded(guard: KafkaInsertGuard, guarded: GuardedRows, send: (b: Buffer) => Promise<void>): Promise<number> {
    const ticket = await guard.begin(guarded.refs);
    const { body, rows } = guarded.select(ticket.owned);
    if (rows === 0) {
      await ticket.settle('failed');
      return 0;
    }
    // Closing the announcement does not hold up the next insert (it logs its own failures).
    try {
      await send(body);
    } catch (e) {
      // An answer from the server (an exception with its code) means nothing was stored.
      void ticket.settle(/\bCode: \d+/.test(describeError(e)) ? 'failed' : 'unknown');
      throw e;
    }
    void ticket.settle('stored');
    return rows;
  }

  async #bisect(table: TableName, body: Buffer, token: string, error: unknown, refs?: KafkaPartitionRef[]): Promise<number> {
    const lines = body.toString('utf8').split('\n').filter((l) => l.length > 0);
    if (lines.length <= 1) {
      const line = lines[0] ?? '';
      await this.#rejectedListener?.(table, line, error).catch((e: unknown) => this.#o.logger.error('could not report a refused row', { error: describeError(e) }));
      if (!this.#rejectedListener) this.#o.logger.error('ClickHouse refused a row; dropped', { table, row: line.slice(0, 300), code: 'DW_INGEST_STORE_REJECTED' });
      return 0;
    }
    const mid = lines.length >> 1;
    let sent = 0;
    for (const [i, half] of [lines.slice(0, mid), lines.slice(mid)].entries()) {
      sent += await this.#insert(table, Buffer.from(half.join('\n') + '\n'), half.length, `${token}-${i}`, refs ? guardedLines(refs, half) : undefined);
    }
    return sent;
  }
}

/** Kafka chunks of one insert, selectable by (partition, epoch). */
function guardedChunks(parts: readonly Chunk[]): GuardedRows {
  const refs = new Map<string, KafkaPartitionRef>();
  for (const c of parts) {
    const k = c.kafka;
    if (k) refs.set(partitionKey(k.topic, k.partition, k.epoch), { topic: k.topic, partition: k.partition, epoch: k.epoch });
  }
  return {
    refs: [...refs.values()],
    select(owned) {
      const kept = parts.filter((c) => c.kafka && owned.has(partitionKey(c.kafka.topic, c.kafka.partition, c.kafka.epoch)));
      const body = kept.length === parts.length && parts.length === 1 ? parts[0]!.body : Buffer.concat(kept.map((c) => c.body));
      return { body, rows: kept.reduce((n, c) => n + c.rows, 0) };
    },
  };
}

/** Lines of a bisected Kafka insert, selectable by partition (each line ends with its Kafka position). */
function guardedLines(refs: KafkaPartitionRef[], lines: string[]): GuardedRows {
  return {
    refs,
    select(owned) {
      const prefixes = refs.filter((r) => owned.has(partitionKey(r.topic, r.partition, r.epoch))).map((r) => kafkaTailPrefix(r.topic, r.partition));
      const kept = lines.filter((l) => prefixes.some((p) => l.includes(p)));
      return { body: Buffer.from(kept.length ? kept.join('\n') + '\n' : ''), rows: kept.length };
    },
  };
}
