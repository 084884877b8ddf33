"""Readers turn one label archive into records of a record schema.

Each reader is a function ``read(archive_path, archive_rel, sources, stats) -> Iterator[dict]``
registered here under its record schema's name. A schema may also have a columnar reader (same
arguments) yielding a :class:`pyarrow.Table` per label file, or dicts for files only the record
path can read. The data picks the path: a file the columnar reader cannot take goes through the record
reader; comparisons of the two live in ``benchmarks/ingest.py`` and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from ingest.problems import ReadStats
from ingest.readers import healthcare, korean_dialogue, korean_speech, korean_summary, manufacturing, vision_image

__all__ = ["COLUMNAR_READERS", "READERS", "ColumnarReader", "Reader", "get_columnar_reader", "get_reader"]

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


ColumnarReader = Callable[[Path, str, Mapping[str, str], ReadStats], Iterator["pa.Table | dict[str, Any]"]]

COLUMNAR_READERS: dict[str, ColumnarReader] = {
    "korean_dialogue": korean_dialogue.read_columnar,
}


def get_columnar_reader(record_schema: str) -> ColumnarReader | None:
    """The schema's columnar reader, or ``None``."""
    return COLUMNAR_READERS.get(record_schema)


def get_reader(record_schema: str) -> Reader:
    try:
        return READERS[record_schema]
    except KeyError:
        raise KeyError(f"no reader for record schema {record_schema!r}; known: {', '.join(READERS)}") from None
