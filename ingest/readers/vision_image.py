"""Vision labels: one JSON per image, joined to the image of the same stem in the source archive.

Two real shapes are read:

- English keys (car damage, COCO-like): ``images`` (one object, or a list of one) with
  ``file_name, width, height``; ``annotations[]`` with ``bbox [x, y, w, h]``, ``segmentation``
  (``[[[x, y], ...]]`` or flat ``[[x1, y1, ...]]``) and a class in ``category_id`` (resolved via
  ``categories``), ``damage``, ``category_name``, ``label`` or ``class``;
- Korean keys (K-Fashion): ``"이미지 정보": {"이미지 파일명", "이미지 너비", "이미지 높이"}`` and, under
  ``"데이터셋 정보"."데이터셋 상세설명"``, ``"렉트좌표"`` ``{분류: [{X좌표, Y좌표, 가로, 세로}]}`` and
  ``"폴리곤좌표"`` ``{분류: [{X좌표1, Y좌표1, X좌표2, ...}]}``; empty ``{}`` entries mean "none".

The image is decoded once to check it is real and of the stated size; boxes and polygons are
counted against that size so the quality gate can refuse boxes outside the image.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.problems import Problem, ReadStats
from ingest.readers._common import (
    LabelError,
    SourceFiles,
    box_xywh,
    build,
    finish_record,
    get,
    iter_json_labels,
    number,
    numbered_points,
    stem,
    text,
)
from ingest.readers._media import box_stats, check_image, media

__all__ = ["flat_polygon", "read"]

_KF_INFO = "이미지 정보"


def flat_polygon(value: Any, field: str) -> list[float]:
    """``[[x, y], ...]`` or ``[x1, y1, x2, y2, ...]`` → flat list of numbers."""
    if not isinstance(value, list):
        raise LabelError(field, "expected a list of points")
    fast = _plain_points(value)
    if fast is not None:
        return fast
    flat: list[float] = []
    for n, point in enumerate(value):
        if isinstance(point, list):
            if len(point) != 2:
                raise LabelError(f"{field}[{n}]", "expected [x, y]")
            flat.extend(number(v, f"{field}[{n}]") for v in point)
        else:
            flat.append(number(point, f"{field}[{n}]"))
    return flat


def _plain_points(value: list[Any]) -> list[float] | None:
    """:func:`flat_polygon` of a list of ``[x, y]`` pairs of plain ints and floats (the usual label), in
    one pass; ``None`` for anything else (strings, bools, flat lists, bad pairs), which the checked path
    reads and reports."""
    flat: list[float] = []
    append = flat.append
    for point in value:
        if type(point) is not list or len(point) != 2:
            return None
        x, y = point
        if type(x) not in _PLAIN or type(y) not in _PLAIN:
            return None
        append(float(x))
        append(float(y))
    return flat


_PLAIN = (int, float)


def _polygons(segmentation: Any, field: str) -> list[list[float]]:
    if segmentation in (None, []):
        return []
    if not isinstance(segmentation, list):
        raise LabelError(field, "expected a list of polygons")
    # [[x, y], ...] is one polygon of points; [[[x, y], ...], ...] and [[x1, y1, ...], ...] are several.
    if all(isinstance(p, list) and len(p) == 2 and not any(isinstance(v, list) for v in p) for p in segmentation):
        return [flat_polygon(segmentation, field)]
    return [flat_polygon(p, f"{field}[{n}]") for n, p in enumerate(segmentation)]


def _categories(doc: dict[str, Any]) -> dict[Any, str]:
    raw = doc.get("categories")
    if isinstance(raw, list):
        return {c.get("id"): str(c.get("name")) for c in raw if isinstance(c, dict)}
    if isinstance(raw, dict):
        return {k: str(v) for k, v in raw.items()}
    return {}


def _coco(doc: dict[str, Any]) -> tuple[str | None, int, int, list[dict[str, Any]]]:
    images = get(doc, "images", (dict, list))
    if isinstance(images, list):
        if len(images) != 1 or not isinstance(images[0], dict):
            raise LabelError("images", "expected one image per label file")
        images = images[0]
    try:
        width, height = get(images, "width", int), get(images, "height", int)
    except LabelError as error:
        raise error.within("images") from None
    names = _categories(doc)
    annotations = []
    for n, ann in enumerate(get(doc, "annotations", list, required=False) or []):
        where = f"annotations[{n}]"
        if not isinstance(ann, dict):
            raise LabelError(where, "expected an object")
        category = next((ann[k] for k in ("damage", "category_name", "label", "class") if ann.get(k)), None)
        if category is None and "category_id" in ann:
            category = names.get(ann["category_id"], ann["category_id"])
        annotations.append(
            {
                "category": text(category),
                "bbox": box_xywh(ann.get("bbox"), f"{where}.bbox"),
                "polygons": _polygons(ann.get("segmentation"), f"{where}.segmentation"),
            }
        )
    return text(images.get("file_name")), width, height, annotations


def _kfashion(doc: dict[str, Any]) -> tuple[str | None, int, int, list[dict[str, Any]]]:
    info = get(doc, _KF_INFO, dict)
    width, height = get(doc, f"{_KF_INFO}.이미지 너비", int), get(doc, f"{_KF_INFO}.이미지 높이", int)
    detail = (
        doc.get("데이터셋 정보", {}).get("데이터셋 상세설명") if isinstance(doc.get("데이터셋 정보"), dict) else None
    )
    detail = detail if isinstance(detail, dict) else doc
    rects = get(detail, "렉트좌표", dict, required=False) or {}
    polys = get(detail, "폴리곤좌표", dict, required=False) or {}
    annotations = []
    for category in sorted(set(rects) | set(polys)):
        boxes, shapes = rects.get(category) or [], polys.get(category) or []
        if not isinstance(boxes, list) or not isinstance(shapes, list):
            raise LabelError(f"렉트좌표.{category}", "expected a list")
        for i in range(max(len(boxes), len(shapes))):
            rect = boxes[i] if i < len(boxes) and isinstance(boxes[i], dict) else {}
            shape = shapes[i] if i < len(shapes) and isinstance(shapes[i], dict) else {}
            if not rect and not shape:
                continue
            where = f"렉트좌표.{category}[{i}]"
            box = [number(get(rect, k, (int, float, str)), f"{where}.{k}") for k in ("X좌표", "Y좌표", "가로", "세로")]
            polygon = (numbered_points(shape, f"폴리곤좌표.{category}[{i}]") or []) if shape else []
            annotations.append(
                {"category": category, "bbox": box if rect else None, "polygons": [polygon] if polygon else []}
            )
    return text(info.get("이미지 파일명")), width, height, annotations


def _record(doc: Any, member: str) -> tuple[dict[str, Any], tuple[str, str]]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    if _KF_INFO in doc:
        file_name, width, height, annotations = _kfashion(doc)
        label_format, fields = "kfashion", (f"{_KF_INFO}.이미지 너비", f"{_KF_INFO}.이미지 높이")
    elif "images" in doc:
        file_name, width, height, annotations = _coco(doc)
        label_format, fields = "coco", ("images.width", "images.height")
    else:
        raise LabelError("images", f"missing (neither images/annotations nor '{_KF_INFO}')")
    boxes = [a["bbox"] for a in annotations if a["bbox"] is not None]
    polygons = [p for a in annotations for p in a["polygons"]]
    counted = box_stats(boxes, polygons, width, height)
    record = {
        "image_id": stem(file_name or member),
        "label_format": label_format,
        "file_name": file_name,
        "width": width,
        "height": height,
        "annotations": annotations,
        "annotation_count": len(annotations),
        "box_count": len(boxes),
        "polygon_count": len(polygons),
        "boxes_outside": counted.boxes_outside,
        "invalid_boxes": counted.invalid_boxes,
        "polygons_outside": counted.polygons_outside,
    }
    return record, fields


def read(archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` label of a vision label archive, each with its image."""
    max_pixels = stats.limits.max_image_pixels  # KDATA_MAX_IMAGE_PIXELS
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                record, fields = build(_record, doc, member)
            except LabelError as error:
                stats.add(Problem("schema", archive_rel, member, error.field or None, str(error)), invalid_label=True)
                continue
            image_id = record["image_id"]
            found = files.ref(image_id)
            key = image_id if found else stem(member)
            ref, data = files.fetch(key, stats, archive_rel, member, image_id, ref=found)
            path = ref.partition("!")[2] if ref else None
            fmt, valid = check_image(
                data,
                record["width"],
                record["height"],
                (archive_rel, member, ref or ""),
                fields,
                image_id,
                stats,
                max_pixels=max_pixels,
            )
            record.update(image=media(data, path), image_format=fmt, image_valid=valid, source_file=ref)
            yield finish_record(record, image_id, archive_rel, member, stats, label=doc)
