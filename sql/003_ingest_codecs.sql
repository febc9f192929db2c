-- Ingest spends most of its time in the engine; ZSTD(3) on the raw features
-- JSON cost about a fifth of a prediction row's insert. LZ4 is several times
-- cheaper to write and still compresses repetitive JSON well.
ALTER TABLE predictions MODIFY COLUMN features String CODEC(LZ4);

-- The view writes twenty feature_values rows per prediction; the same trade
-- there (Gorilla+ZSTD and ZSTD on event ids cost more to write than the
-- detectors gain from reading fewer bytes).
ALTER TABLE feature_values MODIFY COLUMN value_num Float64 CODEC(LZ4);

ALTER TABLE feature_values MODIFY COLUMN event_id String CODEC(LZ4);
