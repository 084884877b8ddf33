"""Chunked Parquet: records → files of about ``chunk_bytes`` each, row groups of ``row_group_bytes``.

Deterministic: the same records in the same order with the same pyarrow give byte-identical
files (no timestamps, no random ids). A chunk is written as ``*.incomplete``, its footer checked,
and only then renamed, so a killed writer never leaves a file that looks finished.
"""

from __future__ import annotations

import functools
import math
import os
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from kcore.digest import sha256_file
from kcore.errors import BadInput
from kcore.faults import fault_point
from schemas.labels import SPLIT_NAME
from schemas.records import LABEL_JSON, STORED_KEY

__all__ = ["PARQUET_OPTIONS", "ChunkInfo", "ChunkWriter", "chunk_ranges", "parquet_options", "sha256_file"]

PARQUET_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "write_statistics": True,
    "write_page_index": True,
    "use_dictionary": True,
}


UNORDERED_COLUMNS: frozenset[str] = frozenset({"content_sha256", LABEL_JSON})
"""Columns whose values are hashes or whole label objects: a row group's min and max span nearly the whole
range, so statistics on them prune nothing and only make the footer, which every selective read fetches,
bigger. ``label_json`` gets no dictionary either (every value differs: building one only costs time)."""

RANGE_VALUE_CHARS = 256
"""Longest string value kept in a chunk's ``ranges`` (longer values leave the column out)."""


def parquet_options(schema: pa.Schema) -> dict[str, Any]:
    """:data:`PARQUET_OPTIONS`, with min/max statistics for the top-level scalar columns only: nested
    lists and structs (utterances ...) get none, nor do hash columns (:data:`UNORDERED_COLUMNS`). Readers
    prune row groups on scalar columns; the other statistics only make the footer, which every selective
    read fetches, bigger (~7 % here)."""
    nested = (pa.types.is_list, pa.types.is_large_list, pa.types.is_struct, pa.types.is_map)
    scalar = [f.name for f in schema if not any(kind(f.type) for kind in nested) and f.name not in UNORDERED_COLUMNS]
    options = {**PARQUET_OPTIONS, "write_statistics": scalar}
    stored = [path for field in schema if field.metadata and field.metadata.get(STORED_KEY) for path in _leaves(field)]
    if stored:  # JPEG/PNG bytes: compressed already; zstd and a dictionary cost time and save nothing
        leaves = _all_leaves(schema)
        options["compression"] = {path: "none" if path in stored else "zstd" for path in leaves}
    if stored or LABEL_JSON in schema.names:
        options["use_dictionary"] = [path for path in _all_leaves(schema) if path not in stored and path != LABEL_JSON]
    return options


def _leaves(field: pa.Field, prefix: str = "") -> list[str]:
    """The Parquet column paths of a field's binary leaves (``image.bytes``)."""
    path = f"{prefix}{field.name}"
    if pa.types.is_struct(field.type):
        return [leaf for child in field.type for leaf in _leaves(child, path + ".")]
    return [path] if pa.types.is_binary(field.type) or pa.types.is_large_binary(field.type) else []


@functools.lru_cache(maxsize=32)
def _all_leaves(schema: pa.Schema) -> tuple[str, ...]:
    """Every Parquet column path of ``schema`` (``utterances.list.element.utterance``), as Parquet names
    them: from the footer of an empty file written with it (the writer takes per-column options by them); once
    per schema, not per chunk file."""
    sink = pa.BufferOutputStream()
    pq.write_table(schema.empty_table(), sink)
    meta = pq.read_metadata(pa.BufferReader(sink.getvalue()))
    return tuple(meta.schema.column(i).path for i in range(meta.num_columns))


