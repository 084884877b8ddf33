"""Manufacturing labels on AI Hub's three-block shape (a guess: no real label file was found).

Keys are compared loosely (case, trailing dot: ``Learning_Data_Info.`` is ``learning_data_info``).

Sensor series (``manufacturing_sensor``): one JSON per series file, joined by stem to a CSV with a
``timestamp`` column and one column per sensor, units in brackets (``temperature(°C)``)::

    {"raw_data_info": {"equipment_id", "equipment_name", ...},
     "source_data_info": {"source_data_name", "row_count", "sampling_interval_sec",
                          "sensors": [{"name", "unit"}]},
     "learning_data_info": [{"class_name": "정상" | "이상",
                             "class_info_list": [{"anomaly_type", "sensor", "start_time", "end_time"}]}]}

Defect images (``manufacturing_defect``): one JSON per image::

    {"raw_data_info": {"equipment_name", "product"},
     "source_data_info": {"source_data_name", "resolution": [w, h]},
     "learning_data_info": [{"class_name", "class_info_list": [{"class_id", "type_value": [x1, y1, x2, y2]}]}]}

or the variant ``"Learning_Data_Info.": {"Annotations": [{"Class_ID", "Type_value": [x1, y1, x2, y2]}]}``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.jsonstream import JsonStreamError, decode_text
from ingest.problems import Problem, ReadStats
from ingest.readers._common import (
    INT64_MAX,
    INT64_MIN,
    LabelError,
    SourceFiles,
    build,
    finish_record,
    get,
    iter_json_labels,
    norm_keys,
    number,
    stem,
    text,
)
from ingest.readers._media import box_stats, check_image, media

__all__ = ["SensorTable", "parse_sensor_csv", "read_defect", "read_sensor"]

_UNIT = re.compile(r"^\s*(?P<name>[^()\[\]]+?)\s*[(\[](?P<unit>[^()\[\]]*)[)\]]\s*$")
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y%m%d%H%M%S")


def _time(value: Any, where: str) -> dt.datetime:
    raw = str(value).strip()
    for fmt in _TIME_FORMATS:
        try:
            return dt.datetime.strptime(raw, fmt)
        except ValueError:
            continue
    raise LabelError(where, f"not a timestamp: {raw[:40]!r}")


def _time_field(info: dict[str, Any], key: str, where: str) -> dt.datetime:
    if info.get(key) is None:
        raise LabelError(f"{where}.{key}", "missing")
    return _time(info[key], f"{where}.{key}")


@dataclass
class SensorTable:
    """A parsed sensor CSV: timestamps, channel names, units and readings (``None`` = missing)."""

    timestamps: list[dt.datetime] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    units: list[str | None] = field(default_factory=list)
    values: list[list[float | None]] = field(default_factory=list)
    missing: int = 0


def parse_sensor_csv(data: bytes) -> SensorTable:
    """Parse a sensor CSV (UTF-8 or CP949); ``LabelError`` naming the row and column on bad input."""
    try:
        content = decode_text(data)[0]
    except JsonStreamError as error:
        raise LabelError("csv", str(error)) from None
    rows = csv.reader(io.StringIO(content))
    header = next(rows, None)
    if not header or header[0].strip().lower() not in ("timestamp", "time", "측정시각", "시간"):
        raise LabelError("csv.header", "the first column must be the timestamp")
    table = SensorTable()
    for column in header[1:]:
        match = _UNIT.match(column)
        table.names.append(match["name"] if match else column.strip())
        table.units.append(match["unit"] if match else None)
        table.values.append([])
    for line, row in enumerate(rows, 2):
        if not row:
            continue
        if len(row) != len(header):
            raise LabelError(f"csv.line{line}", f"expected {len(header)} columns, got {len(row)}")
        table.timestamps.append(_time(row[0], f"csv.line{line}.timestamp"))
        for index, cell in enumerate(row[1:]):
            try:
                table.values[index].append(float(cell) if cell.strip() else None)
            except ValueError:
                table.values[index].append(None)
            if table.values[index][-1] is None:
                table.missing += 1
    return table


def _anomalies(learning: Any) -> tuple[str | None, list[dict[str, Any]]]:
    if not isinstance(learning, list):
        raise LabelError("learning_data_info", "expected a list of classes")
    label: str | None = None
    segments = []
    for n, cls in enumerate(learning):
        if not isinstance(cls, dict):
            raise LabelError(f"learning_data_info[{n}]", "expected an object")
        label = text(cls.get("class_name")) if label in (None, "정상") else label
        for m, info in enumerate(get(cls, "class_info_list", list, required=False) or []):
            where = f"learning_data_info[{n}].class_info_list[{m}]"
            if not isinstance(info, dict):
                raise LabelError(where, "expected an object")
            segments.append(
                {
                    "start": _time_field(info, "start_time", where),
                    "end": _time_field(info, "end_time", where),
                    "anomaly_type": text(info.get("anomaly_type")),
                    "sensor": text(info.get("sensor")),
                }
            )
    return label, segments


def _sensor_label(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    raw = get(doc, "raw_data_info", dict)
    source = get(doc, "source_data_info", dict)
    sensors = get(doc, "source_data_info.sensors", list, required=False) or []
    declared_units = {str(s.get("name")): text(s.get("unit")) for s in sensors if isinstance(s, dict)}
    label, segments = _anomalies(get(doc, "learning_data_info", list))
    return {
        "equipment_id": text(raw.get("equipment_id")),
        "equipment_name": text(raw.get("equipment_name")),
        "sampling_interval": get(doc, "source_data_info.sampling_interval_sec", float, required=False),
        "declared_row_count": get(doc, "source_data_info.row_count", int, required=False),
        "source_data_name": text(source.get("source_data_name")),
        "label": label,
        "anomalies": segments,
        "anomaly_count": len(segments),
        "_units": declared_units,
    }


def _series_columns(
    table: SensorTable | None, units: dict[str, str | None], anomalies: list[dict[str, Any]]
) -> dict[str, Any]:
    if table is None:
        empty = ("start_time", "end_time", "timestamps", "channels", "channel_count", "row_count", "missing_values")
        return {
            **dict.fromkeys(empty),
            "unit_mismatches": None,
            "unordered_timestamps": None,
            "anomalies_outside": None,
        }
    stamps = table.timestamps
    first, last = (stamps[0], stamps[-1]) if stamps else (None, None)
    outside = sum(
        1
        for a in anomalies
        if first is None or last is None or a["start"] < first or a["end"] > last or a["start"] > a["end"]
    )
    return {
        "start_time": first,
        "end_time": last,
        "timestamps": stamps,
        "channels": [
            {"name": n, "unit": u, "values": v} for n, u, v in zip(table.names, table.units, table.values, strict=True)
        ],
        "channel_count": len(table.names),
        "row_count": len(stamps),
        "missing_values": table.missing,
        "unit_mismatches": sum(
            1 for n, u in zip(table.names, table.units, strict=True) if n in units and units[n] != u
        ),
        "unordered_timestamps": sum(1 for a, b in itertools.pairwise(stamps) if b <= a),
        "anomalies_outside": outside,
    }


def read_sensor(
    archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats
) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` series label, each with the readings of its CSV."""
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                label = build(_sensor_label, build(norm_keys, doc))
            except LabelError as error:
                stats.add(Problem("schema", archive_rel, member, error.field or None, str(error)), invalid_label=True)
                continue
            series_id = stem(label.pop("source_data_name") or member)
            units = label.pop("_units")
            ref, data = files.fetch(
                series_id if files.ref(series_id) else stem(member), stats, archive_rel, member, series_id
            )
            table = None
            if data is not None:
                try:
                    table = parse_sensor_csv(data)
                except LabelError as error:
                    stats.add(
                        Problem("source", archive_rel, member, error.field, f"{ref}: {error}", series_id),
                        invalid_label=False,
                    )
            record = {
                "series_id": series_id,
                **label,
                **_series_columns(table, units, label["anomalies"]),
                "source_file": ref,
            }
            yield finish_record(record, series_id, archive_rel, member, stats, label=doc)


