-- Roles (역할) of named users, granted by admins (kdata role grant USER ROLE). Admins named in the
-- deployment's KDATA_ADMINS hold admin without a row here. Who uploaded each version, so that the
-- uploader of a version cannot open its licence (separation of duties).
CREATE TABLE roles (
    user_name VARCHAR NOT NULL,          -- key (user_name, role)
    role VARCHAR NOT NULL,               -- reader | uploader | steward | auditor | admin
    granted_by VARCHAR NOT NULL,
    granted_at TIMESTAMP NOT NULL
);
ALTER TABLE versions ADD COLUMN uploaded_by VARCHAR;
UPDATE versions SET uploaded_by = (
    SELECT a.actor FROM audit_log a
    WHERE a.action = 'publish' AND a.dataset_id = versions.dataset_id AND a.version = versions.version
    ORDER BY a.seq LIMIT 1
);
-- The audit chain becomes keyed (HMAC-SHA256 with the deployment's audit key): rows written from now
-- on say so; earlier rows keep their plain SHA-256 links and are checked that way.
ALTER TABLE audit_log ADD COLUMN chain VARCHAR;
