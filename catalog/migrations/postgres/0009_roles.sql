-- Roles (역할) of named users and who uploaded each version (see ../0009_roles.sql).
CREATE TABLE roles (
    user_name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_name, role)
);
CREATE TRIGGER roles_generation AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON roles
    FOR EACH STATEMENT EXECUTE FUNCTION kdata_new_generation();
ALTER TABLE versions ADD COLUMN uploaded_by VARCHAR;
UPDATE versions SET uploaded_by = (
    SELECT a.actor FROM audit_log a
    WHERE a.action = 'publish' AND a.dataset_id = versions.dataset_id AND a.version = versions.version
    ORDER BY a.seq LIMIT 1
);
ALTER TABLE audit_log ADD COLUMN chain VARCHAR;
