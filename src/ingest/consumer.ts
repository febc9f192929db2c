// The Kafka side of ingest: one consumer group on the predictions and labels
// topics. Each fetched batch is decoded and validated into JSONEachRow lines
// and handed to the buffer; bad messages go to the dead-letter topic first.
// Offsets are committed only after the buffer reports their rows stored
// (autoCommit off), and on every (re)assignment the resume fence skips rows
// that were stored but not committed. See fence.ts for the exactly-once
// argument and README "Ingestion" for the user-facing version.
//
// Rebalances: kafkajs restarts a (re)joined member from the committed offsets,
// so on every group join the pending, not yet inserting, Kafka rows are
// dropped (they come again) and stored-but-uncommitted ones are fenced. Chunks
// carry the assignment epoch they were read in, and only chunks of the current
// epoch are committed: a commit must never move a partition this member no
// longer owns.
//
// Record batches the client cannot decode (unknown codec, failed CRC, corrupt
// or oversized compressed data) arrive as poison markers (src/kafka/
// record-batch.ts): each becomes one dead letter naming the batch's offsets,
// and the partition goes on past it. A consumer that dies anyway is
// recreated with exponential backoff (src/kafka/restart-backoff.ts), and
// /readyz says why and when the next attempt is.
import { isUtf8 } from 'node:buffer';
import type { Consumer, EachBatchPayload, IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import type { Config } from '../config/schema.ts';
import { describeError } from '../core/errors.ts';
import type { Component, Readiness } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { retry, sleep } from '../core/util/backoff.ts';
import { parseDuration } from '../core/util/duration.ts';
import { configureCodecLimits } from '../kafka/codecs/index.ts';
import { poisonInfo, POISON_HEADER, type PoisonInfo } from '../kafka/record-batch.ts';
import { RestartBackoff } from '../kafka/restart-backoff.ts';
import type { Chunk, IngestBuffer } from './buffer.ts';
import { ChunkWriter, objectBounds } from './chunk-writer.ts';
import { decodePayload } from './decode.ts';
import type { DeadLetter, DeadLetterSink } from './dlq.ts';
import { encoderFor, kafkaTail, kafkaTailPrefix, passthroughSuffix, type EncodeLimits, type TableName } from './encode.ts';
import { ResumeFence } from './fence.ts';
import { GroupMembership } from './group-membership.ts';
import { InsertIntents } from './insert-intents.ts';
import { KafkaOwnershipGuard } from './kafka-insert-guard.ts';
import type { IngestMetrics } from './metrics.ts';
import { isRejection, reject } from './reasons.ts';

export interface ConsumerOptions {
  kafka: Kafka;
  kafkaConfig: Config['kafka'];
  ingestConfig: Config['ingest'];
  buffer: IngestBuffer;
  store: () => Store;
  deadLetters: DeadLetterSink;
  metrics: IngestMetrics;
  logger: Logger;
  /**
   * Several daemons share the store (a ClickHouse server): announce every
   * insert of Kafka rows and wait for the previous owner's before fencing a
   * new partition (insert-intents.ts). `holder` names this instance.
   */
  shared?: { holder: string };
}

type State = 'idle' | 'connecting' | 'joined' | 'restarting' | 'stopping' | 'stopped';

interface PartitionState {
  epoch: number;
  fence: ResumeFence | null;
  tailPrefix: string;
}

function headerText(headers: IHeaders | undefined, name: string): string | undefined {
  const v = headers?.[name];
  if (v === undefined) return undefined;
  const first = Array.isArray(v) ? v[0] : v;
  return first === undefined ? undefined : first.toString();
}

export class IngestConsumer implements Component {
  readonly name = 'kafka';
  readonly #o: ConsumerOptions;
  readonly #limits: EncodeLimits;
  readonly #tableOf: Map<string, TableName>;
  #consumer: Consumer | null = null;
  #state: State = 'idle';
  #lastError = '';
  #epoch = 0;
  #partitions = new Map<string, PartitionState>();
  #assignedCount = 0;
  #paused = false;
  #inflight = 0;
  #idleWaiters: Array<() => void> = [];
  #commits: Promise<void> = Promise.resolve();
  #supervisor: Promise<void> | null = null;
  readonly #stopAbort = new AbortController();
  readonly #backoff: RestartBackoff;
  readonly #membership: GroupMembership;
  #intents: InsertIntents | null = null;

  constructor(opts: ConsumerOptions) {
    this.#o = opts;
    this.#limits = { maxFeatures: opts.ingestConfig.max_features, maxStringLength: opts.ingestConfig.max_string_length };
    // The codecs' decompression cap follows the ingest limits (process-wide).
    configureCodecLimits({ maxRecordBytes: opts.ingestConfig.max_message_bytes, maxBatchBytes: opts.ingestConfig.max_buffered_bytes });
    const kc = opts.kafkaConfig;
    this.#backoff = new RestartBackoff({
      initialMs: parseDuration(kc.restart_backoff_initial),
      maxMs: parseDuration(kc.restart_backoff_max),
      healthyAfterMs: parseDuration(kc.restart_healthy_after),
    });
    this.#membership = new GroupMembership(Math.min(parseDuration(kc.session_timeout), parseDuration(kc.rebalance_timeout)) / 2);
    const t = opts.kafkaConfig.topics;
    this.#tableOf = new Map<string, TableName>([
      [t.predictions, 'predictions'],
      [t.labels, 'labels'],
    ]);
  }

  get state(): State {
    return this.#state;
  }

  get paused(): boolean {
    return this.#paused;
  }

  async start(): Promise<void> {
    const { buffer } = this.#o;
    buffer.onStored((chunks) => this.#commitStored(chunks));
    buffer.onSpace(() => this.#resume());
    buffer.onRejectedRow((table, line, error) => this.#deadLetterRefusedRow(table, line, error));
    if (this.#o.shared) {
      // An announcement outlives a dead member by at most a session timeout:
      // no longer than the group takes to notice the death anyway.
      this.#intents = new InsertIntents(this.#o.store, this.#o.shared.holder, parseDuration(this.#o.kafkaConfig.session_timeout), this.#o.logger);
      buffer.guardKafkaInserts(new KafkaOwnershipGuard(this.#intents, this.#membership, this.#o.logger, this.#stopAbort.signal));
    }
    // Kafka being away must not hold up the daemon: the HTTP ingest path and
    // /readyz work meanwhile, and the supervisor keeps trying.
    this.#supervisor = this.#supervise();
  }

  readiness(): Readiness {
    switch (this.#state) {
      case 'joined':
        return {
          ready: true,
          reason: `member of group ${this.#o.kafkaConfig.group_id}, ${this.#assignedCount} partition(s) assigned${this.#paused ? ', paused (buffer full)' : ''}`,
        };
      case 'connecting':
        return { ready: false, reason: `joining group ${this.#o.kafkaConfig.group_id} on ${this.#o.kafkaConfig.brokers.join(',')}${this.#lastError ? `: ${this.#lastError}` : ''}` };
      case 'restarting': {
        const at = this.#backoff.nextAt;
        const when = at === null ? 'now' : `in ${(Math.max(0, at - Date.now()) / 1000).toFixed(1)}s`;
        return { ready: false, reason: `consumer on ${this.#o.kafkaConfig.brokers.join(',')} failed ${this.#backoff.failures} time(s) in a row, next attempt ${when}; last error: ${this.#lastError}` };
      }
      default:
        return { ready: false, reason: `${this.#state} (group ${this.#o.kafkaConfig.group_id} on ${this.#o.kafkaConfig.brokers.join(',')})` };
    }
  }

  async stop(deadline: AbortSignal): Promise<void> {
    if (this.#state === 'stopped' || this.#state === 'stopping') return;
    this.#state = 'stopping';
    this.#stopAbort.abort(new Error('stopping'));
    const consumer = this.#consumer;
    const untilDeadline = new Promise<void>((resolve) => {
      if (deadline.aborted) resolve();
      deadline.addEventListener('abort', () => resolve(), { once: true });
    });
    if (consumer) {
      // Stop fetching, let the batches being decoded finish, store what is
      // buffered and commit it while this member still owns its partitions.
      this.#pauseAll(consumer, 'stopping');
      await Promise.race([this.#whenIdle(), untilDeadline]);
      await Promise.race([this.#o.buffer.drain(), untilDeadline]);
      await Promise.race([this.#commits, untilDeadline]);
      await consumer.disconnect().catch((e: unknown) => this.#o.logger.warn('consumer disconnect failed', { error: describeError(e) }));
    }
    await Promise.race([this.#supervisor ?? Promise.resolve(), untilDeadline]);
    await this.#o.deadLetters.stop();
    this.#consumer = null;
    this.#membership.unsettled();
    this.#membership.useHeartbeat(null);
    this.#state = 'stopped';
  }

  /** Create, connect, subscribe and run the consumer; recreate it with exponential backoff when it dies. */
  async #supervise(): Promise<void> {
    const { kafkaConfig: kc, logger } = this.#o;
    while (!this.#stopAbort.signal.aborted) {
      this.#state = 'connecting';
      let crashed: (e: Error) => void = () => undefined;
      const died = new Promise<Error>((resolve) => (crashed = resolve));
      try {
        const consumer = this.#create(crashed);
        this.#consumer = consumer;
        await consumer.connect();
        await consumer.subscribe({ topics: [kc.topics.predictions, kc.topics.labels], fromBeginning: kc.from_beginning });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: kc.partitions_consumed_concurrently,
          eachBatch: (p) => this.#eachBatch(p),
        });
        const e = await Promise.race([died, new Promise<null>((resolve) => this.#stopAbort.signal.addEventListener('abort', () => resolve(null), { once: true }))]);
        if (e === null) return;
        throw e;
      } catch (e) {
        if (this.#stopAbort.signal.aborted) return;
        this.#lastError = describeError(e).slice(0, 300);
        const delay = this.#backoff.failed();
        this.#state = 'restarting';
        logger.warn('Kafka consumer failed, recreating it', { attempt: this.#backoff.failures, retry_in_ms: delay, error: this.#lastError, code: 'DW_INGEST_CONSUMER_FAILED' });
        const old = this.#consumer;
        this.#consumer = null;
        this.#membership.unsettled();
        this.#membership.useHeartbeat(null);
        this.#paused = false;
        this.#o.metrics.paused.set(0);
        await old?.disconnect().catch(() => undefined);
        // Rows read by the dead consumer come again from the committed offsets.
        this.#o.buffer.discard((c) => c.source === 'kafka');
        this.#partitions.clear();
        await sleep(delay, this.#stopAbort.signal).catch(() => undefined);
      }
    }
  }

  #create(crashed: (e: Error) => void): Consumer {
    const { kafka, kafkaConfig: kc, logger } = this.#o;
    const consumer = kafka.consumer({
      groupId: kc.group_id,
      sessionTimeout: parseDuration(kc.session_timeout),
      rebalanceTimeout: parseDuration(kc.rebalance_timeout),
      heartbeatInterval: parseDuration(kc.heartbeat_interval),
      maxBytes: kc.fetch_max_bytes,
      maxBytesPerPartition: kc.fetch_max_bytes_per_partition,
      maxWaitTimeInMs: parseDuration(kc.fetch_max_wait),
      allowAutoTopicCreation: false,
      // kafkajs retries requests itself (broker restart, leader moves); once
      // it gives up, the consumer crashes into the supervisor, the one place
      // that restarts it (kafkajs's own restart waits a fixed 300 ms, forever).
      retry: { retries: 10, maxRetryTime: parseDuration(kc.connect_retry_max), restartOnFailure: async () => false },
    });
    consumer.on(consumer.events.GROUP_JOIN, (e) => this.#onGroupJoin(consumer, e.payload.memberAssignment, e.payload.duration));
    consumer.on(consumer.events.HEARTBEAT, () => this.#membership.heartbeatSucceeded());
    consumer.on(consumer.events.CRASH, (e) => {
      this.#membership.unsettled();
      this.#lastError = describeError(e.payload.error).slice(0, 300);
      crashed(e.payload.error);
    });
    // A fetch whose records were all filtered out (aborted transactions, the
    // commit and abort markers) never reaches eachBatch: commit past it anyway,
    // so the group's offset (and lag) reaches the end of a transactional topic.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      if (e.payload.batchSize === 0) this.#passFiltered(e.payload.topic, e.payload.partition, e.payload.lastOffset);
    });
    consumer.on(consumer.events.REBALANCING, () => {
      this.#membership.unsettled();
      logger.info('consumer group rebalancing', { group: kc.group_id });
    });
    return consumer;
  }

  #onGroupJoin(consumer: Consumer, assignment: Record<string, number[]>, durationMs: number): void {
    const { buffer, logger, metrics } = this.#o;
    this.#epoch++;
    metrics.rebalances.inc();
    // The group restarts this member at the committed offsets: what is
    // buffered but not inserting is delivered again, so drop it now.
    const dropped = buffer.discard((c) => c.source === 'kafka');
    const next = new Map<string, PartitionState>();
    let count = 0;
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const p of partitions) {
        count++;
        next.set(`${topic}\u0000${p}`, { epoch: -1, fence: null, tailPrefix: kafkaTailPrefix(topic, p) });
      }
    }
    for (const key of this.#partitions.keys()) {
      if (!next.has(key)) {
        const [topic, partition] = key.split('\u0000');
        metrics.consumerLag.remove({ topic: topic ?? '', partition: partition ?? '' });
      }
    }
    this.#partitions = next;
    this.#membership.joined(this.#epoch);
    this.#assignedCount = count;
    this.#state = 'joined';
    this.#lastError = '';
    this.#backoff.healthy();
    if (this.#paused) this.#pauseAll(consumer);
    logger.info('joined consumer group', { group: this.#o.kafkaConfig.group_id, epoch: this.#epoch, assignment, ms: durationMs, dropped_buffered_rows: dropped });
  }

  async #partitionState(topic: string, partition: number, table: TableName, firstOffset: number, heartbeat: () => Promise<void>): Promise<PartitionState> {
    const key = `${topic}\u0000${partition}`;
    let st = this.#partitions.get(key);
    if (!st) {
      st = { epoch: -1, fence: null, tailPrefix: kafkaTailPrefix(topic, partition) };
      this.#partitions.set(key, st);
    }
    if (st.epoch !== this.#epoch) {
      // Our own insert in flight may hold rows of this partition: let it land
      // before asking the store what is there.
      await this.#settled(heartbeat);
      // Another member's insert of this partition may still be in flight.
      if (this.#intents) {
        await this.#intents.waitClear(topic, partition, { signal: this.#stopAbort.signal, heartbeat, lookup: (fn) => this.#storeRetry(heartbeat, fn) });
      }
      st.fence = await this.#storeRetry(heartbeat, () => ResumeFence.open(this.#o.store, table, topic, partition, firstOffset, this.#o.logger));
      st.epoch = this.#epoch;
    }
    return st;
  }

  /**
   * Wait for the insert in flight, heartbeating: with several daemons that
   * insert may be held until the group confirms this membership, which needs
   * this batch to return when the group rebalances (the heartbeat throws then).
   */
  async #settled(heartbeat: () => Promise<void>): Promise<void> {
    const settled = this.#o.buffer.settled();
    let done = false;
    void settled.then(() => (done = true));
    while (!done) {
      await Promise.race([settled, sleep(200)]);
      if (!done) await heartbeat();
    }
  }

  /** A store lookup on the consume path: retried with capped backoff (the store may be away), heartbeating meanwhile. */
  #storeRetry<T>(heartbeat: () => Promise<void>, fn: () => Promise<T>): Promise<T> {
    return retry(fn, {
      baseMs: 200,
      maxMs: parseDuration(this.#o.ingestConfig.insert_retry_max),
      signal: this.#stopAbort.signal,
      onRetry: (e, attempt, delay) => {
        this.#o.logger.warn('store lookup for the resume fence failed, retrying', { attempt, retry_in_ms: delay, error: describeError(e).slice(0, 300), code: 'DW_INGEST_INSERT_FAILED' });
        void heartbeat().catch(() => undefined);
      },
    });
  }

  async #eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat } = payload;
    this.#membership.useHeartbeat(heartbeat);
    if (this.#state === 'stopping' || batch.messages.length === 0) return;
    const table = this.#tableOf.get(batch.topic);
    if (!table) return;
    this.#inflight++;
    try {
      await this.#processBatch(payload, table);
      resolveOffset(batch.lastOffset());
      this.#o.metrics.consumerLag.set({ topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.offsetLag())));
      if (this.#o.buffer.full && this.#consumer) this.#pauseAll(this.#consumer);
      await heartbeat();
    } finally {
      this.#inflight--;
      if (this.#inflight === 0) for (const w of this.#idleWaiters.splice(0)) w();
    }
  }

  async #processBatch({ batch, heartbeat }: EachBatchPayload, table: TableName): Promise<void> {
    const { buffer, metrics, ingestConfig } = this.#o;
    const { topic, partition } = batch;
    const epoch = this.#epoch;
    const messages = batch.messages;
    const st = await this.#partitionState(topic, partition, table, Number(messages[0]!.offset), heartbeat);
    const encode = encoderFor(table);
    const limits = this.#limits;
    const maxBytes = ingestConfig.max_message_bytes;
    let estimate = 0;
    for (const m of messages) estimate += (m.value?.length ?? 0) + 192;
    const out = new ChunkWriter(estimate);
    const letters: DeadLetter[] = [];
    const poison = this.#poisonBatches(topic, partition, messages, letters);
    let events = 0;
    let skipped = 0;
    for (const m of messages) {
      if (poison !== null && poison.has(m.offset)) continue;
      const offset = Number(m.offset);
      let fence = st.fence;
      if (fence) {
        if (fence.covers(offset)) {
          const f = fence;
          await this.#storeRetry(heartbeat, () => f.ensure(offset));
        }
        else {
          this.#o.logger.info('passed the resume fence', { topic, partition, skipped_rows: fence.skipped });
          st.fence = fence = null;
        }
      }
      const value = m.value;
      if (value === null || value.length === 0) {
        events++;
        letters.push(this.#letter(topic, partition, m, reject('empty', 'empty message (no value)')));
        continue;
      }
      if (value.length > maxBytes) {
        events++;
        letters.push(this.#letter(topic, partition, m, reject('oversize', `message of ${value.length} bytes exceeds ingest.max_message_bytes (${maxBytes})`)));
        continue;
      }
      const decoded = decodePayload(value, headerText(m.headers, 'content-type'), table);
      if (isRejection(decoded)) {
        events++;
        letters.push(this.#letter(topic, partition, m, decoded));
        continue;
      }
      const n = decoded.count;
      events += n;
      if (n === 1 && decoded.singleJsonObject && table === 'predictions') {
        if (fence?.isStored(offset, 0)) {
          skipped++;
          continue;
        }
        // The common case: one event per message, sent to the engine as it came.
        const ev = decoded.get(0);
        const bounds = objectBounds(value);
        if (bounds && (value.indexOf(0x0a, bounds.start) === -1 || value.indexOf(0x0a, bounds.start) >= bounds.end) && isUtf8(value)) {
          const suffix = passthroughSuffix(ev, value.subarray(bounds.start, bounds.end), limits, kafkaTail(st.tailPrefix, m.offset, 0));
          if (typeof suffix === 'string') {
            out.rawObject(value, bounds.start, bounds.end, suffix);
            continue;
          }
          if (suffix !== null) {
            letters.push(this.#letter(topic, partition, m, suffix));
            continue;
          }
        }
        const line = encode(ev, limits, kafkaTail(st.tailPrefix, m.offset, 0));
        if (typeof line === 'string') out.line(line);
        else letters.push(this.#letter(topic, partition, m, line));
        continue;
      }
      for (let i = 0; i < n; i++) {
        const ev = decoded.get(i);
        if (fence?.isStored(offset, i)) {
          skipped++;
          continue;
        }
        const line = isRejection(ev) ? ev : encode(ev, limits, kafkaTail(st.tailPrefix, m.offset, i));
        if (typeof line === 'string') out.line(line);
        else if (n === 1) letters.push(this.#letter(topic, partition, m, line));
        else letters.push(this.#letter(topic, partition, m, line, i, isRejection(ev) ? null : JSON.stringify(ev)));
      }
    }
    metrics.consumed.inc({ source: 'kafka', table }, events);
    if (skipped > 0) metrics.skippedStored.inc({ table }, skipped);
    if (letters.length > 0) {
      for (const d of letters) metrics.invalid.inc({ source: 'kafka', reason: d.rejection.reason });
      // Before the chunk exists: its commit must not pass a dead letter that was not written.
      await this.#o.deadLetters.send(letters, { signal: this.#stopAbort.signal, heartbeat });
    }
    if (epoch !== this.#epoch) return;
    const chunk: Chunk = {
      table,
      source: 'kafka',
      body: out.finish(),
      rows: out.rows,
      kafka: { topic, partition, nextOffset: String(Number(batch.lastOffset()) + 1), epoch },
    };
    buffer.append(chunk);
  }

  #passFiltered(topic: string, partition: number, lastOffset: string): void {
    const table = this.#tableOf.get(topic);
    if (!table || this.#state !== 'joined' || !/^\d+$/.test(lastOffset)) return;
    // A chunk without rows: stored (in order, after the partition's earlier
    // chunks) it only moves the commit.
    this.#o.buffer.append({ table, source: 'kafka', body: Buffer.alloc(0), rows: 0, kafka: { topic, partition, nextOffset: String(Number(lastOffset) + 1), epoch: this.#epoch } });
  }

  /**
   * The poison markers in a fetched batch: each undecodable record batch
   * becomes one dead letter (its offsets and why), and the offsets its marker
   * records sit at are returned so the loop skips them. Null when none.
   */
  #poisonBatches(topic: string, partition: number, messages: KafkaMessage[], letters: DeadLetter[]): Set<string> | null {
    let offsets: Set<string> | null = null;
    for (const m of messages) {
      if (m.headers?.[POISON_HEADER] === undefined) continue;
      const info = poisonInfo(m.headers);
      if (!info || offsets?.has(m.offset)) continue;
      (offsets ??= new Set()).add(m.offset);
      letters.push(this.#poisonLetter(topic, partition, m, info));
    }
    return offsets;
  }

  #poisonLetter(topic: string, partition: number, m: KafkaMessage, info: PoisonInfo): DeadLetter {
    const { metrics, logger } = this.#o;
    metrics.undecodableBatches.inc({ reason: info.cause, codec: info.codec.startsWith('unknown') ? 'unknown' : info.codec });
    const message = `${info.codec} record batch at offsets ${info.firstOffset}..${info.lastOffset} (${info.records} records) skipped: ${info.message}`;
    logger.warn('skipped an undecodable record batch', { topic, partition, first_offset: info.firstOffset, last_offset: info.lastOffset, cause: info.cause, codec: info.codec, error: info.message, code: 'DW_INGEST_UNDECODABLE_BATCH' });
    return {
      topic,
      partition,
      offset: info.firstOffset,
      batch: { lastOffset: info.lastOffset, records: info.records, codec: info.codec, cause: info.cause },
      key: null,
      value: m.value,
      originalTimestamp: m.timestamp,
      rejection: reject('undecodable_batch', message),
    };
  }

  #letter(topic: string, partition: number, m: KafkaMessage, rejection: ReturnType<typeof reject>, index?: number, value?: string | null): DeadLetter {
    return {
      topic,
      partition,
      offset: m.offset,
      index,
      key: m.key,
      value: value === undefined ? m.value : value,
      originalHeaders: m.headers,
      originalTimestamp: m.timestamp,
      rejection,
    };
  }

  async #deadLetterRefusedRow(table: TableName, line: string, error: unknown): Promise<void> {
    let row: Record<string, unknown> = {};
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      // keep the defaults
    }
    this.#o.metrics.invalid.inc({ source: String(row.source ?? 'kafka'), reason: 'store_rejected' });
    if (row.source !== 'kafka') {
      this.#o.logger.error('ClickHouse refused a row; dropped', { table, row: line.slice(0, 300), error: describeError(error).slice(0, 300), code: 'DW_INGEST_STORE_REJECTED' });
      return;
    }
    await this.#o.deadLetters.send([
      {
        topic: String(row.kafka_topic),
        partition: Number(row.kafka_partition),
        offset: String(row.kafka_offset),
        index: Number(row.kafka_index ?? 0),
        key: null,
        value: line,
        rejection: reject('store_rejected', describeError(error).slice(0, 500)),
      },
    ]);
  }

  #commitStored(chunks: readonly Chunk[]): void {
    const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
    for (const c of chunks) {
      const k = c.kafka;
      // Only positions read in the current assignment: after a rebalance the
      // partition may belong to another member, and a commit would move it.
      if (!k || k.epoch !== this.#epoch) continue;
      offsets.set(`${k.topic}\u0000${k.partition}`, { topic: k.topic, partition: k.partition, offset: k.nextOffset });
    }
    if (offsets.size === 0) return;
    const list = [...offsets.values()];
    const consumer = this.#consumer;
    this.#commits = this.#commits.then(async () => {
      if (!consumer || consumer !== this.#consumer) return;
      try {
        await consumer.commitOffsets(list);
        this.#o.metrics.commits.inc({ outcome: 'ok' });
      } catch (e) {
        this.#o.metrics.commits.inc({ outcome: 'failed' });
        this.#o.logger.warn('offset commit failed; the stored rows are skipped when Kafka delivers them again', { error: describeError(e), code: 'DW_INGEST_COMMIT_FAILED' });
      }
    });
  }

  #topics(): Array<{ topic: string }> {
    const t = this.#o.kafkaConfig.topics;
    return [{ topic: t.predictions }, { topic: t.labels }];
  }

  /** Pause both topics: 'full' until the buffer drains (resume), 'stopping' for good. */
  #pauseAll(consumer: Consumer, why: 'full' | 'stopping' = 'full'): void {
    consumer.pause(this.#topics());
    if (why === 'stopping' || this.#paused) return;
    this.#paused = true;
    this.#o.metrics.paused.set(1);
    this.#o.logger.warn('ingest buffer full, pausing Kafka intake', { buffered_rows: this.#o.buffer.bufferedRows, buffered_bytes: this.#o.buffer.bufferedBytes, code: 'DW_INGEST_BUFFER_FULL' });
  }

  #resume(): void {
    if (!this.#paused || this.#state === 'stopping') return;
    this.#paused = false;
    this.#o.metrics.paused.set(0);
    this.#consumer?.resume(this.#topics());
    this.#o.logger.info('ingest buffer drained, resuming Kafka intake', { buffered_rows: this.#o.buffer.bufferedRows });
  }

  #whenIdle(): Promise<void> {
    if (this.#inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }
}
