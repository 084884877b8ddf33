-- Catalog v3 on PostgreSQL: the columns ../0003_catalog_licence.sql adds, the audit chain and the
-- incremental search index. The keys stay (see 0001). The audit chain cannot fork: two writers that
-- read the same newest row and both link to it conflict on UNIQUE (prev_sha256), and the later one is
-- retried (catalog.db.transaction), linking to the row that won.
ALTER TABLE datasets
    ADD COLUMN labeling_type_ko VARCHAR,
    ADD COLUMN labeling_type_en VARCHAR,
    ADD COLUMN labeling_format VARCHAR,
    ADD COLUMN release_status VARCHAR DEFAULT 'open',
    ADD COLUMN raw_count BIGINT,
    ADD COLUMN source_count BIGINT,
    ADD COLUMN label_count BIGINT,
    ADD COLUMN count_unit_ko VARCHAR,
    ADD COLUMN count_unit_en VARCHAR,
    ADD COLUMN creators VARCHAR[],
    ADD COLUMN collection_ko VARCHAR,
    ADD COLUMN collection_en VARCHAR,
    ADD COLUMN pii_policy VARCHAR,
    ADD COLUMN search_length INTEGER;

ALTER TABLE licenses
    ADD COLUMN status_reason VARCHAR,
    ADD COLUMN status_changed_by VARCHAR,
    ADD COLUMN status_changed_at TIMESTAMP;

ALTER TABLE versions
    ADD COLUMN date_published VARCHAR,
    ADD COLUMN release_status VARCHAR,
    ADD COLUMN registered_at TIMESTAMP;

ALTER TABLE audit_log
    ADD COLUMN prev_sha256 VARCHAR UNIQUE,
    ADD COLUMN row_sha256 VARCHAR;

CREATE TABLE search_postings (
    dataset_id VARCHAR NOT NULL,
    term VARCHAR NOT NULL,
    PRIMARY KEY (dataset_id, term)
);
CREATE INDEX search_postings_term ON search_postings (term);
