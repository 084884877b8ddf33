-- Catalog v3: dataset-page metadata, release status and version history, licence workflow columns,
-- a tamper-evident audit chain, an incremental search index (replaces the FTS rebuild), and
-- catalog tables without PRIMARY KEY / UNIQUE indexes.
--
-- Why no index constraints: in DuckDB 1.4.4 every process that opens the file and appends to a
-- table with an ART index (PRIMARY KEY, UNIQUE) starts a new row group that is never merged
-- (duckdb/duckdb#21316, fixed after 1.4.4). The catalog is opened by a new process for every
-- ingest, licence change and download audit, so each of them grew the file by ~256 KiB per
-- indexed table it touched: ~1.5 MiB per registration, ~1.5 GiB for 1,000 datasets. Tables without
-- indexes are compacted at checkpoint. Keys are kept by the code instead: every write is one
-- transaction that looks the key up first, and DuckDB admits one writer process at a time.
-- Column order is unchanged (positional INSERTs elsewhere keep working); new columns are appended.
-- Column names borrow Croissant / schema.org vocabulary where one exists.

CREATE TABLE datasets_v3 (
    id VARCHAR NOT NULL,                 -- key
    name_ko VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    description_ko VARCHAR NOT NULL,
    description_en VARCHAR NOT NULL,
    domain VARCHAR NOT NULL,
    data_type VARCHAR NOT NULL,
    record_schema VARCHAR NOT NULL,
    build_year INTEGER,
    date_modified VARCHAR,
    publisher VARCHAR,
    source_url VARCHAR,
    encoding_formats VARCHAR[],
    keywords VARCHAR[],
    latest_version VARCHAR,
    search_terms VARCHAR NOT NULL,
    labeling_type_ko VARCHAR,            -- 라벨링 유형
    labeling_type_en VARCHAR,
    labeling_format VARCHAR,             -- 라벨링 형식 (JSON, XML ...)
    release_status VARCHAR DEFAULT 'open',  -- 공개 상태 beta | open | withdrawn (not the licence status)
    raw_count BIGINT,                    -- 원시데이터 수
    source_count BIGINT,                 -- 원천데이터 수
    label_count BIGINT,                  -- 라벨링데이터 수
    count_unit_ko VARCHAR,               -- 단위 (문장, 대화 ...)
    count_unit_en VARCHAR,
    creators VARCHAR[],                  -- 구축기관 (Croissant creator)
    collection_ko VARCHAR,               -- 수집 방법 (rai:dataCollection)
    collection_en VARCHAR,
    pii_policy VARCHAR,                  -- block | mask (rai:personalSensitiveInformation)
    search_length INTEGER                -- number of search terms (BM25 document length)
);
INSERT INTO datasets_v3 BY NAME SELECT * FROM datasets;
DROP TABLE datasets;
ALTER TABLE datasets_v3 RENAME TO datasets;

CREATE TABLE licenses_v3 (
    dataset_id VARCHAR NOT NULL,         -- key
    license_id VARCHAR NOT NULL,
    name VARCHAR,
    status VARCHAR NOT NULL,
    commercial_use BOOLEAN NOT NULL,
    modification BOOLEAN NOT NULL,
    domestic_only BOOLEAN NOT NULL,
    redistribution BOOLEAN NOT NULL,
    attribution VARCHAR,
    url VARCHAR,
    status_reason VARCHAR,               -- the current status's who/when/why (history: audit_log)
    status_changed_by VARCHAR,
    status_changed_at TIMESTAMP
);
INSERT INTO licenses_v3 BY NAME SELECT * FROM licenses;
DROP TABLE licenses;
ALTER TABLE licenses_v3 RENAME TO licenses;

CREATE TABLE versions_v3 (
    dataset_id VARCHAR NOT NULL,         -- key (dataset_id, version)
    version VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    version_note VARCHAR,
    content_sha256 VARCHAR NOT NULL,
    manifest_url VARCHAR NOT NULL,
    record_count BIGINT NOT NULL,
    chunk_count INTEGER NOT NULL,
    content_size BIGINT NOT NULL,
    quality_verdict VARCHAR NOT NULL,
    quality_run_id VARCHAR,
    date_published VARCHAR,              -- release_date of the manifest (YYYY-MM-DD)
    release_status VARCHAR,              -- version history: 1.0 2024-06-28 beta → 1.1 2024-10-30 open
    registered_at TIMESTAMP
);
INSERT INTO versions_v3 BY NAME SELECT * FROM versions;
DROP TABLE versions;
ALTER TABLE versions_v3 RENAME TO versions;

CREATE TABLE splits_v3 (
    dataset_id VARCHAR NOT NULL,         -- key (dataset_id, version, split)
    version VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    record_count BIGINT NOT NULL,
    chunk_count INTEGER NOT NULL,
    content_size BIGINT NOT NULL
);
INSERT INTO splits_v3 BY NAME SELECT * FROM splits;
DROP TABLE splits;
ALTER TABLE splits_v3 RENAME TO splits;

CREATE TABLE chunks_v3 (
    dataset_id VARCHAR NOT NULL,         -- key (dataset_id, version, key)
    version VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    content_url VARCHAR NOT NULL,
    record_count BIGINT NOT NULL,
    content_size BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    source_archive VARCHAR NOT NULL
);
INSERT INTO chunks_v3 BY NAME SELECT * FROM chunks;
DROP TABLE chunks;
ALTER TABLE chunks_v3 RENAME TO chunks;

CREATE TABLE quality_runs_v3 (
    run_id VARCHAR NOT NULL,             -- key
    dataset_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    verdict VARCHAR NOT NULL,
    suite VARCHAR NOT NULL,
    gx_version VARCHAR NOT NULL,
    records_checked BIGINT NOT NULL,
    critical_failed INTEGER NOT NULL,
    warnings_failed INTEGER NOT NULL,
    report_path VARCHAR NOT NULL,
    result_path VARCHAR NOT NULL,
    data_docs_path VARCHAR,
    checked_at TIMESTAMP NOT NULL
);
INSERT INTO quality_runs_v3 BY NAME SELECT * FROM quality_runs;
DROP TABLE quality_runs;
ALTER TABLE quality_runs_v3 RENAME TO quality_runs;

CREATE TABLE quality_results_v3 (
    run_id VARCHAR NOT NULL,             -- key (run_id, key)
    key VARCHAR NOT NULL,
    category_ko VARCHAR NOT NULL,
    category_en VARCHAR NOT NULL,
    item_ko VARCHAR NOT NULL,
    item_en VARCHAR NOT NULL,
    severity VARCHAR NOT NULL,
    success BOOLEAN NOT NULL,
    target VARCHAR NOT NULL,
    result VARCHAR NOT NULL,
    element_count BIGINT,
    unexpected_count BIGINT
);
INSERT INTO quality_results_v3 BY NAME SELECT * FROM quality_results;
DROP TABLE quality_results;
ALTER TABLE quality_results_v3 RENAME TO quality_results;

CREATE TABLE column_docs_v3 (
    record_schema VARCHAR NOT NULL,      -- key (record_schema, column_name)
    column_name VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    type VARCHAR NOT NULL,
    doc_ko VARCHAR NOT NULL,
    doc_en VARCHAR NOT NULL
);
INSERT INTO column_docs_v3 BY NAME SELECT * FROM column_docs;
DROP TABLE column_docs;
ALTER TABLE column_docs_v3 RENAME TO column_docs;

-- Append-only: the CLI has no update or delete path for this table. Each row also carries
-- row_sha256 = sha256(prev_sha256 + its content): a hash chain (catalog.audit.verify_audit_log).
CREATE TABLE audit_log_v3 (
    seq BIGINT NOT NULL DEFAULT nextval('audit_seq'),  -- key
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    dataset_id VARCHAR,
    version VARCHAR,
    detail JSON,
    prev_sha256 VARCHAR,
    row_sha256 VARCHAR
);
INSERT INTO audit_log_v3 BY NAME SELECT * FROM audit_log;
DROP TABLE audit_log;
ALTER TABLE audit_log_v3 RENAME TO audit_log;

-- Approved applications (이용 신청 승인) for datasets whose licence status requires one.
CREATE TABLE approvals_v3 (
    dataset_id VARCHAR NOT NULL,         -- key (dataset_id, user_name)
    user_name VARCHAR NOT NULL,
    approved_by VARCHAR NOT NULL,
    approved_at TIMESTAMP NOT NULL,
    valid_until DATE,
    reason VARCHAR
);
INSERT INTO approvals_v3 BY NAME SELECT * FROM approvals;
DROP TABLE approvals;
ALTER TABLE approvals_v3 RENAME TO approvals;

-- Incremental search index: one row per (dataset, term) from catalog.korean_text.index_terms.
-- Registration replaces one dataset's rows; search computes BM25 over the query's terms only.
CREATE TABLE search_postings (
    dataset_id VARCHAR NOT NULL,
    term VARCHAR NOT NULL
);
INSERT INTO search_postings
SELECT DISTINCT id, unnest(string_split(search_terms, ' ')) FROM datasets WHERE search_terms <> '';
UPDATE datasets SET search_length = (SELECT count(*) FROM search_postings p WHERE p.dataset_id = datasets.id);

-- The FTS index of schema v1 is no longer used (its rebuild made every registration O(catalog)).
DROP SCHEMA IF EXISTS fts_main_datasets CASCADE;