def chunk_ranges(meta: pq.FileMetaData) -> dict[str, list[Any]]:
    """Per top-level string or integer column, ``[min, max]`` of its non-null values over the whole chunk,
    from the row-group statistics in the footer: the chunk's zone map, kept in the version manifest so a
    selective download can skip chunks without opening them (:func:`storage.zone_maps.may_match`).

    A column is left out when any row group with values has no statistics, when it holds only nulls, or
    when a value is longer than :data:`RANGE_VALUE_CHARS`: a missing range only means "cannot skip".
    Booleans, floats (NaN), dates and binary are left out too; their comparisons need more care than
    pruning is worth."""
    found: dict[str, list[Any]] = {}
    top_level = {meta.schema.column(i).path: i for i in range(meta.num_columns)}
    for name, index in sorted(top_level.items()):
        if "." in name:
            continue
        low: Any = None
        high: Any = None
        usable = True
        for g in range(meta.num_row_groups):
            column = meta.row_group(g).column(index)
            stats = column.statistics
            if stats is not None and stats.null_count == column.num_values:
                continue  # only nulls here: no comparison can be true
            if (
                stats is None
                or not stats.has_min_max
                or not _rangeable(stats.min)
                or type(stats.min) is not type(stats.max)
            ):
                usable = False
                break
            low = stats.min if low is None or stats.min < low else low
            high = stats.max if high is None or stats.max > high else high
        if usable and low is not None and type(low) is type(high):
            found[name] = [low, high]
    return found


