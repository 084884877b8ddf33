-- A token naming one state of what search reads (see ../0007_catalog_generation.sql). On PostgreSQL a
-- trigger replaces it in the very transaction that changes a catalog table (the transaction's id, once
-- per transaction), so a reader can never see new rows under an old token or the reverse; writers that
-- only append to the audit log keep it (no trigger on audit_log), as in the embedded catalog.
CREATE TABLE catalog_generation (
    token VARCHAR NOT NULL
);
INSERT INTO catalog_generation VALUES (gen_random_uuid()::text);

CREATE FUNCTION kdata_new_generation() RETURNS trigger LANGUAGE plpgsql AS $generation$
BEGIN
    UPDATE catalog_generation SET token = 'xact-' || pg_current_xact_id()::text
    WHERE token IS DISTINCT FROM 'xact-' || pg_current_xact_id()::text;
    RETURN NULL;
END
$generation$;

CREATE TRIGGER domains_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON domains
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER datasets_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON datasets
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER licenses_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON licenses
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER versions_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON versions
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER splits_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON splits
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER chunks_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON chunks
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER quality_runs_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quality_runs
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER quality_results_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quality_results
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER column_docs_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON column_docs
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER approvals_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON approvals
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER search_postings_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON search_postings
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER pii_findings_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON pii_findings
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
CREATE TRIGGER quarantine_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON quarantine
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
