-- Late data and tags on scores (migrations 050-059).
--
-- Every score row keeps the tags of the events it was computed from (the
-- version's deployment tag, a segment row's own tag), as alert rules see them.
ALTER TABLE drift_scores ADD COLUMN IF NOT EXISTS tags Map(LowCardinality(String), String);

-- A window that receives events after it was scored is scored again; both
-- runs' rows stay in drift_scores. The current scores of a window are those
-- of the newest successful run of that detector job over that window (by
-- start time), so a re-score supersedes the scores it replaces, including
-- rows the new run no longer produces. GET /v1/scores/latest reads this view.
CREATE VIEW IF NOT EXISTS current_scores AS
SELECT *
FROM drift_scores
WHERE run_id IN
(
    SELECT argMax(run_id, (started_at, run_id))
    FROM detector_runs FINAL
    WHERE status = 'ok'
    GROUP BY detector, window_start, window_end
);
