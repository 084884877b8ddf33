"""Readers turn one label archive into records of a record schema.

Each reader is a function ``read(archive_path, archive_rel, sources, stats) -> Iterator[dict]`` that a kind
names (:mod:`schemas.kinds`, field ``reader``). A kind may also name a columnar reader (same arguments)
yielding a :class:`pyarrow.Table` per label file, or dicts for files only the record path can read. The data
picks the path: a file the columnar reader cannot take goes through the record reader; comparisons of the
two live in ``benchmarks/ingest.py`` and the tests.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.problems import ReadStats
from schemas.kinds import find_kind, load, schema_kinds

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ColumnarReader", "Reader", "get_columnar_reader", "get_reader"]

Reader = Callable[[Path, str, Mapping[str, str], ReadStats], Iterator[dict[str, Any]]]

ColumnarReader = Callable[[Path, str, Mapping[str, str], ReadStats], Iterator["pa.Table | dict[str, Any]"]]


def get_reader(record_schema: str) -> Reader:
    """The record reader of the kind ``record_schema``; ``KeyError`` names the kinds that have one."""
    kind = find_kind(record_schema)
    if kind is None or kind.reader is None:
        known = ", ".join(schema_kinds())
        raise KeyError(f"no reader for record schema {record_schema!r}; known: {known}") from None
    reader: Reader = load(kind.reader)
    return reader


def get_columnar_reader(record_schema: str) -> ColumnarReader | None:
    """The kind's columnar reader, or ``None`` (it has none)."""
    kind = find_kind(record_schema)
    if kind is None or kind.columnar_reader is None:
        return None
    reader: ColumnarReader = load(kind.columnar_reader)
    return reader
