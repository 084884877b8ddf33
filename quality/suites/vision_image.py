"""Vision suite (영상·이미지): real images of the stated size, boxes and polygons inside the image."""

from __future__ import annotations

from quality.gx_runner import ExpectationSpec
from quality.suites._specs import between, id_specs, is_true, schema_valid, source_present, zero

__all__ = ["image_specs", "specs"]


def image_specs() -> list[ExpectationSpec]:
    """Image and box expectations shared by every schema carrying an image and boxes."""
    return [
        is_true("image_matches_label", "image_valid", "이미지 정상·크기 일치", "Image decodes and has the stated size"),
        between("image_size_positive", "width", 1, None, ("이미지 크기 유효", "Stated width is positive")),
        zero("bbox_inside_image", "boxes_outside", "박스가 이미지 안에 있음", "Every box lies inside the image"),
        zero("bbox_has_area", "invalid_boxes", "박스 형식·면적 유효", "Boxes are [x, y, w, h] with an area"),
    ]


def specs(*, syntactic_target: float) -> list[ExpectationSpec]:
    return [
        schema_valid(syntactic_target),
        *id_specs("image_id", "이미지", "image"),
        *image_specs(),
        zero(
            "polygon_inside_image",
            "polygons_outside",
            "폴리곤이 이미지 안에 있음",
            "Every polygon lies inside the image",
        ),
        between(
            "annotations_present",
            "annotation_count",
            1,
            None,
            ("객체 라벨 존재", "Every image has at least one object"),
            severity="warning",
        ),
        source_present(),
    ]
