-- Record schemas of mapped datasets (see ../0008_record_schemas.sql); the Arrow schema as BYTEA.
CREATE TABLE record_schemas (
    name VARCHAR PRIMARY KEY,
    domain VARCHAR NOT NULL,
    id_column VARCHAR NOT NULL,
    arrow_schema BYTEA NOT NULL
);
CREATE TRIGGER record_schemas_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON record_schemas
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
