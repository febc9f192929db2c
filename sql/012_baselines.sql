-- Imported baseline datasets (e.g. training data) for the drift detectors, in
-- the same long layout as feature_values: one row per (row of the file,
-- column). baseline_datasets holds one row per import with the file's row
-- count (the denominator of missing shares); a re-import of the same
-- (model, version, dataset) replaces the previous one.
CREATE TABLE IF NOT EXISTS baseline_values
(
    model         LowCardinality(String),
    model_version LowCardinality(String),
    dataset       LowCardinality(String),
    feature       LowCardinality(String),
    kind          Enum8('missing' = 0, 'number' = 1, 'string' = 2, 'bool' = 3),
    value_num     Float64 CODEC(Gorilla, ZSTD(1)),
    value_str     LowCardinality(String),
    import_id     String
)
ENGINE = MergeTree
ORDER BY (model, model_version, dataset, feature, import_id);

CREATE TABLE IF NOT EXISTS baseline_datasets
(
    model         LowCardinality(String),
    model_version LowCardinality(String),
    dataset       LowCardinality(String),
    import_id     String,
    rows          UInt64,
    features      Array(String),
    path          String,
    imported_at   DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(imported_at)
ORDER BY (model, model_version, dataset);
