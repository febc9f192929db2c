// Ingest's Prometheus metrics, registered on the daemon's registry.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface IngestMetrics {
  consumed: Counter<'source' | 'table'>;
  stored: Counter<'source' | 'table'>;
  invalid: Counter<'source' | 'reason'>;
  deadLettered: Counter<'reason'>;
  undecodableBatches: Counter<'cause' | 'codec'>;
  skippedStored: Counter<'table'>;
  duplicates: Counter<'table'>;
  dedupEvicted: Counter;
  spooled: Counter<'table'>;
  spoolBytes: Gauge;
  idempotentReplays: Counter<'outcome'>;
  insertDuration: Histogram<'table'>;
  insertFailures: Counter<'table'>;
  batchRows: Histogram<'table'>;
  batchBytes: Histogram<'table'>;
  bufferedRows: Gauge;
  bufferedBytes: Gauge;
  paused: Gauge;
  consumerLag: Gauge<'topic' | 'partition'>;
  commits: Counter<'outcome'>;
  rebalances: Counter;
}

export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    consumed: new Counter({ name: 'driftwatch_ingest_events_consumed_total', help: 'Events read from Kafka or HTTP, valid or not.', labelNames: ['source', 'table'], registers }),
    stored: new Counter({ name: 'driftwatch_ingest_events_stored_total', help: 'Events inserted into ClickHouse.', labelNames: ['source', 'table'], registers }),
    invalid: new Counter({ name: 'driftwatch_ingest_events_invalid_total', help: 'Events or messages refused by validation, by source and reason.', labelNames: ['source', 'reason'], registers }),
    deadLettered: new Counter({ name: 'driftwatch_ingest_dead_lettered_total', help: 'Records written to the dead-letter topic, by reason.', labelNames: ['reason'], registers }),
    undecodableBatches: new Counter({
      name: 'driftwatch_ingest_undecodable_batches_total',
      help: 'Kafka record batches that could not be decoded and were skipped (and dead-lettered), by cause and codec.',
      labelNames: ['cause', 'codec'],
      registers,
    }),
    skippedStored: new Counter({
      name: 'driftwatch_ingest_redelivered_skipped_total',
      help: 'Events Kafka delivered again after an unclean stop that were already stored, and were skipped.',
      labelNames: ['table'],
      registers,
    }),
    duplicates: new Counter({
      name: 'driftwatch_ingest_http_duplicates_total',
      help: 'HTTP events not stored again because the same event was stored within ingest.http_dedup_horizon.',
      labelNames: ['table'],
      registers,
    }),
    dedupEvicted: new Counter({
      name: 'driftwatch_ingest_http_dedup_evicted_total',
      help: 'Event identities forgotten before ingest.http_dedup_horizon because more than http_dedup_max_keys were held.',
      registers,
    }),
    spooled: new Counter({ name: 'driftwatch_ingest_http_spooled_events_total', help: 'HTTP events written to the local spool and answered 202.', labelNames: ['table'], registers }),
    spoolBytes: new Gauge({ name: 'driftwatch_ingest_http_spool_bytes', help: 'Bytes of HTTP ingest spool entries on disk (answered 202, not yet stored).', registers }),
    idempotentReplays: new Counter({
      name: 'driftwatch_ingest_http_idempotency_total',
      help: 'Requests with an Idempotency-Key seen again: replayed (same body), mismatch (422) or in_progress (409).',
      labelNames: ['outcome'],
      registers,
    }),
    insertDuration: new Histogram({
      name: 'driftwatch_ingest_insert_duration_seconds',
      help: 'Duration of one successful batch insert into ClickHouse.',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    insertFailures: new Counter({ name: 'driftwatch_ingest_insert_failures_total', help: 'Failed batch insert attempts (each is retried).', labelNames: ['table'], registers }),
    batchRows: new Histogram({
      name: 'driftwatch_ingest_batch_rows',
      help: 'Rows per inserted batch.',
      labelNames: ['table'],
      buckets: [1, 10, 100, 1000, 5000, 10_000, 25_000, 50_000, 100_000, 250_000, 1_000_000],
      registers,
    }),
    batchBytes: new Histogram({
      name: 'driftwatch_ingest_batch_bytes',
      help: 'Bytes per inserted batch.',
      labelNames: ['table'],
      buckets: [1024, 16_384, 131_072, 1_048_576, 4_194_304, 16_777_216, 67_108_864, 268_435_456],
      registers,
    }),
    bufferedRows: new Gauge({ name: 'driftwatch_ingest_buffered_rows', help: 'Rows accepted but not yet stored (pending and in flight).', registers }),
    bufferedBytes: new Gauge({ name: 'driftwatch_ingest_buffered_bytes', help: 'Bytes accepted but not yet stored (pending and in flight).', registers }),
    paused: new Gauge({ name: 'driftwatch_ingest_paused', help: '1 while Kafka intake is paused because the buffer is full.', registers }),
    consumerLag: new Gauge({
      name: 'driftwatch_ingest_consumer_lag',
      help: 'Messages between the last one fetched and the end of the partition.',
      labelNames: ['topic', 'partition'],
      registers,
    }),
    commits: new Counter({ name: 'driftwatch_ingest_offset_commits_total', help: 'Kafka offset commits, by outcome.', labelNames: ['outcome'], registers }),
    rebalances: new Counter({ name: 'driftwatch_ingest_rebalances_total', help: 'Consumer group joins (start, rebalance, rejoin after a broker outage).', registers }),
  };
}
