// Ingest assembled from config: the local state of HTTP ingest (spool,
// event identities, Idempotency-Key answers under data_dir/ingest), the
// buffer (always: HTTP ingest works without Kafka), the HTTP routes, and the
// Kafka consumer with its dead-letter topic when kafka.enabled. app.ts adds
// the returned components in this order; the daemon stops them in reverse
// (consumer first: it drains through the buffer, whose last inserts still
// journal their identities).
import { join } from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Router } from '../core/http/router.ts';
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { DEFAULT_ARROW_LIMITS } from './arrow-ipc.ts';
import { IngestBuffer } from './buffer.ts';
import { defaultHolder } from '../instances/lease-role.ts';
import { IngestConsumer } from './consumer.ts';
import { KafkaDeadLetters, type DeadLetterSink } from './dlq.ts';
import { addIngestRoutes } from './http.ts';
import { HttpIngestState } from './http-ingest.ts';
import { createIngestMetrics, type IngestMetrics } from './metrics.ts';

export interface IngestDeps {
  store: () => Store;
  registry: Registry;
  router: Router;
  logger: Logger;
  /** Required when kafka.enabled. */
  kafka?: Kafka;
  /** Tests swap the dead-letter sink. */
  deadLetters?: DeadLetterSink;
  /** Where HTTP ingest keeps its local state (default data_dir/ingest). */
  stateDir?: string;
}

export interface Ingest {
  buffer: IngestBuffer;
  http: HttpIngestState;
  consumer: IngestConsumer | null;
  metrics: IngestMetrics;
  /** In start order. */
  components: Component[];
}

export function createIngest(config: Pick<Config, 'kafka' | 'ingest' | 'data_dir' | 'clickhouse' | 'instances'>, deps: IngestDeps): Ingest {
  const ic = config.ingest;
  const metrics = createIngestMetrics(deps.registry);
  const logger = deps.logger.child({ component: 'ingest' });
  // The state comes first (its identities are the buffer's dedup), the buffer second.
  const http = new HttpIngestState({
    dir: deps.stateDir ?? join(config.data_dir, 'ingest'),
    buffer: (): IngestBuffer => buffer,
    store: deps.store,
    metrics,
    logger,
    dedupHorizonMs: parseDuration(ic.http_dedup_horizon),
    dedupMaxKeys: ic.http_dedup_max_keys,
    idempotencyHorizonMs: parseDuration(ic.http_idempotency_horizon),
    idempotencyMaxKeys: ic.http_idempotency_max_keys,
    spoolMaxBytes: ic.spool_max_bytes,
  });
  const buffer: IngestBuffer = new IngestBuffer({
    store: deps.store,
    logger: deps.logger.child({ component: 'ingest' }),
    metrics,
    batchRows: ic.batch_rows,
    batchBytes: ic.batch_bytes,
    flushIntervalMs: parseDuration(ic.flush_interval),
    maxBufferedRows: ic.max_buffered_rows,
    maxBufferedBytes: ic.max_buffered_bytes,
    insertRetryMaxMs: parseDuration(ic.insert_retry_max),
    dedup: http.dedup,
  });
  addIngestRoutes(deps.router, {
    buffer,
    metrics,
    logger,
    limits: {
      encode: { maxFeatures: ic.max_features, maxStringLength: ic.max_string_length },
      maxBodyBytes: ic.max_http_body_bytes,
      maxEvents: ic.max_http_events,
      maxEventBytes: ic.max_message_bytes,
      // Half the buffer: one request cannot fill it alone.
      maxEncodedBytes: Math.floor(ic.max_buffered_bytes / 2),
      decode: { maxEvents: ic.max_http_events, maxFeatures: ic.max_features, arrow: DEFAULT_ARROW_LIMITS },
    },
    withKeys: http.dedup.enabled,
    retentionMs: config.clickhouse.ttl_days * 86_400_000,
    spoolAfterMs: parseDuration(ic.http_spool_after),
    spool: http.spool,
    idempotency: http.idempotency,
  });
  let consumer: IngestConsumer | null = null;
  if (config.kafka.enabled) {
    if (!deps.kafka) throw new TypeError('createIngest: kafka.enabled needs a Kafka client');
    const logger = deps.logger.child({ component: 'kafka' });
    consumer = new IngestConsumer({
      kafka: deps.kafka,
      kafkaConfig: config.kafka,
      ingestConfig: ic,
      buffer,
      store: deps.store,
      deadLetters:
        deps.deadLetters ??
        new KafkaDeadLetters(deps.kafka, config.kafka.topics.dead_letter, logger, metrics, parseDuration(config.kafka.connect_retry_max), config.kafka.dead_letter_compression),
      metrics,
      logger,
      shared: config.clickhouse.url !== undefined ? { holder: config.instances.name ?? defaultHolder() } : undefined,
    });
  }
  return { buffer, http, consumer, metrics, components: consumer ? [http, buffer, consumer] : [http, buffer] };
}
