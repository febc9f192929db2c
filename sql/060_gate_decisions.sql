-- Rollout gate (migrations 060-069). Every verdict the gate gives, whoever
-- asked (GET /v1/gate, POST /v1/gate/flagger, `driftwatch gate`), with the
-- checks behind it as JSON, so a rollout's history can be read back with SQL.
CREATE TABLE IF NOT EXISTS gate_decisions
(
    decision_id         String,
    decided_at          DateTime64(3, 'UTC'),
    model               LowCardinality(String),
    candidate           LowCardinality(String),
    baseline            LowCardinality(String),
    policy              LowCardinality(String),
    verdict             LowCardinality(String),
    statistical_verdict LowCardinality(String),
    timed_out           UInt8,
    rollout_start       Nullable(DateTime64(3, 'UTC')),
    window_end          DateTime64(3, 'UTC'),
    elapsed_seconds     Float64,
    n_baseline          UInt64,
    n_candidate         UInt64,
    failed_checks       Array(LowCardinality(String)),
    reasons             Array(String),
    checks              String CODEC(ZSTD(3)),
    evidence_url        String,
    source              LowCardinality(String),
    rollback_action     String DEFAULT '',
    rollback_outcome    LowCardinality(String) DEFAULT '',
    rollback_id         String DEFAULT ''
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(decided_at)
ORDER BY (model, candidate, decided_at);
