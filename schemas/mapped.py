"""The record schema of a mapped dataset, derived from its ``labels:`` block (declared once).

Columns, in order: the mapped fields (types from the field or its role; a field whose path collects
several values becomes a list), ``row_key`` when no field has role ``id``, the check columns the
roles ask for (``<bbox>__outside`` ...), ``media`` and ``image_valid`` when source files are embedded,
``label_json``, the provenance columns, then the quality columns every schema gets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyarrow as pa

from schemas.labels import FieldSpec, LabelMapping, wildcards
from schemas.records import LABEL_JSON, PROVENANCE_COLUMNS, Column, RecordSchema, get_record_schema

if TYPE_CHECKING:
    from schemas.manifest import DatasetManifest

__all__ = ["ROW_KEY", "MappedColumn", "MappedSchema", "mapped_schema", "mapped_schema_for", "record_schema_for"]

AUDIO_LENGTH_OK = "audio_length_ok"
"""A check column: the label's duration matches its audio file's (one label per audio file)."""

ENDS_IN_AUDIO = "ends_in_audio"
"""A check column: every ``end`` time of the record lies within its audio file (a segment ending at 99 s of a
3.6 s recording passed before)."""

AUDIO_LENGTH_TOLERANCE = (0.5, 0.05)
"""Seconds, and a share of the audio's length: the larger is the tolerance of :data:`AUDIO_LENGTH_OK`."""

ROW_KEY = "row_key"
"""The id column of a mapping without role ``id``: ``archive!member`` plus the record's position."""

_S, _I, _F, _B = pa.string(), pa.int64(), pa.float64(), pa.bool_()
_SCALARS: dict[str, pa.DataType] = {"string": _S, "int": _I, "float": _F, "bool": _B, "json": _S}
_BOX = pa.list_(_F)
_MEDIA = pa.struct([("bytes", pa.binary()), ("path", _S)])
_CHECKED_ROLES = frozenset(
    {"id", "class", "speaker", "language", "image_width", "image_height", "start", "end", "duration", "sensor_value"}
)
_EMBED_TYPES = frozenset({"image", "audio"})


@dataclass(frozen=True)
class MappedColumn:
    name: str
    spec: FieldSpec
    type: pa.DataType
    many: bool
    """The path collects several values per record (a wildcard the records path does not bind)."""


@dataclass(frozen=True)
class MappedSchema:
    """What the engine writes for a mapping: its fields, its derived columns and its record schema."""

    mapping: LabelMapping
    columns: tuple[MappedColumn, ...]
    id_column: str
    embed: bool
    check_image: bool
    record_schema: RecordSchema
    check_audio: bool = False

    def column(self, name: str) -> MappedColumn:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def role(self, role: str) -> list[MappedColumn]:
        return [c for c in self.columns if c.spec.role == role]


def _many(spec: FieldSpec, record_wildcards: int) -> bool:
    absolute, tokens = spec.tokens
    free = wildcards(tokens) - (record_wildcards if absolute else 0)
    return free > 0


def _arrow_type(spec: FieldSpec, many: bool) -> pa.DataType:
    kind = str(spec.column_type())
    if kind == "bbox":
        return pa.list_(_BOX)  # every box the value holds: one, a list, or lists per class
    if kind == "polygons":  # collected by [*]: each item's polygons (an object in several parts keeps its place)
        return pa.list_(pa.list_(pa.list_(_F))) if many else pa.list_(pa.list_(_F))
    if spec.role == "keypoints" and many:  # collected by [*]: each item's points (frames, views)
        return pa.list_(pa.list_(_F))
    if kind.startswith("list["):
        return pa.list_(_SCALARS[kind[5:-1]])
    base = _SCALARS[kind]
    return pa.list_(base) if many and kind != "json" else base


def _derived(columns: list[MappedColumn]) -> list[Column]:
    out: list[Column] = []
    for c in columns:
        if c.spec.role == "bbox":
            out.append(
                Column(
                    f"{c.name}__outside",
                    pa.int32(),
                    f"{c.name} 이미지 밖 박스 수",
                    "Boxes outside the image",
                    check=True,
                )
            )
            out.append(
                Column(
                    f"{c.name}__invalid", pa.int32(), f"{c.name} 면적 없는 박스 수", "Boxes without an area", check=True
                )
            )
        elif c.spec.role == "polygon":
            out.append(
                Column(
                    f"{c.name}__outside",
                    pa.int32(),
                    f"{c.name} 이미지 밖 폴리곤 수",
                    "Polygons outside the image",
                    check=True,
                )
            )
        elif c.spec.role == "text":
            out.append(Column(f"{c.name}__empty", pa.int32(), f"{c.name} 빈 텍스트 수", "Empty texts", check=True))
    if any(c.spec.role == "start" for c in columns) and any(c.spec.role == "end" for c in columns):
        out.append(Column("time_order_ok", _B, "시작 ≤ 종료, 시작 ≥ 0", "start ≤ end and start ≥ 0", check=True))
    return out


def listed_sources(mapping: LabelMapping) -> dict[str, bool]:
    """Source-role fields collected by ``[*]`` (a file naming a frame's every view: ``frames[*].view1.img_key``),
    each with whether it joins on the name's stem (else the value as is). The first found is the row's
    ``source_file``; each of the others names a source file that has its label too."""
    found: dict[str, bool] = {}
    for block in mapping.resolved().blocks:
        record_wildcards = wildcards(block.record_tokens)
        for field_name, spec in block.fields.items():
            if spec.role == "source" and _many(spec, record_wildcards):
                found.setdefault(field_name, spec.match == "stem")
    return found


