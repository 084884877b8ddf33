"""Expectation suites per record schema (품질검증 항목)."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites import korean_dialogue

__all__ = ["SUITE_VERSION", "suite_for"]

SUITE_VERSION = "1"


def suite_for(record_schema: str, *, syntactic_target: float) -> list[ExpectationSpec]:
    """The expectations for a record schema, with the manifest's targets filled in."""
    builders = {"korean_dialogue": korean_dialogue.specs}
    try:
        builder = builders[record_schema]
    except KeyError:
        raise KeyError(f"no quality suite for record schema {record_schema!r}") from None
    return builder(syntactic_target=syntactic_target)
