-- Alerting per window (migrations 050-059).
--
-- The window an alert last judged and what it said: a re-scored window
-- replaces that judgement instead of counting as one more run. The actions
-- of the current episode (queued, muted, cooldown, no_target ...) as JSON.
ALTER TABLE alert_state ADD COLUMN IF NOT EXISTS last_window_end Nullable(DateTime64(3, 'UTC'));
ALTER TABLE alert_state ADD COLUMN IF NOT EXISTS last_judgement LowCardinality(String) DEFAULT '';
ALTER TABLE alert_state ADD COLUMN IF NOT EXISTS actions String DEFAULT '[]' CODEC(ZSTD(3));

-- Version health per window: the newest record of a version's latest window
-- decides whether it is a rollback target (older rows: the run time).
ALTER TABLE alert_version_health ADD COLUMN IF NOT EXISTS window_start DateTime64(3, 'UTC') DEFAULT run_at;
ALTER TABLE alert_version_health ADD COLUMN IF NOT EXISTS window_end DateTime64(3, 'UTC') DEFAULT run_at;

-- A rollback with no healthy version to return to is recorded, not sent.
ALTER TABLE alert_outbox MODIFY COLUMN state Enum8('pending' = 0, 'delivered' = 1, 'failed' = 2, 'expired' = 3, 'dry_run' = 4, 'no_target' = 5);
