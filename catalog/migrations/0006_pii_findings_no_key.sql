-- pii_findings without its PRIMARY KEY, like every other catalog table since 0003: in DuckDB 1.4.4 each
-- process that appends to a table with an ART index starts a new row group that is never merged
-- (duckdb/duckdb#21316), so every quality run grew catalog.duckdb and its snapshot by one 256 KiB
-- block each (the 200-ingest soak in benchmarks/soak.py: 118 MiB, 200 of 237 blocks in this table).
-- The key (run_id, rule) is kept by the code: findings are inserted once, with their quality run,
-- in the transaction that first records that run. Column order is unchanged.
CREATE TABLE pii_findings_v6 (
    run_id VARCHAR NOT NULL,          -- key, with rule
    dataset_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    name_ko VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    policy VARCHAR NOT NULL,          -- block | mask
    found BIGINT NOT NULL,            -- findings of this rule in the version's records
    masked BIGINT NOT NULL,           -- of those, replaced by a token (policy mask)
    record_count BIGINT NOT NULL,     -- records with at least one finding of this rule
    examples VARCHAR[] NOT NULL,      -- masked examples, e.g. 900101-1******
    locations JSON NOT NULL,          -- [{record_id, archive, member, field}], capped
    detector_version VARCHAR NOT NULL
);
INSERT INTO pii_findings_v6 BY NAME SELECT * FROM pii_findings;
DROP TABLE pii_findings;
ALTER TABLE pii_findings_v6 RENAME TO pii_findings;
