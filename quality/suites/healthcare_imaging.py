"""Medical imaging suite (헬스케어 영상): real images, lesion boxes inside, KCD/ICD-10 shaped codes."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import VALID, between, id_specs, schema_valid, source_present, zero
from quality.suites.vision_image import image_specs

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("study_id", "검사", "study"),
        *image_specs(),
        zero(
            "diagnosis_codes_valid",
            "invalid_codes",
            "진단코드 형식 (KCD/ICD-10)",
            "Diagnosis codes are KCD/ICD-10 codes",
        ),
        between(
            "patient_age_range",
            "patient_age",
            0,
            120,
            ("나이 범위 0–120", "Patient age within 0–120"),
            VALID,
            "warning",
        ),
        source_present(),
    ]
