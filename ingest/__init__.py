"""Ingest stage: source archives → records → Parquet chunks (in the run's staging area)."""
