"""Label values into column values: types, and the shapes roles normalise (boxes, polygons, keypoints).

Every error is a :class:`~ingest.readers._common.LabelError` naming the column: the record is a
schema problem (reported, skipped), never a crash of the archive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

import orjson

from ingest.mapping.paths import Many
from ingest.readers._common import INT64_MAX, INT64_MIN, POINT_KEY, LabelError, numbered_points
from schemas.mapped import MappedColumn

__all__ = ["CLOCK_TEXT", "box_key_sets", "convert", "flat_polygons", "polygon_point_keys", "to_box"]

_INT_TEXT = re.compile(r"\s*[-+]?[0-9]{1,19}\s*")
_FLOAT_TEXT = re.compile(r"\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?\s*")
_TRUE = frozenset({"true", "t", "yes", "y", "1", "예", "참"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "아니오", "거짓"})
_BOX_KEYS = {
    "xywh": (("x", "y", "w", "h"), ("x", "y", "width", "height"), ("left", "top", "width", "height"),
             ("x좌표", "y좌표", "가로", "세로"), ("xmin", "ymin", "width", "height")),
    "xyxy": (("x1", "y1", "x2", "y2"), ("xmin", "ymin", "xmax", "ymax"), ("left", "top", "right", "bottom"),
             ("minx", "miny", "maxx", "maxy"), ("xtl", "ytl", "xbr", "ybr")),
    "cxcywh": (("cx", "cy", "w", "h"), ("cx", "cy", "width", "height"), ("x_center", "y_center", "width", "height")),
}  # fmt: skip


def box_key_sets() -> list[frozenset[str]]:
    """The key sets (lower case) an object must hold for :func:`to_box` to read it as a box by itself."""
    return [frozenset(keys) for sets in _BOX_KEYS.values() for keys in sets]


def polygon_point_keys(keys: Iterable[Any]) -> list[str]:
    """The keys of numbered points past a box's two corners (``x3``, ``Y좌표5`` ...): an object holding any is
    a polygon, never a box, however its first two points would read as one."""
    return sorted(str(k) for k in keys if (m := POINT_KEY.match(str(k))) and int(m[2]) > 2)


def _json_text(value: Any) -> str:
    return orjson.dumps(value).decode()


def _string(value: Any, field: str) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float) or value is None:
        return _json_text(value)
    return _json_text(value)  # an object or list where text was expected: kept whole, as JSON


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise LabelError(field, "expected an integer, got a boolean")
    if (isinstance(value, float) and value.is_integer()) or (isinstance(value, str) and _INT_TEXT.fullmatch(value)):
        value = int(value)
    if not isinstance(value, int):
        raise LabelError(field, f"expected an integer, got {type(value).__name__}")
    if not INT64_MIN <= value <= INT64_MAX:
        raise LabelError(field, "integer out of the 64-bit range")
    return value


def _float(value: Any, field: str) -> float:
    if isinstance(value, bool):
        raise LabelError(field, "expected a number, got a boolean")
    if isinstance(value, str) and _FLOAT_TEXT.fullmatch(value):
        value = float(value)
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        raise LabelError(field, "number out of range")
    if not isinstance(value, int | float):
        raise LabelError(field, f"expected a number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise LabelError(field, "expected a finite number")
    return value


def _bool(value: Any, field: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise LabelError(field, f"expected true or false, got {type(value).__name__}")


_SCALAR = {"string": _string, "int": _int, "float": _float, "bool": _bool}


def _scalar(kind: str, value: Any, field: str) -> Any:
    if value is None:
        return None
    if kind == "json":
        return _json_text(value)
    if kind != "string" and isinstance(value, str) and not value.strip():
        return None  # an empty cell (CSV, XML text, "" in JSON) holds no number: null, which not-null checks count
    return _SCALAR[kind](value, field)


def _list(kind: str, value: Any, field: str) -> list[Any]:
    """A ``list[kind]`` value; a null (or an empty cell where a number is meant) keeps its place, so that an
    extractive summary's ``[0, null, 3]`` and lists collected by ``[*]`` stay aligned item by item. A text
    holding a JSON array is that array where the items are numbers or booleans (a CSV cell ``"[2.899, 0.863,
    ...]"``: a crimping wave's readings); a text item stays one text (``"[공지] ..."``)."""
    if kind != "string" and isinstance(value, str) and value.lstrip().startswith("["):
        try:
            parsed = orjson.loads(value)
        except orjson.JSONDecodeError:
            parsed = None  # not JSON: the item's conversion names the field
        if isinstance(parsed, list):
            value = parsed
    items = value if isinstance(value, list) else [value]
    out = []
    for n, item in enumerate(items):
        if isinstance(item, list):  # nested one level deeper: flattened
            out.extend(_list(kind, item, f"{field}[{n}]"))
        else:
            out.append(_scalar(kind, item, f"{field}[{n}]"))
    return out


