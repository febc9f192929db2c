-- Roles one instance at a time plays when several daemons share a ClickHouse
-- server (scheduler = detector schedules + alert evaluation + notifications,
-- outbox = action webhooks, metrics = store-derived totals). Every row is a
-- claim or renewal of a tenure numbered by `token` (the fencing token). The
-- tenure with the highest token is current; among competing claims of one
-- token the earliest by the server's clock wins, so every reader picks the
-- same owner. Times are the server's, never an instance's.
CREATE TABLE IF NOT EXISTS instance_leases
(
    role        LowCardinality(String),
    token       UInt64,
    holder      String,
    acquired_at DateTime64(9, 'UTC') DEFAULT now64(9),
    expires_at  DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (role, token, acquired_at)
TTL toDateTime(expires_at) + INTERVAL 1 DAY;
