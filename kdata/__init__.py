"""K-Data Catalog: AI Hub-style dataset ingestion, quality gate, chunked Parquet and a DuckDB catalog."""

__version__ = "0.1.0"
