-- Alerting (migrations 020-029). Alert state, the history of its
-- transitions, silences, the notification log (what each receiver was last
-- told, so a restart neither forgets nor repeats a page), the outbox of
-- signed action webhooks and the per-version health record rollbacks read.
-- Mutable records are ReplacingMergeTree rows versioned by `version`: the
-- newest row per key wins (read with FINAL).

-- One row per change of an alert; identity = fingerprint of its labels.
CREATE TABLE IF NOT EXISTS alert_state
(
    fingerprint    String,
    rule           LowCardinality(String),
    labels         Map(String, String),
    annotations    Map(String, String),
    state          Enum8('inactive' = 0, 'pending' = 1, 'firing' = 2, 'resolved' = 3),
    severity       LowCardinality(String),
    value          Nullable(Float64),
    threshold      Nullable(Float64),
    breach_runs    UInt32,
    ok_runs        UInt32,
    active_at      Nullable(DateTime64(3, 'UTC')),
    fired_at       Nullable(DateTime64(3, 'UTC')),
    last_breach_at Nullable(DateTime64(3, 'UTC')),
    resolved_at    Nullable(DateTime64(3, 'UTC')),
    last_run_id    String,
    evidence       String CODEC(ZSTD(3)),
    updated_at     DateTime64(3, 'UTC'),
    version        UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY fingerprint;

-- Append-only history of transitions (inactive/pending/firing/resolved), for
-- retro analysis: which alerts fired when, at what value.
CREATE TABLE IF NOT EXISTS alert_events
(
    at          DateTime64(3, 'UTC'),
    run_id      String,
    fingerprint String,
    rule        LowCardinality(String),
    labels      Map(String, String),
    from_state  LowCardinality(String),
    to_state    LowCardinality(String),
    severity    LowCardinality(String),
    value       Nullable(Float64),
    threshold   Nullable(Float64)
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(at)
ORDER BY (rule, fingerprint, at);

CREATE TABLE IF NOT EXISTS alert_silences
(
    id         String,
    matchers   String,
    starts_at  DateTime64(3, 'UTC'),
    ends_at    DateTime64(3, 'UTC'),
    created_by String,
    comment    String,
    created_at DateTime64(3, 'UTC'),
    updated_at DateTime64(3, 'UTC'),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- What each integration of each receiver was last told about each group.
CREATE TABLE IF NOT EXISTS alert_notification_log
(
    receiver    String,
    integration String,
    group_key   String,
    firing      Array(String),
    resolved    Array(String),
    sent_at     DateTime64(3, 'UTC'),
    expires_at  DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(sent_at)
ORDER BY (receiver, integration, group_key)
TTL toDateTime(expires_at);

-- Signed action webhooks (retrain, rollback). id is the webhook-id and the
-- receiver's idempotency key; payload is the exact body that is signed.
CREATE TABLE IF NOT EXISTS alert_outbox
(
    id              String,
    action          LowCardinality(String),
    kind            LowCardinality(String),
    model           String,
    fingerprint     String,
    payload         String CODEC(ZSTD(3)),
    state           Enum8('pending' = 0, 'delivered' = 1, 'failed' = 2, 'expired' = 3, 'dry_run' = 4),
    attempts        UInt32,
    next_attempt_at DateTime64(3, 'UTC'),
    created_at      DateTime64(3, 'UTC'),
    updated_at      DateTime64(3, 'UTC'),
    last_status     UInt16,
    last_error      String,
    version         UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY id;

-- Per run and detector, whether each (model, version) looked healthy: no
-- detector status `alert` and no rule breach among at least one evaluated
-- score. A rollback targets the newest other version whose latest record of
-- every detector is healthy.
CREATE TABLE IF NOT EXISTS alert_version_health
(
    model         String,
    model_version String,
    detector      LowCardinality(String),
    run_id        String,
    run_at        DateTime64(3, 'UTC'),
    healthy       UInt8,
    scores        UInt32,
    breaches      UInt32
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(run_at)
ORDER BY (model, model_version, run_at);
