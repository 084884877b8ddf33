"""Readers turn one label archive into records of a record schema.

Each reader is a function ``read(archive_path, archive_rel, sources, stats) -> Iterator[dict]``
registered here under its record schema's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ingest.problems import ReadStats
from ingest.readers import korean_dialogue

__all__ = ["READERS", "Reader", "get_reader"]

Reader = Callable[[Path, str, dict[str, str], ReadStats], Iterator[dict[str, Any]]]

READERS: dict[str, Reader] = {
    "korean_dialogue": korean_dialogue.read,
}


def get_reader(record_schema: str) -> Reader:
    try:
        return READERS[record_schema]
    except KeyError:
        raise KeyError(f"no reader for record schema {record_schema!r}; known: {', '.join(READERS)}") from None
