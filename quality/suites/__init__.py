"""Expectation suites per record schema (품질검증 항목)."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites import (
    healthcare_imaging,
    healthcare_note,
    korean_dialogue,
    korean_speech,
    korean_summary,
    manufacturing_defect,
    manufacturing_sensor,
    vision_image,
)
from quality.suites.common import common_specs
from schemas.manifest import QualityTargets

__all__ = ["SUITE_VERSION", "suite_for"]

SUITE_VERSION = "2"  # 2: common specs (personal data, duplicate content, orphans, distributions)


def suite_for(
    record_schema: str, *, syntactic_target: float, targets: QualityTargets | None = None
) -> list[ExpectationSpec]:
    """The expectations for a record schema, with the manifest's targets filled in, then the common ones."""
    builders = {
        "korean_dialogue": korean_dialogue.specs,
        "korean_summary": korean_summary.specs,
        "korean_speech": korean_speech.specs,
        "vision_image": vision_image.specs,
        "healthcare_imaging": healthcare_imaging.specs,
        "healthcare_note": healthcare_note.specs,
        "manufacturing_sensor": manufacturing_sensor.specs,
        "manufacturing_defect": manufacturing_defect.specs,
    }
    try:
        builder = builders[record_schema]
    except KeyError:
        raise KeyError(f"no quality suite for record schema {record_schema!r}") from None
    return builder(syntactic_target=syntactic_target) + common_specs(targets)
