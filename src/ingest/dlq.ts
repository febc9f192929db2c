// The dead-letter topic: messages (or single events of a multi-event message)
// that broke the event contract, and record batches that could not be
// decoded at all, with where they came from and why in the headers. The consumer waits for the broker's ack before it lets the
// original offset be committed, so a dead letter is written at least once.
import { Partitioners, type IHeaders, type Kafka, type Message, type Producer } from 'kafkajs';
import { compressionType, type Compression } from '../kafka/codecs/index.ts';
import { describeError } from '../core/errors.ts';
import type { Logger } from '../core/log/logger.ts';
import { retry } from '../core/util/backoff.ts';
import type { IngestMetrics } from './metrics.ts';
import { errorCodeOf, type Rejection } from './reasons.ts';

/** Header names on every dead letter (the README documents them). */
export const DLQ_HEADERS = {
  topic: 'dw-original-topic',
  partition: 'dw-original-partition',
  offset: 'dw-original-offset',
  index: 'dw-original-index',
  timestamp: 'dw-original-timestamp',
  code: 'dw-error-code',
  reason: 'dw-reason',
  message: 'dw-error-message',
  failedAt: 'dw-failed-at',
  /** Present ("true") when the value was cut to fit the dead-letter topic. */
  truncated: 'dw-value-truncated',
  /** Undecodable record batches: the batch's last offset (dw-original-offset is its first). */
  lastOffset: 'dw-original-last-offset',
  /** Undecodable record batches: how many records the batch header claims. */
  batchRecords: 'dw-batch-records',
  /** Undecodable record batches: the batch's codec (gzip, snappy, lz4, zstd, unknown(N)). */
  batchCodec: 'dw-batch-codec',
  /** Undecodable record batches: unknown_codec, checksum, corrupt or too_large. */
  batchCause: 'dw-batch-cause',
} as const;

const SEND_BYTES = 512 * 1024;
const TRUNCATED_BYTES = 64 * 1024;

function isTooLarge(e: unknown): boolean {
  return (e as { type?: unknown }).type === 'MESSAGE_TOO_LARGE' || /larger than the max message size/i.test(describeError(e));
}

function messageSize(m: Message): number {
  let n = 64 + (m.value?.length ?? 0) + (m.key?.length ?? 0);
  for (const [k, v] of Object.entries(m.headers ?? {})) n += k.length + (v === undefined ? 0 : Array.isArray(v) ? v.reduce((a, x) => a + x.length, 0) : v.length);
  return n;
}

export interface DeadLetter {
  topic: string;
  partition: number;
  offset: string;
  /** Index of the event within a multi-event message; absent when the whole message is refused. */
  index?: number;
  /** A whole record batch that could not be decoded; `offset` is its first offset, the value its stored (compressed) bytes. */
  batch?: { lastOffset: string; records: number; codec: string; cause: string };
  key: Buffer | string | null;
  value: Buffer | string | null;
  originalHeaders?: IHeaders;
  originalTimestamp?: string;
  rejection: Rejection;
}

export function deadLetterMessage(d: DeadLetter): Message {
  const headers: IHeaders = {};
  // Keep the producer's own headers (content-type, tracing) beside ours.
  for (const [k, v] of Object.entries(d.originalHeaders ?? {})) if (!k.startsWith('dw-') && v !== undefined) headers[k] = v;
  headers[DLQ_HEADERS.topic] = d.topic;
  headers[DLQ_HEADERS.partition] = String(d.partition);
  headers[DLQ_HEADERS.offset] = d.offset;
  if (d.index !== undefined) headers[DLQ_HEADERS.index] = String(d.index);
  if (d.batch) {
    headers[DLQ_HEADERS.lastOffset] = d.batch.lastOffset;
    headers[DLQ_HEADERS.batchRecords] = String(d.batch.records);
    headers[DLQ_HEADERS.batchCodec] = d.batch.codec;
    headers[DLQ_HEADERS.batchCause] = d.batch.cause;
  }
  if (d.originalTimestamp) headers[DLQ_HEADERS.timestamp] = d.originalTimestamp;
  headers[DLQ_HEADERS.code] = errorCodeOf(d.rejection.reason);
  headers[DLQ_HEADERS.reason] = d.rejection.reason;
  headers[DLQ_HEADERS.message] = d.rejection.message.slice(0, 1000);
  headers[DLQ_HEADERS.failedAt] = new Date().toISOString();
  return { key: d.key, value: d.value, headers };
}