def _rangeable(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and len(value) <= RANGE_VALUE_CHARS


@dataclass(frozen=True)
class ChunkInfo:
    """One finished chunk: key relative to the version root, rows, bytes, sha256, origin, and its zone
    map (``ranges``: column → ``[min, max]``, see :func:`chunk_ranges`)."""

    key: str
    rows: int
    bytes: int
    sha256: str
    split: str
    source_archive: str
    ranges: dict[str, list[Any]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ChunkWriter:
    """Writes records of one split and one source archive into numbered chunks.

    Chunk keys are ``<split>/part-<group>-<n>.parquet`` where ``group`` is the archive's position in the
    split: names depend on the input only, so a rerun writes the same keys.
    """

    def __init__(
        self,
        root: Path,
        *,
        split: str,
        group: int,
        source_archive: str,
        schema: pa.Schema,
        chunk_bytes: int,
        row_group_bytes: int,
        batch_rows: int = 1024,
        on_rows: Callable[[int], None] | None = None,
    ) -> None:
        self.root = root
        self.on_rows = on_rows
        """Called with each batch's row count as it joins the pending row group (ingest progress)."""
        if not SPLIT_NAME.fullmatch(split):  # the manifest refuses such a name; a key never leaves its folder
            raise ValueError(f"split {split[:60]!r} is not a split name")
        self.split = split
        self.group = group
        self.source_archive = source_archive
        self.schema = schema
        self.chunk_bytes = chunk_bytes
        self.row_group_bytes = row_group_bytes
        self.batch_rows = batch_rows
        self._rows: list[dict[str, Any]] = []
        self._parts: list[pa.Table] = []  # tables of records waiting for a batch (columnar readers)
        self._part_rows = 0
        self._pending: list[pa.RecordBatch] = []
        self._pending_bytes = 0
        self._writer: pq.ParquetWriter | None = None
        self._chunk_rows = 0
        self._chunk_bytes = 0
        self._chunks: list[ChunkInfo] = []

    def _key(self) -> str:
        return f"{self.split}/part-{self.group:03d}-{len(self._chunks):05d}.parquet"

    def write_rows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self._rows.append(row)
            if len(self._rows) + self._part_rows >= self.batch_rows:
                self._add_batch()

    def write_table(self, table: pa.Table) -> None:
        """Append a table of finished records (a reader's columnar path) after the rows before it; it is
        cut into batches of ``batch_rows`` as :meth:`write_rows` cuts dict rows."""
        if table.schema != self.schema:
            table = table.cast(self.schema)
        self._dicts_to_part()
        self._parts.append(table)
        self._part_rows += table.num_rows
        while self._part_rows >= self.batch_rows:
            self._add_batch()

    def _from_rows(self) -> pa.RecordBatch:
        """The waiting dict rows as a batch; a value the schema cannot hold is :class:`BadInput` naming
        the label file, the record and the column (not an Arrow error naming nothing)."""
        try:
            return pa.RecordBatch.from_pylist(self._rows, schema=self.schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as error:
            for row in self._rows:
                for field in self.schema:
                    try:
                        pa.array([row.get(field.name)], type=field.type)
                    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as bad:
                        where = f"{row.get('label_archive')}!{row.get('label_member')}"
                        raise BadInput(f"{where}: field {field.name!r} ({field.type}): {bad}") from None
            raise BadInput(f"{self.source_archive}: records the schema cannot hold: {error}") from None

    def _dicts_to_part(self) -> None:
        if self._rows:
            self._parts.append(pa.Table.from_batches([self._from_rows()]))
            self._part_rows += len(self._rows)
            self._rows = []

    def _add_batch(self) -> None:
        """One batch of ``batch_rows`` (at the end: of what is left) into the pending row group."""
        if self._parts:
            self._dicts_to_part()
            waiting = pa.concat_tables(self._parts)
            take = min(self.batch_rows, waiting.num_rows)
            rest = waiting.slice(take)
            self._parts, self._part_rows = ([rest] if rest.num_rows else []), rest.num_rows
            if not take:
                return
            batch = waiting.slice(0, take).combine_chunks().to_batches()[0]
        elif self._rows:
            batch = self._from_rows()
            self._rows = []
        else:
            return
        self._pending.append(batch)
        self._pending_bytes += batch.nbytes
        if self.on_rows is not None:
            self.on_rows(batch.num_rows)
        if self._pending_bytes >= self.row_group_bytes:
            self._flush_row_group()

    def _flush_row_group(self, final: bool = False) -> None:
        """Write the pending rows as row groups of about ``row_group_bytes`` each (a batch bigger than
        that is split: a selective read fetches less); rows short of a whole group wait, unless ``final``."""
        if not self._pending:
            return
        table = pa.Table.from_batches(self._pending, schema=self.schema)
        rows = table.num_rows
        per_group = max(1, min(rows, math.ceil(rows * self.row_group_bytes / max(table.nbytes, 1))))
        whole = rows if final else rows // per_group * per_group
        rest = table.slice(whole)
        table = table.slice(0, whole)
        self._pending, self._pending_bytes = rest.to_batches(), rest.nbytes
        if self._writer is None:
            path = self.root / (self._key() + ".incomplete")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._writer = pq.ParquetWriter(path, self.schema, **parquet_options(self.schema))
        self._writer.write_table(table, row_group_size=per_group)
        fault_point("chunk_row_group")
        self._chunk_rows += table.num_rows
        self._chunk_bytes += table.nbytes
        if self._chunk_bytes >= self.chunk_bytes:
            self._finish_chunk()

    def _finish_chunk(self) -> None:
        if self._writer is None:
            return
        self._writer.close()
        self._writer = None
        key = self._key()
        final = self.root / key
        partial = final.with_name(final.name + ".incomplete")
        meta = pq.read_metadata(partial)
        if meta.num_rows != self._chunk_rows:
            raise RuntimeError(f"{partial}: footer says {meta.num_rows} rows, wrote {self._chunk_rows}")
        fault_point("chunk_rename")
        os.replace(partial, final)  # not kcore.atomic: a *.incomplete is written across calls, with fault points
        self._chunks.append(
            ChunkInfo(
                key,
                self._chunk_rows,
                final.stat().st_size,
                sha256_file(final),
                self.split,
                self.source_archive,
                chunk_ranges(meta),
            )
        )
        self._chunk_rows = self._chunk_bytes = 0

    def close(self) -> list[ChunkInfo]:
        """Flush everything and return the chunks written (none when there were no rows)."""
        self._add_batch()
        self._flush_row_group(final=True)
        self._finish_chunk()
        return list(self._chunks)
