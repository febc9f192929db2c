-- Ingest's resume fence (src/ingest/fence.ts). Every row carries its Kafka
-- position: topic, partition, offset and the index of the event within the
-- message (a message may hold a JSON array or an Arrow batch). After a crash
-- between an insert and its offset commit, ingest asks which positions of the
-- uncommitted range are already stored and skips exactly those. The
-- projection orders the positions so that question reads a few granules; it
-- lives inside each data part, so it is exactly as atomic as the rows.
ALTER TABLE predictions ADD COLUMN IF NOT EXISTS kafka_index UInt32 DEFAULT 0 AFTER kafka_offset;

ALTER TABLE predictions ADD PROJECTION IF NOT EXISTS by_kafka_position
(
    SELECT kafka_topic, kafka_partition, kafka_offset, kafka_index, ts, event_id
    ORDER BY kafka_topic, kafka_partition, kafka_offset
);

ALTER TABLE labels ADD COLUMN IF NOT EXISTS kafka_index UInt32 DEFAULT 0 AFTER kafka_offset;

-- Projections on a ReplacingMergeTree need a rule for merges that drop rows.
ALTER TABLE labels MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE labels ADD PROJECTION IF NOT EXISTS by_kafka_position
(
    SELECT kafka_topic, kafka_partition, kafka_offset, kafka_index, ts, event_id
    ORDER BY kafka_topic, kafka_partition, kafka_offset
);

-- A retried insert carries the same insert_deduplication_token; the view's
-- target needs its own window so a retried block is not doubled there.
ALTER TABLE feature_values MODIFY SETTING non_replicated_deduplication_window = 1000;
