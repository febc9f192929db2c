-- Quality before labels (migrations 070-079). The calibrations the
-- estimated-quality detector (CBPE) fits on a labelled reference range, kept
-- as versioned artifacts: one row per (job, model, version, artifact
-- version, class). A new artifact version is written when the job's
-- reference changes; every older one stays for audit. Read the newest with
-- max(version) for the key and reference range.
--   method: none (the model's own probabilities), isotonic, histogram, or
--           residual_bins (regression: mean |residual| per prediction bin)
--   edges:  bin edges of the raw score (or of the prediction, regression);
--           a value v falls in bin i when edges[i-1] < v <= edges[i]
--   values: calibrated probability (or mean |residual|) per bin, len(edges)+1
--   summary: JSON with what estimation and its band need from the reference
--           (realized metrics, counts, per-bin spreads, cross-validated
--           Brier score of every candidate method)
CREATE TABLE IF NOT EXISTS estimated_calibrations
(
    detector       LowCardinality(String),
    model          LowCardinality(String),
    model_version  LowCardinality(String),
    version        UInt32,
    cls            String,
    task           LowCardinality(String),
    method         LowCardinality(String),
    reference_from DateTime64(3, 'UTC'),
    reference_to   DateTime64(3, 'UTC'),
    n_ref          UInt64,
    positives      Float64,
    edges          Array(Float64),
    values         Array(Float64),
    summary        String CODEC(ZSTD(3)),
    created_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = MergeTree
ORDER BY (detector, model, model_version, version, cls);
