-- Personal data found by a quality run, one row per detector rule (see ../0004_pii_findings.sql).
CREATE TABLE pii_findings (
    run_id VARCHAR NOT NULL,
    dataset_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    rule VARCHAR NOT NULL,
    name_ko VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    policy VARCHAR NOT NULL,
    found BIGINT NOT NULL,
    masked BIGINT NOT NULL,
    record_count BIGINT NOT NULL,
    examples VARCHAR[] NOT NULL,
    locations JSON NOT NULL,
    detector_version VARCHAR NOT NULL,
    PRIMARY KEY (run_id, rule)
);
