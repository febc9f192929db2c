-- Every score any detector computes (drift, operational, quality), one row
-- per (run, model, version, segment, feature, metric). feature is '' for
-- model-level metrics (volume, latency, error rate, accuracy, ...).
CREATE TABLE IF NOT EXISTS drift_scores
(
    run_id        String,
    run_at        DateTime64(3, 'UTC'),
    detector      LowCardinality(String),
    window_start  DateTime64(3, 'UTC'),
    window_end    DateTime64(3, 'UTC'),
    baseline      String,
    model         LowCardinality(String),
    model_version LowCardinality(String),
    segment       String DEFAULT '',
    feature       LowCardinality(String),
    metric        LowCardinality(String),
    value         Nullable(Float64),
    p_value       Nullable(Float64),
    threshold     Nullable(Float64),
    status        LowCardinality(String),
    n_ref         UInt64 DEFAULT 0,
    n_cur         UInt64 DEFAULT 0,
    details       String DEFAULT '' CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(run_at)
ORDER BY (model, model_version, feature, metric, run_at);

-- One row per detector run (scheduled, --once, or backfill): the scheduler's
-- memory for catch-up after downtime, and the API's run history.
CREATE TABLE IF NOT EXISTS detector_runs
(
    run_id       String,
    detector     LowCardinality(String),
    window_start DateTime64(3, 'UTC'),
    window_end   DateTime64(3, 'UTC'),
    trigger      LowCardinality(String),
    started_at   DateTime64(3, 'UTC'),
    finished_at  DateTime64(3, 'UTC'),
    status       LowCardinality(String),
    error        String DEFAULT '',
    scores       UInt32 DEFAULT 0
)
ENGINE = ReplacingMergeTree(finished_at)
PARTITION BY toYYYYMM(window_end)
ORDER BY (detector, window_end, run_id);
