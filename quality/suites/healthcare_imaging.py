"""Medical imaging suite (헬스케어 영상): real images, lesion boxes inside, KCD/ICD-10 shaped codes."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import id_specs, patient_specs, schema_valid, source_present
from quality.suites.vision_image import image_specs

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("study_id", "검사", "study"),
        *image_specs(),
        *patient_specs(),
        source_present(),
    ]
