-- The data.<dataset>__<split> views over published Parquet are no longer stored in the catalog: a reader
-- creates, in its own session, only the views a statement names (catalog.views). Stored views cost every
-- opening of the catalog (~20,000 views, ~0.5 s at 10,000 datasets), and a shared PostgreSQL catalog cannot
-- hold views over Parquet at all. The schema goes too: readers attach the session's views as `data`.
DROP SCHEMA IF EXISTS data CASCADE;