# -- roles -----------------------------------------------------------------------------------------


def _numbers(value: Any, field: str) -> list[float]:
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise LabelError(field, "expected a list of numbers")
    out: list[float] = []
    for n, item in enumerate(value):
        if isinstance(item, list | dict):
            out.extend(_numbers(item, f"{field}[{n}]"))
        else:
            out.append(_float(item, f"{field}[{n}]"))
    return out


_POINT_ORDER = ("x", "y", "z", "v", "visible", "visibility", "c", "score", "conf", "confidence")
"""A point object's coordinates in the order a row keeps them, whatever order the label wrote them in."""


def _point_keys(value: Any) -> dict[str, Any] | None:
    """A point object's keys lower-cased (``{"Y": 2, "X": 1}``), or ``None`` when it is no point (no x and y)."""
    if not isinstance(value, dict):
        return None
    lowered = {str(k).lower().lstrip("@"): v for k, v in value.items()}
    return lowered if "x" in lowered and "y" in lowered else None


def _named_points(value: dict[str, Any], field: str, names: list[str]) -> list[float | None]:
    """Named points in the order of ``names``, each as wide as the widest of the row: its coordinates by name
    (``x``, ``y``, then ``z``, ``v`` ... as any point has them) or, for a list point, by position; a joint the
    label lacks (or ``null``) is nulls. A row without any point is ``len(names)`` points of x and y."""
    extra = [str(k) for k in value if k not in names]
    if extra:
        raise LabelError(
            field,
            f"joint {extra[0]!r} is not among the field's keys ({len(names)} joints): add it to keys: in dataset.yaml",
        )
    points = [value.get(name) for name in names]
    keyed = [_point_keys(p) for p in points]
    dims = [k for k in _POINT_ORDER if any(k in p for p in keyed if p is not None)] or ["x", "y"]
    width = max([len(dims), *(len(p) for p in points if isinstance(p, list))])
    out: list[float | None] = []
    for name, point, keys in zip(names, points, keyed, strict=True):
        where = f"{field}.{name}"
        if keys is not None:
            row = [None if keys.get(k) is None else _float(keys[k], f"{where}.{k}") for k in dims]
        elif isinstance(point, list):
            row = [None if v is None else _float(v, f"{where}[{n}]") for n, v in enumerate(point)]
        elif point is None:
            row = []
        else:
            raise LabelError(where, "expected a point ({x, y} or [x, y])")
        out.extend(row + [None] * (width - len(row)))
    return out


