"""Readers turn one label archive into records of a record schema.

Each reader is a function ``read(archive_path, archive_rel, sources, stats) -> Iterator[dict]``
registered here under its record schema's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from ingest.problems import ReadStats
from ingest.readers import healthcare, korean_dialogue, korean_speech, korean_summary, manufacturing, vision_image

__all__ = ["READERS", "Reader", "get_reader"]

Reader = Callable[[Path, str, Mapping[str, str], ReadStats], Iterator[dict[str, Any]]]

READERS: dict[str, Reader] = {
    "korean_dialogue": korean_dialogue.read,
    "korean_summary": korean_summary.read,
    "korean_speech": korean_speech.read,
    "vision_image": vision_image.read,
    "healthcare_imaging": healthcare.read_imaging,
    "healthcare_note": healthcare.read_note,
    "manufacturing_sensor": manufacturing.read_sensor,
    "manufacturing_defect": manufacturing.read_defect,
}


def get_reader(record_schema: str) -> Reader:
    try:
        return READERS[record_schema]
    except KeyError:
        raise KeyError(f"no reader for record schema {record_schema!r}; known: {', '.join(READERS)}") from None
