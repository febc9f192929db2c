-- Inserts of Kafka rows in flight, when several daemons share a ClickHouse
-- server (src/ingest/insert-intents.ts). Before an insert attempt a member
-- writes one `open` row per partition the attempt holds, and a `closed` row
-- once the attempt's outcome is known; while it runs, `open` is renewed with
-- a later expires_at. A member newly assigned a partition waits until no
-- attempt of that partition is open and unexpired before it asks the store
-- which positions are already there (the resume fence), so an insert still
-- in flight on the previous owner lands before the new owner reads.
CREATE TABLE IF NOT EXISTS ingest_intents
(
    insert_id  String,
    holder     String,
    topic      String,
    partition  Int32,
    state      Enum8('open' = 1, 'closed' = 2),
    at         DateTime64(9, 'UTC') DEFAULT now64(9),
    expires_at DateTime64(3, 'UTC')
)
ENGINE = MergeTree
ORDER BY (topic, partition, insert_id)
TTL toDateTime(at) + INTERVAL 1 DAY;
