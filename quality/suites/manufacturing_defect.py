"""Defect image suite (제조 결함): real images, defect boxes inside the image."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import id_specs, in_set, schema_valid, source_present
from quality.suites.vision_image import image_specs

__all__ = ["specs"]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("image_id", "이미지", "image"),
        *image_specs(),
        in_set("label_in_class_set", "label", ["정상", "불량"], ("판정 값", "Class is 정상 or 불량")),
        source_present(),
    ]
