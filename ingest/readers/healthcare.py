"""Healthcare labels (shapes are a guess: no real label file was found, see AIHUB.md).

Imaging (``healthcare_imaging``): one JSON per image, joined to the PNG/JPEG of the same stem::

    {"study": {"study_id", "modality", "body_part", "study_date"}, "patient": {"sex", "age"},
     "image": {"file_name", "width", "height"},
     "findings": [{"finding", "code", "bbox": [x, y, w, h]}], "report": "판독문"}

Clinical notes (``healthcare_note``): one JSON per note, the note text in the source ``.txt``::

    {"note_id", "department", "note_type", "visit_date", "patient": {"sex", "age"},
     "diagnoses": [{"code", "name"}]}

Diagnosis codes are KCD (Korean Standard Classification of Diseases, ICD-10 based): a letter,
two digits and an optional dotted extension (``J18.9``, ``C34.90``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.jsonstream import JsonStreamError, decode_text
from ingest.problems import Problem, ReadStats
from ingest.readers._common import (
    LabelError,
    SourceFiles,
    box_xywh,
    build,
    finish_record,
    get,
    iter_json_labels,
    stem,
    text,
)
from ingest.readers._media import box_stats, check_image, media

__all__ = ["KCD_CODE", "read_imaging", "read_note"]

KCD_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9A-Z]{1,4})?$")
"""The shape of a KCD / ICD-10 code."""


def _invalid_codes(codes: list[str | None]) -> int:
    return sum(1 for c in codes if not (c and KCD_CODE.match(c)))


def _patient(doc: dict[str, Any]) -> dict[str, Any]:
    patient = get(doc, "patient", dict, required=False) or {}
    return {"patient_sex": text(patient.get("sex")), "patient_age": get(doc, "patient.age", int, required=False)}


def _imaging_record(doc: Any, member: str) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    study = get(doc, "study", dict)
    image = get(doc, "image", dict)
    findings: list[dict[str, Any]] = []
    for n, item in enumerate(get(doc, "findings", list, required=False) or []):
        if not isinstance(item, dict):
            raise LabelError(f"findings[{n}]", "expected an object")
        findings.append(
            {
                "finding": text(item.get("finding")),
                "code": text(item.get("code")),
                "bbox": box_xywh(item.get("bbox"), f"findings[{n}].bbox"),
            }
        )
    width, height = get(doc, "image.width", int), get(doc, "image.height", int)
    counted = box_stats([f["bbox"] for f in findings if f["bbox"] is not None], [], width, height)
    file_name = text(image.get("file_name"))
    return {
        "study_id": str(get(doc, "study.study_id", (str, int))),
        "modality": text(study.get("modality")),
        "body_part": text(study.get("body_part")),
        **_patient(doc),
        "file_name": file_name,
        "width": width,
        "height": height,
        "findings": findings,
        "finding_count": len(findings),
        "invalid_codes": _invalid_codes([f["code"] for f in findings]),
        "boxes_outside": counted.boxes_outside,
        "invalid_boxes": counted.invalid_boxes,
        "report_text": text(doc.get("report")),
    }


def _schema_problem(stats: ReadStats, archive_rel: str, member: str, error: LabelError) -> None:
    stats.add(Problem("schema", archive_rel, member, error.field or None, str(error)), invalid_label=True)


def read_imaging(
    archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats
) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` finding of a medical imaging label archive, each with its image."""
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                record = build(_imaging_record, doc, member)
            except LabelError as error:
                _schema_problem(stats, archive_rel, member, error)
                continue
            study_id = record["study_id"]
            key = stem(record["file_name"] or member)
            ref, data = files.fetch(key if files.ref(key) else stem(member), stats, archive_rel, member, study_id)
            fmt, valid = check_image(
                data,
                record["width"],
                record["height"],
                (archive_rel, member, ref or ""),
                ("image.width", "image.height"),
                study_id,
                stats,
            )
            record.update(
                image=media(data, ref.partition("!")[2] if ref else None),
                image_format=fmt,
                image_valid=valid,
                source_file=ref,
            )
            yield finish_record(record, study_id, archive_rel, member, stats, label=doc)


def _note_record(doc: Any) -> dict[str, Any]:
    if not isinstance(doc, dict):
        raise LabelError("", "expected an object")
    diagnoses = []
    for n, item in enumerate(get(doc, "diagnoses", list, required=False) or []):
        if not isinstance(item, dict):
            raise LabelError(f"diagnoses[{n}]", "expected an object")
        diagnoses.append({"code": text(item.get("code")), "name": text(item.get("name"))})
    return {
        "note_id": str(get(doc, "note_id", (str, int))),
        "department": text(doc.get("department")),
        "note_type": text(doc.get("note_type")),
        "visit_date": text(doc.get("visit_date")),
        **_patient(doc),
        "diagnoses": diagnoses,
        "code_count": len(diagnoses),
        "invalid_codes": _invalid_codes([d["code"] for d in diagnoses]),
    }


def read_note(
    archive: Path, archive_rel: str, sources: Mapping[str, str], stats: ReadStats
) -> Iterator[dict[str, Any]]:
    """Records of every ``.json`` of a clinical-note label archive, with the note text from its source."""
    with SourceFiles(archive, archive_rel, sources, stats.limits) as files:
        for member, doc in iter_json_labels(archive, archive_rel, stats):
            try:
                record = build(_note_record, doc)
            except LabelError as error:
                _schema_problem(stats, archive_rel, member, error)
                continue
            note_id = record["note_id"]
            key = note_id if files.ref(note_id) else stem(member)
            ref, data = files.fetch(key, stats, archive_rel, member, note_id)
            note: str | None = None
            if data is not None:
                try:
                    note = decode_text(data)[0]
                except JsonStreamError as error:
                    problem = Problem("source_unreadable", archive_rel, member, None, f"{ref}: {error}", note_id)
                    stats.add(problem, invalid_label=False)  # the record stays, without its note's text
            record.update(text=note, text_length=None if note is None else len(note.strip()), source_file=ref)
            yield finish_record(record, note_id, archive_rel, member, stats, label=doc)