def _keypoints(value: Any, field: str, names: list[str] | None = None) -> list[float | None]:
    """Keypoints as one flat list; a point not labelled (``"eye": null``, ``{x: null, y: null}``) keeps its
    place as nulls, as many as each other point has numbers, so point ``i`` stays at its index. Named points
    (``{"Nose": {x, y}, "Left Eye": {x, y}, ...}``) come in the order of ``names`` (the field's ``keys:``,
    :func:`_named_points`): in the label's own order, one missing joint moved every later one onto the wrong
    joint. A point object's coordinates are read by name (``{"y": 2, "x": 1}`` is x 1, y 2)."""
    if isinstance(value, dict) and names is not None:
        return _named_points(value, field, names)
    keys = _point_keys(value)
    if keys is not None:
        value = [keys[k] for k in _POINT_ORDER if k in keys]
    elif isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise LabelError(field, "expected a list of numbers")
    parts: list[list[float | None] | None] = []
    width = 1  # a flat list's null is one number; a null point is as wide as the first point
    for n, item in enumerate(value):
        if item is None:
            parts.append(None)
        elif isinstance(item, list | dict):
            point = _keypoints(item, f"{field}[{n}]")
            width = width if any(parts) else len(point) or 1
            parts.append(point)
        else:
            parts.append([_float(item, f"{field}[{n}]")])
    return [x for p in parts for x in (p if p is not None else [None] * width)]


def to_box(value: Any, column: MappedColumn, field: str) -> list[float] | None:
    """A box as ``[x, y, w, h]`` (in the label's units) from a list of four numbers or an object."""
    spec = column.spec
    if value in (None, [], {}):
        return None
    if isinstance(value, dict):
        # an XML element's attributes are its keys too (CVAT: <box xtl= ...> read as "@xtl")
        lowered = {str(k).strip().lower().removeprefix("@"): v for k, v in value.items()}
        keys = [k.lower().removeprefix("@") for k in spec.keys] if spec.keys else None
        formats = [spec.format] + [f for f in _BOX_KEYS if f != spec.format]
        candidates = [(spec.format, tuple(keys))] if keys else [(f, c) for f in formats for c in _BOX_KEYS[f]]
        match = next(((f, c) for f, c in candidates if all(k in lowered for k in c)), None)
        if match is None:
            raise LabelError(field, f"no box keys ({spec.format}) in {sorted(lowered)[:8]}; name them with keys:")
        box_format, names = match
        points = polygon_point_keys(value)
        if points:  # x1, y1 ... x3, y3: a polygon's numbered points, not a box's two corners
            raise LabelError(field, f"numbered points {points[:4]} beside the box keys: a polygon (role: polygon)")
        numbers = [_float(lowered[k], f"{field}.{k}") for k in names]
        return _as_xywh(numbers, box_format)
    else:
        numbers = _numbers(value, field)
    if len(numbers) != 4:
        raise LabelError(field, f"expected 4 numbers for a box, got {len(numbers)}")
    return _as_xywh(numbers, spec.format)


def _as_xywh(numbers: list[float], box_format: str) -> list[float]:
    a, b, c, d = numbers
    if box_format == "xyxy":
        return [a, b, c - a, d - b]
    if box_format == "cxcywh":
        return [a - c / 2, b - d / 2, c, d]
    return numbers


def _boxes(value: Any, column: MappedColumn, field: str) -> list[list[float]]:
    """Every box in a value: one box (four numbers, or an object with box keys), a list of boxes, or an
    object of lists of boxes per class (K-Fashion's ``렉트좌표: {아우터: [{X좌표, Y좌표, 가로, 세로}]}``)."""
    if value in (None, [], {}):
        return []
    if isinstance(value, list) and len(value) == 4 and all(_is_number(v) for v in value):
        box = to_box(value, column, field)
        return [box] if box else []
    if isinstance(value, dict):
        if polygon_point_keys(value):
            return [to_box(value, column, field) or []]  # refused: numbered polygon points, says so
        try:
            box = to_box(value, column, field)
        except LabelError:
            return [b for k, v in value.items() for b in _boxes(v, column, f"{field}.{k}")]
        return [box] if box else []
    if isinstance(value, list):
        return [b for n, v in enumerate(value) for b in _boxes(v, column, f"{field}[{n}]")]
    raise LabelError(field, f"expected a box, got {type(value).__name__}")


