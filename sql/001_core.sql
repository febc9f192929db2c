-- Core tables: raw predictions and labels, and the long (feature, value)
-- layout the detectors scan. Migrations 001-009: foundation and ingest,
-- 010-019: detectors, 020-029: alerts, 030-039: quality and operations.

-- One row per prediction event. The features object is kept verbatim as JSON
-- for retro analysis; the materialized view below explodes it into
-- feature_values, so ingest sends one row per event and the engine does the
-- fan-out. kafka_partition/kafka_offset let ingest resume exactly after a
-- crash (-1 for events that came over HTTP).
CREATE TABLE IF NOT EXISTS predictions
(
    event_id        String,
    ts              DateTime64(3, 'UTC'),
    model           LowCardinality(String),
    model_version   LowCardinality(String),
    prediction      String,
    prediction_num  Nullable(Float64),
    confidence      Nullable(Float64),
    probabilities   Map(LowCardinality(String), Float64),
    latency_ms      Nullable(Float64),
    error           LowCardinality(String),
    tags            Map(LowCardinality(String), String),
    features        String CODEC(ZSTD(3)),
    source          LowCardinality(String),
    kafka_topic     LowCardinality(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (model, model_version, ts, event_id)
SETTINGS non_replicated_deduplication_window = 1000;

-- Long layout: one row per (event, feature), ordered for the detectors'
-- access path so a per-feature window scan reads one contiguous range.
-- kind tells numbers, strings and booleans apart; missing values are rows of
-- kind 'missing' (JSON null). A feature absent from an event has no row.
CREATE TABLE IF NOT EXISTS feature_values
(
    model         LowCardinality(String),
    model_version LowCardinality(String),
    feature       LowCardinality(String),
    ts            DateTime64(3, 'UTC'),
    kind          Enum8('missing' = 0, 'number' = 1, 'string' = 2, 'bool' = 3),
    value_num     Float64 CODEC(Gorilla, ZSTD(1)),
    value_str     LowCardinality(String),
    event_id      String CODEC(ZSTD(1))
)
ENGINE = MergeTree
PARTITION BY toYYYYMMDD(ts)
ORDER BY (model, model_version, feature, ts);

CREATE MATERIALIZED VIEW IF NOT EXISTS feature_values_mv TO feature_values AS
SELECT
    model,
    model_version,
    kv.1 AS feature,
    ts,
    CAST(multiIf(kv.2 = 'null', 'missing', startsWith(kv.2, '"'), 'string', kv.2 IN ('true', 'false'), 'bool', 'number'),
         'Enum8(\'missing\' = 0, \'number\' = 1, \'string\' = 2, \'bool\' = 3)') AS kind,
    if(kind = 'number', toFloat64OrZero(kv.2), 0) AS value_num,
    multiIf(kind = 'string', JSONExtractString(kv.2), kind = 'bool', kv.2, '') AS value_str,
    event_id
FROM predictions
ARRAY JOIN JSONExtractKeysAndValuesRaw(features) AS kv;

-- Ground truth, possibly days late. The newest label for an event wins
-- (ReplacingMergeTree on ingested_at; read with FINAL or argMax).
CREATE TABLE IF NOT EXISTS labels
(
    event_id        String,
    model           LowCardinality(String),
    label           String,
    label_num       Nullable(Float64),
    ts              DateTime64(3, 'UTC'),
    source          LowCardinality(String),
    kafka_topic     LowCardinality(String),
    kafka_partition Int32,
    kafka_offset    Int64,
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(ingested_at)
PARTITION BY toYYYYMM(ts)
ORDER BY (model, event_id)
SETTINGS non_replicated_deduplication_window = 1000;
