-- K-Data Catalog schema v1 on PostgreSQL (KDATA_CATALOG=postgresql://...): the tables of ../0001_init.sql in
-- PostgreSQL's types (BLOB → BYTEA). Keys are real PRIMARY KEY / UNIQUE constraints here: PostgreSQL has no
-- file growth on indexed appends (the reason ../0003 dropped them in DuckDB), and with several writers at
-- once the constraint, not one writer process, keeps a key unique (a conflicting transaction is retried).
-- Applied by catalog.db through DuckDB's postgres extension (postgres_execute), one transaction each.

CREATE TABLE domains (
    id VARCHAR PRIMARY KEY,
    name_ko VARCHAR NOT NULL,
    name_en VARCHAR NOT NULL,
    group_ko VARCHAR NOT NULL,
    group_en VARCHAR NOT NULL
);

CREATE TABLE datasets (
    id VARCHAR PRIMARY KEY,
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
    search_terms VARCHAR NOT NULL
);

CREATE TABLE licenses (
    dataset_id VARCHAR PRIMARY KEY,
    license_id VARCHAR NOT NULL,
    name VARCHAR,
    status VARCHAR NOT NULL,
    commercial_use BOOLEAN NOT NULL,
    modification BOOLEAN NOT NULL,
    domestic_only BOOLEAN NOT NULL,
    redistribution BOOLEAN NOT NULL,
    attribution VARCHAR,
    url VARCHAR
);

CREATE TABLE versions (
    dataset_id VARCHAR NOT NULL,
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
    PRIMARY KEY (dataset_id, version)
);

CREATE TABLE splits (
    dataset_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    record_count BIGINT NOT NULL,
    chunk_count INTEGER NOT NULL,
    content_size BIGINT NOT NULL,
    PRIMARY KEY (dataset_id, version, split)
);

CREATE TABLE chunks (
    dataset_id VARCHAR NOT NULL,
    version VARCHAR NOT NULL,
    split VARCHAR NOT NULL,
    key VARCHAR NOT NULL,
    content_url VARCHAR NOT NULL,
    record_count BIGINT NOT NULL,
    content_size BIGINT NOT NULL,
    sha256 VARCHAR NOT NULL,
    source_archive VARCHAR NOT NULL,
    PRIMARY KEY (dataset_id, version, key)
);

CREATE TABLE quality_runs (
    run_id VARCHAR PRIMARY KEY,
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

CREATE TABLE quality_results (
    run_id VARCHAR NOT NULL,
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
    unexpected_count BIGINT,
    PRIMARY KEY (run_id, key)
);

CREATE TABLE column_docs (
    record_schema VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    type VARCHAR NOT NULL,
    doc_ko VARCHAR NOT NULL,
    doc_en VARCHAR NOT NULL,
    PRIMARY KEY (record_schema, column_name)
);

CREATE SEQUENCE audit_seq START 1;

-- Append-only: the CLI has no update or delete path for this table. JSON (not JSONB) keeps the text
-- byte for byte, as the audit chain hashed it.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY DEFAULT nextval('audit_seq'),
    occurred_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    action VARCHAR NOT NULL,
    dataset_id VARCHAR,
    version VARCHAR,
    detail JSON
);
