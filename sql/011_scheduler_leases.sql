-- Leases that keep a schedule on one instance when several daemons share a
-- ClickHouse server. The holder with the newest unexpired lease of a job
-- runs it; the others skip that tick.
CREATE TABLE IF NOT EXISTS scheduler_leases
(
    job         LowCardinality(String),
    holder      String,
    acquired_at DateTime64(3, 'UTC'),
    expires_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (job, acquired_at)
TTL toDateTime(expires_at) + INTERVAL 1 DAY;