def _defects(learning: Any) -> list[dict[str, Any]]:
    """Both the class list and the ``{annotations: [{class_id, type_value}]}`` variant; boxes → [x, y, w, h]."""
    entries: list[tuple[str, Any, dict[str, Any]]] = []
    if isinstance(learning, dict) and isinstance(learning.get("annotations"), list):
        for n, ann in enumerate(learning["annotations"]):
            if not isinstance(ann, dict):
                raise LabelError(f"learning_data_info.annotations[{n}]", "expected an object")
            entries.append((f"learning_data_info.annotations[{n}]", ann.get("class_name") or ann.get("class_id"), ann))
    elif isinstance(learning, list):
        for n, cls in enumerate(learning):
            if not isinstance(cls, dict):
                raise LabelError(f"learning_data_info[{n}]", "expected an object")
            for m, info in enumerate(get(cls, "class_info_list", list, required=False) or []):
                entries.append((f"learning_data_info[{n}].class_info_list[{m}]", cls.get("class_name"), info))
    else:
        raise LabelError("learning_data_info", "expected a list of classes or {annotations: [...]}")
    defects = []
    for where, name, info in entries:
        if not isinstance(info, dict):
            raise LabelError(where, "expected an object")
        coords = info.get("type_value")
        if not isinstance(coords, list) or len(coords) != 4:
            raise LabelError(f"{where}.type_value", "expected [x1, y1, x2, y2]")
        x1, y1, x2, y2 = (number(v, f"{where}.type_value[{i}]") for i, v in enumerate(coords))
        defects.append(
            {
                "class_name": text(name),
                "class_id": info["class_id"] if _int64(info.get("class_id")) else None,
                "bbox": [x1, y1, x2 - x1, y2 - y1],
            }
        )
    return defects


