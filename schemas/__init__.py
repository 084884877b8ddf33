"""Schemas: the dataset manifest, the roadmap domains and the record schemas (declared once)."""
