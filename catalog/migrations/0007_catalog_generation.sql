-- A token that every writer connection replaces (catalog.db.connect), so that a reader can tell
-- which state of the catalog a connection sees: catalog.search keeps an in-process search index
-- per token and rebuilds it when the snapshot it reads carries another one.
CREATE TABLE catalog_generation (
    token VARCHAR NOT NULL
);
INSERT INTO catalog_generation VALUES (CAST(uuid() AS VARCHAR));
