-- Quarantine (격리): one row per refused input (see ../0005_quarantine.sql). The code keeps
-- (run_id, stage, reason, archive, member, dataset_path, archive_sha256) unique: it looks first.
CREATE TABLE quarantine (
    run_id VARCHAR,
    dataset_id VARCHAR,
    version VARCHAR,
    dataset_path VARCHAR NOT NULL,
    stage VARCHAR NOT NULL,
    reason VARCHAR NOT NULL,
    archive VARCHAR,
    archive_sha256 VARCHAR,
    member VARCHAR,
    message VARCHAR NOT NULL,
    report VARCHAR,
    record_path VARCHAR NOT NULL,
    quarantined_at TIMESTAMP NOT NULL,
    quarantined_by VARCHAR NOT NULL
);
