// Ingest assembled from config: the buffer (always: HTTP ingest works without
// Kafka), the HTTP routes, and the Kafka consumer with its dead-letter topic
// when kafka.enabled. app.ts adds the returned components in this order; the
// daemon stops them in reverse (consumer first: it drains through the buffer).
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { Config } from '../config/schema.ts';
import type { Router } from '../core/http/router.ts';
import type { Component } from '../core/component.ts';
import type { Logger } from '../core/log/logger.ts';
import type { Store } from '../core/store/store.ts';
import { parseDuration } from '../core/util/duration.ts';
import { IngestBuffer } from './buffer.ts';
import { IngestConsumer } from './consumer.ts';
import { KafkaDeadLetters, type DeadLetterSink } from './dlq.ts';
import { addIngestRoutes } from './http.ts';
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
}

export interface Ingest {
  buffer: IngestBuffer;
  consumer: IngestConsumer | null;
  metrics: IngestMetrics;
  /** In start order. */
  components: Component[];
}

export function createIngest(config: Pick<Config, 'kafka' | 'ingest'>, deps: IngestDeps): Ingest {
  const ic = config.ingest;
  const metrics = createIngestMetrics(deps.registry);
  const buffer = new IngestBuffer({
    store: deps.store,
    logger: deps.logger.child({ component: 'ingest' }),
    metrics,
    batchRows: ic.batch_rows,
    batchBytes: ic.batch_bytes,
    flushIntervalMs: parseDuration(ic.flush_interval),
    maxBufferedRows: ic.max_buffered_rows,
    maxBufferedBytes: ic.max_buffered_bytes,
    insertRetryMaxMs: parseDuration(ic.insert_retry_max),
  });
  addIngestRoutes(deps.router, {
    buffer,
    metrics,
    limits: { maxFeatures: ic.max_features, maxStringLength: ic.max_string_length },
    maxBodyBytes: ic.max_http_body_bytes,
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
    });
  }
  return { buffer, consumer, metrics, components: consumer ? [buffer, consumer] : [buffer] };
}
