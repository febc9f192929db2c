-- How many distinct labels arrived for each event. The labels table keeps
-- only the newest label per event once its parts merge, so duplicates can
-- only be counted here, at insert time. A label message is identified by
-- where it came from and what it said (topic, partition, offset, label, ts):
-- the same message inserted twice (a retried insert, a redelivery after a
-- crash) counts once, a second message for the event counts as a duplicate.
-- HTTP labels (offset -1) differ by label and ts only.
-- Quality reports (distinct arrivals - 1) per labelled event as duplicate labels.
CREATE TABLE IF NOT EXISTS label_arrivals
(
    model    LowCardinality(String),
    event_id String,
    ts       DateTime64(3, 'UTC'),
    arrivals AggregateFunction(uniqExact, String, Int32, Int64, String, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(ts)
ORDER BY (model, event_id);

CREATE MATERIALIZED VIEW IF NOT EXISTS label_arrivals_mv TO label_arrivals AS
SELECT model, event_id, label_ts AS ts, uniqExactState(kafka_topic, kafka_partition, kafka_offset, label, label_ts) AS arrivals
FROM (SELECT model, event_id, kafka_topic, kafka_partition, kafka_offset, label, ts AS label_ts FROM labels)
GROUP BY model, event_id, label_ts;