export interface DeadLetterSink {
  send(letters: readonly DeadLetter[], opts?: { signal?: AbortSignal; heartbeat?: () => Promise<void> }): Promise<void>;
  stop(): Promise<void>;
}

export class KafkaDeadLetters implements DeadLetterSink {
  #producer: Producer | null = null;
  #connected = false;

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly logger: Logger,
    private readonly metrics: IngestMetrics,
    private readonly retryMaxMs: number,
    private readonly compression: Compression = 'none',
  ) {}

  async send(letters: readonly DeadLetter[], opts: { signal?: AbortSignal; heartbeat?: () => Promise<void> } = {}): Promise<void> {
    if (letters.length === 0) return;
    // One produce request is one record batch for the broker, which refuses
    // batches above its message.max.bytes: send in bounded groups.
    let group: Message[] = [];
    let bytes = 0;
    for (const d of letters) {
      const m = deadLetterMessage(d);
      const size = messageSize(m);
      if (group.length > 0 && bytes + size > SEND_BYTES) {
        await this.#sendGroup(group, opts);
        group = [];
        bytes = 0;
      }
      group.push(m);
      bytes += size;
    }
    await this.#sendGroup(group, opts);
    for (const d of letters) this.metrics.deadLettered.inc({ reason: d.rejection.reason });
  }

  async #sendGroup(messages: Message[], opts: { signal?: AbortSignal; heartbeat?: () => Promise<void> }): Promise<void> {
    try {
      await retry(
        async () => {
          this.#producer ??= this.kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner, retry: { retries: 3 } });
          if (!this.#connected) {
            await this.#producer.connect();
            this.#connected = true;
          }
          await this.#producer.send({ topic: this.topic, acks: -1, messages, compression: compressionType(this.compression) });
        },
        {
          baseMs: 200,
          maxMs: this.retryMaxMs,
          signal: opts.signal,
          isRetriable: (e) => !isTooLarge(e),
          onRetry: (e, attempt, delay) => {
            this.logger.warn('writing to the dead-letter topic failed, retrying', { topic: this.topic, records: messages.length, attempt, retry_in_ms: delay, error: describeError(e), code: 'DW_INGEST_DLQ_FAILED' });
            // Stay in the group while the broker is away.
            void opts.heartbeat?.().catch(() => undefined);
          },
        },
      );
    } catch (e) {
      if (!isTooLarge(e)) throw e;
      if (messages.length > 1) {
        const mid = messages.length >> 1;
        await this.#sendGroup(messages.slice(0, mid), opts);
        await this.#sendGroup(messages.slice(mid), opts);
        return;
      }
      // One record the topic will not take: keep its head, say so.
      const m = messages[0]!;
      const value = m.value === null || m.value === undefined ? null : Buffer.from(m.value).subarray(0, TRUNCATED_BYTES);
      this.logger.warn('dead letter too large for the topic, truncating its value', { topic: this.topic, code: 'DW_INGEST_DLQ_FAILED' });
      await this.#sendGroup([{ ...m, value, headers: { ...m.headers, [DLQ_HEADERS.truncated]: 'true' } }], opts);
    }
  }

  async stop(): Promise<void> {
    const p = this.#producer;
    this.#producer = null;
    this.#connected = false;
    await p?.disconnect().catch(() => undefined);
  }
}