def mapped_schema(mapping: LabelMapping, *, name: str, domain: str, data_type: str) -> MappedSchema:
    """The schema of ``mapping`` (resolved preset); ``ValueError`` when blocks disagree on a column."""
    resolved = mapping.resolved()
    found: dict[str, MappedColumn] = {}
    for block in resolved.blocks:
        record_wildcards = wildcards(block.record_tokens)
        for field_name, spec in block.fields.items():
            many = _many(spec, record_wildcards)
            column = MappedColumn(field_name, spec, _arrow_type(spec, many), many)
            known = found.setdefault(field_name, column)
            if known.type != column.type:
                raise ValueError(f"column {field_name!r} is {known.type} in one block and {column.type} in another")
    mapped = list(found.values())
    ids = [c for c in mapped if c.spec.role == "id"]
    id_column = ids[0].name if ids else ROW_KEY
    columns: list[Column] = []
    for c in mapped:
        scalar = not pa.types.is_list(c.type)
        check = scalar and (c.spec.role in _CHECKED_ROLES or c.name == id_column)
        doc_ko = c.spec.doc_ko or f"라벨 필드 {c.spec.path}" + (f" (역할 {c.spec.role})" if c.spec.role else "")
        doc_en = c.spec.doc_en or f"Label field {c.spec.path}" + (f" (role {c.spec.role})" if c.spec.role else "")
        columns.append(Column(c.name, c.type, doc_ko, doc_en, check=check))
    if not ids:
        columns.insert(
            0,
            Column(
                ROW_KEY,
                _S,
                "행 키 (라벨 압축파일!파일과 위치)",
                "Row key: label archive!member and the record's position",
                nullable=False,
                check=True,
            ),
        )
    columns.extend(_derived(mapped))
    per_file = all(b.records.strip() in ("$", "") for b in resolved.blocks)
    joins = any(c.spec.role == "source" for c in mapped) or per_file
    embed = data_type in _EMBED_TYPES and joins
    check_image = embed and data_type == "image"
    check_audio = embed and data_type == "audio"
    if embed:
        columns.append(
            Column(
                "media",
                _MEDIA,
                "원천 파일 (bytes, path)",
                "The source file: bytes and path in its archive",
                stored=data_type == "image",  # JPEG/PNG: compressed already (audio, often PCM, is not)
            )
        )
    if check_image:
        columns.append(
            Column(
                "image_valid",
                _B,
                "이미지 정상 (디코딩·크기 일치)",
                "Image decodes (and has the stated size)",
                check=True,
            )
        )
    if check_audio:
        columns.append(
            Column(
                "audio_valid",
                _B,
                "오디오 정상 (헤더·길이 일치)",
                "Audio reads (and holds as much sound as its header says)",
                check=True,
            )
        )
        if any(c.spec.role == "end" for c in mapped):
            columns.append(
                Column(
                    ENDS_IN_AUDIO,
                    _B,
                    "구간 끝 ≤ 오디오 길이",
                    "Every end time of the record is within its audio (0.5 s or 5 % tolerance)",
                    check=True,
                )
            )
        if per_file and any(c.spec.role == "duration" for c in mapped):
            columns.append(
                Column(
                    AUDIO_LENGTH_OK,
                    _B,
                    "라벨 길이 = 오디오 길이",
                    "The label's duration is the audio's (within 0.5 s or 5 %), one label per audio file",
                    check=True,
                )
            )
    columns.extend(
        (
            Column("source_file", _S, "원천 파일", "Source file (archive!member), null when missing", check=True),
            Column("label_archive", _S, "라벨 압축파일", "Label archive the record came from", check=True),
            Column("label_member", _S, "라벨 파일", "Label file inside the archive", check=True),
        )
    )
    content = tuple(c.name for c in columns if c.name not in (id_column, LABEL_JSON, *PROVENANCE_COLUMNS))
    schema = RecordSchema(
        name=name,
        domain=domain,
        id_column=id_column,
        columns=tuple(columns),
        doc_ko="라벨 매핑으로 읽은 레코드",
        doc_en="Records read by the dataset's label mapping",
        content_columns=content,
        batch_rows=64 if embed else 1024,
    )
    return MappedSchema(resolved, tuple(mapped), id_column, embed, check_image, schema, check_audio)


# -- a dataset's record schema: built-in, or derived from its labels: block -------------------------


def record_schema_for(manifest: DatasetManifest) -> RecordSchema:
    """The record schema a dataset's rows have: its built-in one, or the one its ``labels:`` derive."""
    if manifest.record_schema is not None:
        return get_record_schema(manifest.record_schema)
    return mapped_schema_for(manifest).record_schema


def mapped_schema_for(manifest: DatasetManifest) -> MappedSchema:
    """The mapped schema of a dataset with ``labels:`` (``ValueError`` when its blocks disagree)."""
    if manifest.labels is None:
        raise ValueError(f"{manifest.id}: no labels: mapping (record_schema {manifest.record_schema})")
    return mapped_schema(
        manifest.labels, name=manifest.schema_name, domain=manifest.domain, data_type=manifest.data_type
    )
