-- Quarantine (격리): one row per refused input. An archive the safety check or a reader rejected
-- (stage plan or extract, exit 2: reason is the rejection code, e.g. path_traversal, zip_bomb_ratio,
-- bad_crc) or a run the quality gate refused (stage gate, exit 3: reason quality_failed). The same
-- record is kept as JSON under $KDATA_HOME/quarantine/ (record_path).
-- No PRIMARY KEY / UNIQUE: DuckDB 1.4.4 grows the file on every indexed append from a new process
-- (see 0003). The code keeps (run_id, stage, reason, archive, member) unique: it looks first.
CREATE TABLE quarantine (
    run_id VARCHAR,                    -- null when refused before a run id existed (missing piece, symlink)
    dataset_id VARCHAR,                -- null when the manifest could not be read
    version VARCHAR,
    dataset_path VARCHAR NOT NULL,     -- the dataset folder as given to ingest
    stage VARCHAR NOT NULL,            -- plan | extract | gate
    reason VARCHAR NOT NULL,           -- rejection code, or quality_failed
    archive VARCHAR,                   -- relative to the dataset folder; null for a gate refusal
    archive_sha256 VARCHAR,            -- of the archive as received (pieces joined); null when unreadable
    member VARCHAR,                    -- the member at fault, when one is
    message VARCHAR NOT NULL,          -- what the user was told (Korean and English)
    report VARCHAR,                    -- quality report (gate refusals)
    record_path VARCHAR NOT NULL,      -- the JSON record under $KDATA_HOME/quarantine/
    quarantined_at TIMESTAMP NOT NULL, -- UTC
    quarantined_by VARCHAR NOT NULL    -- KDATA_USER
);