def _per_item(shapes: list[list[list[float]]]) -> list[list[float] | None]:
    """The boxes of a collected ``[*]`` path, one per item, null where an item has none: aligned with the
    other ``[*]`` columns (fire CCTV: ``annotations[{class, box}|{class, polygon}]``; dropping the empty
    ones gave ``class[i]`` another object's box). Items holding several boxes cannot align: all of them,
    in order (polygons keep each item's list: an object in several parts is common there)."""
    if all(len(found) <= 1 for found in shapes):
        return [found[0] if found else None for found in shapes]
    return [shape for found in shapes for shape in found]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def flat_polygons(value: Any, field: str) -> list[list[float]]:
    """Polygons as flat ``[x1, y1, x2, y2, ...]`` lists from any nesting: points ``[[x, y], ...]``, flat
    ``[x1, y1, ...]``, one level deeper ``[[[x, y], ...], ...]`` (COCO-like), point objects ``{x, y}``,
    parallel coordinate lists ``{x: [x1, ...], y: [y1, ...]}`` (OCR quadrilaterals), or numbered keys
    ``X좌표1``/``Y좌표1``, or a text of numbers (``"x1,y1,x2,y2,..."``, satellite labels' ``object_imcoords``).
    Empty entries (``{}``, ``[]``, ``""``, ``"EMPTY"``) and a COCO crowd's RLE mask (``{counts, size}``: a
    mask, not a polygon; ``label_json`` keeps it) are no polygon."""
    if value in (None, [], {}):
        return []
    if isinstance(value, str):
        return _polygon_text(value, field)
    if isinstance(value, dict) and {"counts", "size"} <= {str(k).lower() for k in value}:
        return []
    if isinstance(value, dict):
        numbered = numbered_points(value, field)
        if numbered is not None:
            return [numbered] if numbered else []
        lowered = {str(k).lower().lstrip("@"): v for k, v in value.items()}  # XML attributes: @X, @Y
        if "x" in lowered and "y" in lowered:
            xs, ys = lowered["x"], lowered["y"]
            if isinstance(xs, list) and isinstance(ys, list):  # OCR's {x: [x1..x4], y: [y1..y4]}: one polygon
                if len(xs) != len(ys):
                    raise LabelError(field, f"{len(xs)} x and {len(ys)} y coordinates: a polygon needs pairs")
                points = [_float(c, f"{field}.{a}[{n}]") for n, pair in enumerate(zip(xs, ys, strict=True))
                          for a, c in zip("xy", pair, strict=True)]  # fmt: skip
                return [points] if points else []
            return [[_float(xs, f"{field}.x"), _float(ys, f"{field}.y")]]
        for key in ("points", "segmentation", "polygon", "coordinates", "폴리곤좌표"):
            if key in lowered:
                return flat_polygons(lowered[key], f"{field}.{key}")
        # an object of polygons per class (K-Fashion's 폴리곤좌표: {아우터: [{X좌표1, Y좌표1, ...}]})
        return [p for k, v in value.items() for p in flat_polygons(v, f"{field}.{k}")]
    if not isinstance(value, list):
        raise LabelError(field, "expected a polygon (a list of points)")
    if all(_is_number(v) for v in value):
        return [[_float(v, f"{field}[{n}]") for n, v in enumerate(value)]]
    if all(isinstance(v, list) and len(v) == 2 and all(_is_number(x) for x in v) for v in value):
        return [[_float(x, f"{field}[{n}]") for n, point in enumerate(value) for x in point]]
    if all(isinstance(v, dict) and _point_object(v) for v in value):
        return [[c for n, v in enumerate(value) for c in _point_object(v, f"{field}[{n}]")]]
    out: list[list[float]] = []
    for n, item in enumerate(value):
        out.extend(flat_polygons(item, f"{field}[{n}]"))
    return out


