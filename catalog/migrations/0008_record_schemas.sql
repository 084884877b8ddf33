-- Record schemas of mapped datasets (dataset.yaml labels:), which exist only as data: the Arrow
-- schema (IPC-serialised) and the id column, so that Croissant and the dataset page describe the
-- columns without the manifest. Built-in schemas (schemas/records.py) are not stored here.
CREATE TABLE record_schemas (
    name VARCHAR NOT NULL,
    domain VARCHAR NOT NULL,
    id_column VARCHAR NOT NULL,
    arrow_schema BLOB NOT NULL
);