def _int64(value: Any) -> bool:
    """An integer (not a bool) a record's int64 column can hold."""
    return isinstance(value, int) and not isinstance(value, bool) and INT64_MIN <= value <= INT64_MAX


def _defect_label(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    raw = get(doc, "raw_data_info", dict)
    source = get(doc, "source_data_info", dict)
    resolution = source.get("resolution")
    if isinstance(resolution, list) and len(resolution) == 2:
        width, height = (int(number(v, f"source_data_info.resolution[{i}]")) for i, v in enumerate(resolution))
        if not (_int64(width) and _int64(height)):
            raise LabelError("source_data_info.resolution", "integer out of the 64-bit range")
    else:
        width, height = get(doc, "source_data_info.width", int), get(doc, "source_data_info.height", int)
    defects = _defects(get(doc, "learning_data_info", (list, dict)))
    counted = box_stats([d["bbox"] for d in defects], [], width, height)
    return {
        "equipment_name": text(raw.get("equipment_name")),
        "product": text(raw.get("product")),
        "file_name": text(source.get("source_data_name")),
        "width": width,
        "height": height,
        "defects": defects,
        "defect_count": len(defects),
        "label": "불량" if defects else "정상",
        "boxes_outside": counted.boxes_outside,
        "invalid_boxes": counted.invalid_boxes,
    }


def read_defect(
    archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats
) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` defect label, each with its image."""
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                record = build(_defect_label, build(norm_keys, doc))
            except LabelError as error:
                stats.add(Problem("schema", archive_rel, member, error.field or None, str(error)), invalid_label=True)
                continue
            image_id = stem(record["file_name"] or member)
            ref, data = files.fetch(
                image_id if files.ref(image_id) else stem(member), stats, archive_rel, member, image_id
            )
            fmt, valid = check_image(
                data,
                record["width"],
                record["height"],
                (archive_rel, member, ref or ""),
                ("source_data_info.resolution[0]", "source_data_info.resolution[1]"),
                image_id,
                stats,
            )
            record.update(
                image_id=image_id,
                image=media(data, ref.partition("!")[2] if ref else None),
                image_format=fmt,
                image_valid=valid,
                source_file=ref,
            )
            yield finish_record(record, image_id, archive_rel, member, stats, label=doc)