_NO_POLYGON_TEXT = frozenset({"", "EMPTY", "NONE", "NULL", "NAN"})


def _polygon_text(value: str, field: str) -> list[list[float]]:
    """``"x1,y1,x2,y2,..."`` (commas and/or spaces) as one polygon; ``""``/``"EMPTY"`` as none."""
    text = value.strip()
    if text.upper() in _NO_POLYGON_TEXT:
        return []
    parts = [p for p in re.split(r"[,\s]+", text.strip("[]() ")) if p]
    if len(parts) < 6 or len(parts) % 2:
        raise LabelError(field, f"expected a polygon (x, y pairs), got text {text[:40]!r}")
    return [[_float(p, f"{field}[{n}]") for n, p in enumerate(parts)]]


def _point_object(value: dict[str, Any], field: str | None = None) -> list[float]:
    """``[x, y]`` of a point object (``{x, y}``, ``{x, y, z, v}``; XML attributes ``{@Order, @X, @Y}`` as
    ASAP pathology annotations write them), ``[]`` for any other object."""
    lowered = {str(k).lower().lstrip("@"): v for k, v in value.items()}
    if set(lowered) - {"x", "y", "z", "v", "visible", "order"} or "x" not in lowered or "y" not in lowered:
        return []
    return [_float(lowered["x"], f"{field}.x"), _float(lowered["y"], f"{field}.y")] if field else [0.0, 0.0]


CLOCK_TEXT = re.compile(r"\s*(?:(\d{1,3}):)?([0-5]?\d):([0-5]?\d(?:\.\d+)?)\s*")
"""A time written as a clock, ``HH:MM:SS(.f)`` or ``MM:SS(.f)``."""


def _clock_seconds(value: Any) -> Any:
    """``"00:02:08.9"`` → ``128.9`` (seconds); anything else as it is."""
    if isinstance(value, str) and (found := CLOCK_TEXT.fullmatch(value)):
        hours, minutes, seconds = found.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return value


def convert(column: MappedColumn, value: Any, field: str) -> Any:
    """The column value of one label value (``Many`` for collected paths); ``None`` stays null."""
    spec = column.spec
    role = spec.role
    if role == "bbox":
        if isinstance(value, Many):
            return _per_item([_boxes(v, column, f"{field}[{n}]") for n, v in enumerate(value)])
        return _boxes(value, column, field)
    if role == "polygon":
        if isinstance(value, Many):  # one entry per item, its polygons (several: an object in parts), null if none
            return [flat_polygons(v, f"{field}[{n}]") or None for n, v in enumerate(value)]
        return flat_polygons(value, field)
    if role == "keypoints":
        names = spec.keys
        if isinstance(value, Many):  # one entry per item (a frame's, a view's), null where an item has none
            return [_keypoints(v, f"{field}[{n}]", names) if v is not None else None for n, v in enumerate(value)]
        return _keypoints(value, field, names) if value is not None else None
    if role in ("start", "end", "duration"):  # "00:02:08.9" (a video's clock) is 128.9 seconds
        many = isinstance(value, list)
        value = type(value)(_clock_seconds(v) for v in value) if many else _clock_seconds(value)
    kind = str(spec.column_type())
    if kind.startswith("list["):
        return _list(kind[5:-1], value, field)
    if isinstance(value, Many):
        if kind == "json":
            return _json_text(list(value))
        # keep nulls: lists collected by one [*] stay aligned item by item with the other [*] columns
        return [_scalar(kind, v, f"{field}[{n}]") for n, v in enumerate(value)]
    if isinstance(value, list) and kind not in ("json", "string"):
        if len(value) == 1:
            value = value[0]  # ["3"] where a number was expected: a list of one
        else:
            raise LabelError(field, f"expected one {kind}, got a list of {len(value)}")
    return _scalar(kind, value, field)
