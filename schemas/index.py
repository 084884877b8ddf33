"""A light index of record schemas by domain, importable without pyarrow (DAG files parse with it).

It must agree with :data:`schemas.records.RECORD_SCHEMAS` and the reader registry; a test checks that.
"""

from __future__ import annotations

__all__ = ["SCHEMA_DOMAINS", "domains_with_readers"]

SCHEMA_DOMAINS: dict[str, str] = {
    "korean_dialogue": "korean",
    "korean_summary": "korean",
    "korean_speech": "korean",
    "vision_image": "vision",
    "healthcare_imaging": "healthcare",
    "healthcare_note": "healthcare",
    "manufacturing_sensor": "manufacturing",
    "manufacturing_defect": "manufacturing",
}
"""Record schema name → roadmap domain id, for every schema that has a reader."""


def domains_with_readers() -> list[str]:
    """Domains that get an ``ingest_<domain>`` DAG."""
    return sorted(set(SCHEMA_DOMAINS.values()))
