-- When each model version was first and last seen (event time), kept beyond
-- the raw tables' TTL so a version's age stays right after its first
-- predictions expired. Filled by a materialized view on every insert into
-- predictions; min and max are idempotent, so a block counted twice (a
-- retried insert, this file's backfill racing live ingest) changes nothing.
CREATE TABLE IF NOT EXISTS version_lifetimes
(
    model         LowCardinality(String),
    model_version LowCardinality(String),
    first_seen    SimpleAggregateFunction(min, DateTime64(3, 'UTC')),
    last_seen     SimpleAggregateFunction(max, DateTime64(3, 'UTC'))
)
ENGINE = AggregatingMergeTree
ORDER BY (model, model_version);

CREATE MATERIALIZED VIEW IF NOT EXISTS version_lifetimes_mv TO version_lifetimes AS
SELECT model, model_version, min(ts) AS first_seen, max(ts) AS last_seen
FROM predictions
GROUP BY model, model_version;

-- Versions that predate this migration.
INSERT INTO version_lifetimes
SELECT model, model_version, min(ts) AS first_seen, max(ts) AS last_seen
FROM predictions
GROUP BY model, model_version;
