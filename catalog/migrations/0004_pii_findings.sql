-- Personal data found by a quality run, one row per detector rule (zero rows are kept too: they are
-- the evidence that the rule ran). Values never reach the catalog: examples are masked
-- (900101-1******) and locations name the record id, archive, member and field only.
CREATE TABLE pii_findings (
    run_id VARCHAR NOT NULL,
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
    detector_version VARCHAR NOT NULL,
    PRIMARY KEY (run_id, rule)
);
