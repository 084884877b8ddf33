"""One engine for every label shape: a label archive → Arrow tables of rows, driven by ``labels:``.

Every member of the archive is accounted for: read by the first block whose ``files`` glob matches,
or counted as skipped with its reason (one problem per reason and extension, with the count and a
first example); source files inside a mixed archive are sources, not skipped labels. Each record is
a label unit: a record that does not fit its mapping is a schema problem naming archive, member and
field, and the other records go on. Rows come in tables of ``batch_rows``.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path, PurePosixPath
from typing import IO, Any

import pyarrow as pa

from ingest import labeljson
from ingest.archives import Member, OpenArchive, iter_member_streams
from ingest.jsonstream import JsonStreamError, ListItems
from ingest.limits import UnsafeArchive
from ingest.mapping import columnar
from ingest.mapping.formats import (
    LINE_FORMATS,
    LabelFileError,
    documents,
    format_of,
    json_document,
    streamed_documents,
)
from ingest.mapping.paths import FILE_PATHS, MISSING, Many, RecordAt, compile_path, file_path_value, iter_records
from ingest.mapping.values import convert
from ingest.prefetch import one_ahead
from ingest.problems import Problem, ReadStats
from ingest.readers._common import UNEXPECTED_CONTENT, LabelError, SourceFiles
from ingest.readers._media import BOX_TOLERANCE, check_audio, check_image
from kcore.errors import BadInput
from kcore.limits import ArchiveLimits
from schemas.labels import EXTENSION_FORMATS, FieldSpec, LabelBlock, Lookup, glob_match, parse_path
from schemas.mapped import (
    AUDIO_LENGTH_OK,
    AUDIO_LENGTH_TOLERANCE,
    ENDS_IN_AUDIO,
    ROW_KEY,
    MappedColumn,
    MappedSchema,
)

__all__ = ["read_mapped"]

_RELATIVE_TOLERANCE = 0.001

_FileRead = tuple[list[tuple[int | None, Any]], columnar.Columns | None, list[bytes] | None]
"""A whole label file read in a helper thread: its ``(line, document)`` pairs (none when the Arrow path
read it), the Arrow path's columns, and its records' texts (:func:`_record_texts`)."""


def _list_keys(block: LabelBlock, fmt: str) -> list[str] | None:
    """The keys to the list of records when this block's files are split into record texts (a UTF-8 JSON
    file whose records are a list at plain keys): the same rule for whole files and streamed items."""
    return columnar.list_keys(block) if fmt == "json" and block.encoding in ("auto", "utf-8") else None


def _record_texts(data: bytes, block: LabelBlock, fmt: str, *, check_utf8: bool = True) -> list[bytes] | None:
    """The texts of the records of a file (:func:`ingest.labeljson.record_texts`), else ``None``: their
    ``label_json`` comes from them. ``check_utf8=False`` where Arrow checks the text anyway (the Arrow path)."""
    keys = _list_keys(block, fmt)
    texts = None if keys is None else labeljson.record_texts(data, keys)
    return None if texts is None or (check_utf8 and not _utf8(data)) else texts


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _item_text(items: ListItems, block: LabelBlock) -> bytes | None:
    """A streamed item's text, as :func:`_record_texts` would give it from the whole file."""
    if _list_keys(block, "json") is None:
        return None  # the item is not the record, or the file is not read as UTF-8 whole either
    if items.encoding != "utf-8" or not items.last_text.lstrip().startswith("{"):
        return None
    return labeljson.compact_text(items.last_text.encode())


def block_for(blocks: list[LabelBlock], member: str, archive: str) -> LabelBlock | None:
    """The first block whose ``files`` match ``member`` (of ``archive``, when the block names its archives)."""
    return next(
        (
            b
            for b in blocks
            if any(glob_match(p, member) for p in b.files)
            and (b.archives is None or any(glob_match(p, archive) for p in b.archives))
            and format_of(b, member)
        ),
        None,
    )


WHOLE_FILE_BYTES = 64 * 1024 * 1024
"""A label file that can stream (JSON lines, CSV/TSV, a JSON list of records under plain keys) is parsed whole up
to this size; bigger ones stream record by record. Parsing whole holds ~8 times the file (its bytes, the
records' texts, Arrow's columns): a 250 MB records file took an ingest process to 2 GB, over the 1 GiB bound.
A file that cannot stream is parsed whole up to ``KDATA_MAX_ITEM_BYTES``, as before."""


def _stream_keys(block: LabelBlock, fmt: str) -> list[str] | None:
    """The plain keys down to a JSON file's list of records (``[]`` for ``[*]``), or ``None`` when the file
    cannot be read record by record (line formats stream line by line: ``[]``)."""
    if fmt in LINE_FORMATS:
        return []
    tokens = block.record_tokens
    keys = []
    for kind, value in tokens:
        if kind != "key":
            break
        keys.append(str(value))
    if fmt != "json" or tokens[len(keys) : len(keys) + 1] != [("each", None)]:
        return None
    return keys


def whole_file_bytes(block: LabelBlock, fmt: str, limits: ArchiveLimits) -> int:
    """Up to how many bytes a label file of ``block`` is parsed whole (:data:`WHOLE_FILE_BYTES`); a block that
    looks values up in the file's lists (COCO) reads it whole up to ``KDATA_MAX_ITEM_BYTES``: streamed, the
    lists after its records are not there."""
    if _stream_keys(block, fmt) is None or any(spec.lookup is not None for spec in block.fields.values()):
        return limits.max_item_bytes
    return min(WHOLE_FILE_BYTES, limits.max_item_bytes)


def _suffix(member: str) -> str:
    return PurePosixPath(member).suffix.lower() or "(no extension)"


class _Skipped:
    """Members not read, per (reason, extension): counted, with a first example, reported once each."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, str], list[Any]] = {}

    def add(self, reason: str, member: str) -> None:
        group = self.groups.setdefault((reason, _suffix(member)), [0, member])
        group[0] += 1

    def report(self, archive_rel: str, stats: ReadStats) -> None:
        for (reason, suffix), (count, example) in sorted(self.groups.items()):
            message = f"{count:,} member(s) *{suffix} not read: {reason} (first: {example})"
            stats.add(Problem("skipped_member", archive_rel, example, None, message), invalid_label=False)


def read_mapped(
    archive: Path,
    archive_rel: str,
    schema: MappedSchema,
    sources: Mapping[str, str],
    stats: ReadStats,
    *,
    mixed: bool = False,
    has_sources: bool = False,
) -> Iterator[pa.Table]:
    """Tables of mapped rows (without the quality columns) for every label file of ``archive``."""
    rows = _Rows(schema, archive, archive_rel, sources, stats, has_sources)
    skipped = _Skipped()
    limits = stats.limits
    # A whole label file that the Arrow path may read is parsed and turned into columns in a helper
    # thread while this one joins, checks and writes the file before it (Arrow releases the GIL); every
    # other file is read here, after the ones before it: rows and problems keep the archive's order.
    try:
        for (member, stream, block, _data), parsed in one_ahead(
            _label_members(archive, schema, rows, stats, skipped, limits, mixed=mixed),
            rows.parse,
            inline=lambda item: item[3] is None,
            name="kdata-labels",
        ):
            yield from rows.member(member, stream, block, limits, parsed)
        yield from rows.flush(final=True)
    finally:
        rows.close()
    for name in rows.lookup_candidates:
        if name not in rows.others.used:
            skipped.add("no labels block matches and no lookup read it", name)
    skipped.report(archive_rel, stats)


def _label_members(
    archive: Path,
    schema: MappedSchema,
    rows: _Rows,
    stats: ReadStats,
    skipped: _Skipped,
    limits: ArchiveLimits,
    *,
    mixed: bool,
) -> Iterator[tuple[Member, IO[bytes], LabelBlock, bytes | None]]:
    """``(member, stream, block, whole bytes)`` of each label file; the bytes only for a file the Arrow
    path may read (else ``None``: :meth:`_Rows.member` reads the stream). Other members are counted as
    skipped, or passed over as the sources of a mixed archive, or as files a lookup reads (``lookup.file``)."""
    looked_up = {s.lookup.file for b in schema.mapping.blocks for s in b.fields.values() if s.lookup and s.lookup.file}
    for member, stream in iter_member_streams(archive, limits=limits):
        stats.member_read(member.info.compress_size)
        block = block_for(schema.mapping.blocks, member.name, rows.archive_rel)
        if block is None:
            if mixed and _suffix(member.name) not in EXTENSION_FORMATS:
                continue  # a source file of a mixed archive
            if any(glob_match(pattern, member.name) for pattern in looked_up):
                rows.lookup_candidates.append(member.name)  # read by a lookup, else reported as skipped at the end
                continue
            reason = "no labels block matches" if _suffix(member.name) in EXTENSION_FORMATS else "not a label file"
            skipped.add(reason, member.name)
            continue
        fmt = format_of(block, member.name) or "json"
        whole = member.size <= whole_file_bytes(block, fmt, limits) and rows.columnar_ok(block, fmt)
        yield member, stream, block, stream.read(member.size + 1) if whole else None


class _Rows:
    """Builds rows, joins sources, and hands out tables."""

    def __init__(
        self,
        schema: MappedSchema,
        archive: Path,
        archive_rel: str,
        sources: Mapping[str, str],
        stats: ReadStats,
        has_sources: bool,
    ) -> None:
        self.schema = schema
        self.arrow = pa.schema(
            [f for f in schema.record_schema.arrow_schema() if f.name not in ("pii_hits", "content_sha256")]
        )
        self.archive_rel = archive_rel
        self.sources = sources
        self.files = SourceFiles(archive, archive_rel, sources, stats.limits)
        self.others = _OtherFiles(archive, stats.limits)
        self.lookup_candidates: list[str] = []
        self.stats = stats
        self.has_sources = has_sources
        self.pending: list[dict[str, Any]] = []
        self.batch_rows = schema.record_schema.batch_rows
        self.source_columns = schema.role("source")
        self.mapped_sources = bool(self.source_columns)
        """Some block names its records' sources: a record of a block that names none has none by design
        (a VQA dataset's question and answer files beside the file of images), not a missing one."""
        self.width = next(iter(schema.role("image_width")), None)
        self.height = next(iter(schema.role("image_height")), None)
        self.starts, self.ends = schema.role("start"), schema.role("end")
        names = schema.record_schema.arrow_schema().names
        self.duration = next(iter(schema.role("duration")), None) if AUDIO_LENGTH_OK in names else None
        self.audio_ends = list(schema.role("end")) if ENDS_IN_AUDIO in names else []
        self._plans: dict[int, list[_Field]] = {}
        self._arrow_blocks: dict[int, bool] = {}
        self._keyed_blocks: dict[int, bool] = {}
        self.derived = [c for c in schema.columns if c.spec.role in ("bbox", "polygon", "text")]
        self.per_file = all(b.records.strip() in ("$", "") for b in schema.mapping.blocks)
        """One record per label file: joined to the source file of the same stem unless a field says."""
        self.stem_rewrites = [b.source_stem for b in schema.mapping.blocks if b.source_stem is not None]
        self.paired = _paired(archive_rel, getattr(sources, "archives", None) or [])

    def close(self) -> None:
        self.files.close()
        self.others.close()

    def flush(self, final: bool = False) -> Iterator[pa.Table]:
        if self.pending and (final or len(self.pending) >= self.batch_rows):
            table = pa.Table.from_pylist(self.pending, schema=self.arrow)
            self.pending = []
            yield table

    # -- one member ------------------------------------------------------------------------------

    def parse(self, item: tuple[Member, IO[bytes], LabelBlock, bytes | None]) -> _FileRead:
        """A whole label file's documents, its records' texts and, where the Arrow path reads it, its
        columns (no state of this object changes: it runs in a helper thread)."""
        member, _stream, block, data = item
        data = data or b""
        fmt = format_of(block, member.name) or "json"
        texts = _record_texts(data, block, fmt, check_utf8=False)  # the Arrow path checks it
        loaded: list[Any] = []

        def load() -> Any:  # the whole document, parsed at most once
            if not loaded:
                loaded.append(json_document(data, block.encoding))
            return loaded[0]

        if texts is not None:
            plan = self._plans[id(block)]
            limits = self.stats.limits
            columns = columnar.record_columns(texts, block, plan, member.name, load, self.archive_rel, limits)
            if columns is not None:
                return [], columns, texts
        docs: list[tuple[int | None, Any]] = [(None, loaded[0])] if loaded else list(self._whole(data, block, fmt))
        return docs, None, texts if texts is not None and _utf8(data) else None

    def member(
        self,
        member: Member,
        stream: IO[bytes],
        block: LabelBlock,
        limits: ArchiveLimits,
        parsed: Future[_FileRead] | None = None,
    ) -> Iterator[pa.Table]:
        fmt = format_of(block, member.name) or "json"
        found = 0
        self._item = 0
        self._item_text: bytes | None = None
        self._copied = 0  # bytes of values from the file's root copied onto its records
        columns = None
        texts: list[bytes] | None = None
        if parsed is not None:  # read whole in a helper thread, by the Arrow path where it could
            docs: Iterable[tuple[int | None, Any]]
            docs, columns, texts = parsed.result()
        elif member.size > whole_file_bytes(block, fmt, limits):
            docs = self._streamed(member, stream, block, fmt)
        else:
            data = stream.read(member.size + 1)
            texts = _record_texts(data, block, fmt)
            docs = self._whole(data, block, fmt)
        if columns is not None:
            table = self._columnar(member.name, columns, block)
            yield from self.flush(final=True)  # the rows before it first
            yield table
            return
        unreadable = False
        for line, doc in docs:
            if isinstance(doc, LabelFileError):
                self._bad(member.name, doc, line)
                unreadable = True
                continue
            for record in iter_records(doc, block.record_tokens):
                self.stats.labels_seen += 1
                if record.missing is not None:  # a readable file without these records: none here (reported)
                    self.stats.labels_seen -= 1
                    where = f"line {line}: " if line else ""
                    problem = Problem("no_records", self.archive_rel, member.name, record.missing, f"{where}not here")
                    self.stats.add(problem, invalid_label=False)
                    continue
                found += 1
                text = self._item_text
                if texts is not None and record.bindings and len(texts) > record.bindings[0]:
                    text = texts[record.bindings[0]]
                if self._item:  # a streamed item: its place in the file's list, as the whole file would give it
                    record = _shifted(record, self._item)
                row = self._row(member.name, line, doc, record, block, text)
                if row is not None:
                    self.pending.append(row)
                    yield from self.flush()
        if found == 0 and not unreadable:  # an unreadable file (or line) is its own problem already
            message = f"no records at {block.records!r} (an empty file or list)"
            self.stats.add(Problem("no_records", self.archive_rel, member.name, None, message), invalid_label=False)

    def columnar_ok(self, block: LabelBlock, fmt: str) -> bool:
        """Whether the Arrow path may read the block's files (its fields compiled here, once)."""
        ok = self._arrow_blocks.get(id(block))
        if ok is None:
            ok = self._arrow_blocks[id(block)] = columnar.applies(block, fmt, self.schema.embed)
            self._plan(block)
        return ok

    def _keyed(self, block: LabelBlock) -> bool:
        """Whether the rows of ``block`` are named by their place (``archive!member/3``): no block maps an
        id, or another block does and this one has no such field (its rows would have no id at all)."""
        keyed = self._keyed_blocks.get(id(block))
        if keyed is None:
            column = self.schema.id_column
            keyed = column == ROW_KEY or (column not in block.fields and self.schema.column(column).type == pa.string())
            self._keyed_blocks[id(block)] = keyed
        return keyed

    def _columnar(self, member: str, result: columnar.Columns, block: LabelBlock) -> pa.Table:
        """A whole file's rows from the Arrow path's columns (:mod:`ingest.mapping.columnar`)."""
        n, label_json, fields = result
        self.stats.labels_seen += n
        data: dict[str, Any] = {}
        if self._keyed(block):
            prefix = f"{self.archive_rel}!{member}/"
            data[self.schema.id_column] = [prefix + str(i) for i in range(n)]
        data.update(fields)
        for column in self.derived:
            if column.spec.role == "text" and column.name in fields:
                data[f"{column.name}__empty"] = columnar.empty_counts(fields[column.name])
        wanted = {c.name for c in (*self.starts[:1], *self.ends[:1], *self.source_columns)} | {self.schema.id_column}
        values = {n: v.to_pylist() if isinstance(v, pa.Array) else v for n, v in fields.items() if n in wanted}
        if self.starts and self.ends and self.starts[0].name in values and self.ends[0].name in values:
            data["time_order_ok"] = list(map(_time_order, values[self.starts[0].name], values[self.ends[0].name]))
        data["source_file"] = self._sources_of(member, values, data.get(ROW_KEY), n)
        data["label_json"] = label_json
        data["label_archive"] = [self.archive_rel] * n
        data["label_member"] = [member] * n
        arrays = {f.name: data.get(f.name, pa.nulls(n, f.type)) for f in self.arrow}
        return pa.Table.from_pydict(arrays, schema=self.arrow)

    def _sources_of(self, member: str, values: dict[str, list[Any]], keys: list[str] | None, n: int) -> list[Any]:
        """``source_file`` of each row of a columnar file, joined as :meth:`_join` joins one record."""
        names = [c.name for c in self.source_columns if c.name in values]
        id_values = values.get(self.schema.id_column) or keys or [None] * n
        if keys is None:  # no row keys: the ids name the records (as the per-record path's problems do)
            keys = [f"{self.archive_rel}!{member}/{i}" for i in range(n)]
        id_values = [v if v else k for v, k in zip(id_values, keys, strict=True)]
        if not names:  # nothing names a source: where the split has sources, every row lacks its own (unless
            if self.has_sources and not self.mapped_sources:  # another block names them: these have none)
                missing = "no source file for this label"
                for record_id in id_values:
                    problem = Problem("missing_source", self.archive_rel, member, None, missing, str(record_id))
                    self.stats.add(problem, invalid_label=False)
            return [None] * n
        single = len(names) == 1 and not self.schema.column(names[0]).many
        if single and not self.schema.embed and not self.per_file:
            return self._lookup_sources(member, names[0], values[names[0]], id_values)
        out = []
        for i in range(n):
            row = {name: values[name][i] for name in names}
            row[self.schema.id_column] = id_values[i]
            self._join(row, member, str(id_values[i]))
            out.append(row["source_file"])
        return out

    def _lookup_sources(self, member: str, name: str, found: list[Any], id_values: list[Any]) -> list[Any]:
        """:meth:`_sources_of` for one scalar source column and nothing to read: the keys looked up at
        once (the source index's vectorised ``get_many``), a miss reported as :meth:`_join` reports it."""
        stem = self.schema.column(name).spec.match == "stem"
        keys = [(PurePosixPath(str(v).replace("\\", "/")).stem if stem else str(v)) if v else "" for v in found]
        get_many = getattr(self.sources, "get_many", None)
        if getattr(self.sources, "repeats_stems", False):  # frames named alike per folder: by folder too
            folder = str(PurePosixPath(member).parent)
            refs = [self._source(k, _near(str(v), folder) if v else folder) for k, v in zip(keys, found, strict=True)]
        elif get_many is not None:
            refs = get_many(keys)
        else:
            refs = [self.sources.get(k) for k in keys]
        refs = [ref if key else None for ref, key in zip(refs, keys, strict=True)]
        if self.has_sources:
            for ref, record_id in zip(refs, id_values, strict=True):
                if ref is None:
                    problem = Problem(
                        "missing_source",
                        self.archive_rel,
                        member,
                        None,
                        "no source file for this label",
                        str(record_id),
                    )
                    self.stats.add(problem, invalid_label=False)
        return refs

    def _whole(self, data: bytes, block: LabelBlock, fmt: str) -> Iterator[tuple[int | None, Any]]:
        try:
            yield from documents(data, fmt, block)
        except LabelFileError as error:
            yield None, error

    def _streamed(
        self, member: Member, stream: IO[bytes], block: LabelBlock, fmt: str
    ) -> Iterator[tuple[int | None, Any]]:
        """A label file too big to parse whole: JSON lines, CSV/TSV and line scripts are read line by line;
        JSON with its records in a list under plain keys (``[*]...``, ``key[*]...``, ``a.b[*]...``) item by
        item, each item in a copy of the keys around it that came before it in the file."""
        limit = self.stats.limits.max_item_bytes
        if fmt in LINE_FORMATS:
            try:
                yield from streamed_documents(stream, fmt, block, limit)
            except LabelFileError as error:
                yield None, error
            return
        keys = _stream_keys(block, fmt)
        if keys is None:
            size = f"{member.size:,} bytes, over KDATA_MAX_ITEM_BYTES"
            message = f"{size}: only JSON whose records are a list under plain keys, JSON lines and CSV/TSV stream"
            yield None, LabelFileError("too_large", message)
            return
        if len(keys) > 1:
            items = ListItems(stream, (keys[0],), max_item_chars=limit, path=tuple(keys))
        else:
            items = ListItems(stream, tuple(keys) or ("",), max_item_chars=limit)
        try:
            for item in items:
                self._item = items.count - 1
                self._item_text = _item_text(items, block)
                yield None, items.document(item)
        except (JsonStreamError, RecursionError) as error:
            yield None, LabelFileError("bad_json", f"invalid JSON: {error}")

    def _bad(self, member: str, error: LabelFileError, line: int | None) -> None:
        self.stats.labels_seen += 1
        field = f"line {line}" if line else None
        self.stats.add(Problem(error.code, self.archive_rel, member, field, str(error)), invalid_label=True)

    # -- one record ------------------------------------------------------------------------------

    def _row(
        self, member: str, line: int | None, doc: Any, record: RecordAt, block: LabelBlock, text: bytes | None
    ) -> dict[str, Any] | None:
        """One record's row; ``label_json`` from ``text`` (the record as the file writes it, see
        :func:`ingest.labeljson.label_text`) when there is one, else :func:`ingest.labeljson.dumps` of it."""
        bindings = record.position
        key = (  # archive!member: the same file name comes in the Training and the Validation archives
            f"{self.archive_rel}!{member}"
            + (f"#L{line}" if line else "")
            + ("/" + "/".join(map(str, bindings)) if bindings else "")
        )
        try:
            row = self._values(member, doc, record, block)
        except LabelError as error:
            problem = Problem("schema", self.archive_rel, member, error.field or None, str(error), key)
            self.stats.add(problem, invalid_label=True)
            return None
        except UNEXPECTED_CONTENT as error:
            message = f"unexpected label content ({type(error).__name__}: {str(error)[:200]})"
            self.stats.add(Problem("schema", self.archive_rel, member, None, message, key), invalid_label=True)
            return None
        if self._keyed(block):
            row[self.schema.id_column] = key
        record_id = str(row.get(self.schema.id_column) or key)
        self._derive(row)
        self._join(row, member, record_id, sourced=self._sourced(block))
        if text is not None:
            row["label_json"] = labeljson.label_text(text).decode()
        else:
            row["label_json"] = labeljson.dumps(record.value)
        row["label_archive"] = self.archive_rel
        row["label_member"] = member
        return row

    def _values(self, member: str, doc: Any, record: RecordAt, block: LabelBlock) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for field in self._plan(block):
            value = field.get(member, doc, record)
            if field.copied:
                self._copied += columnar.json_size(value)
                if self._copied > self.stats.limits.max_copied_bytes:
                    raise columnar.too_many_copies(self.archive_rel, member, field, self._copied, self.stats.limits)
            if value is MISSING or value is None or (type(value) is Many and not value and not field.column.many):
                if field.spec.required:
                    raise LabelError(field.spec.path, f"missing (column {field.name})")
                row[field.name] = field.empty
                continue
            row[field.name] = field.convert(value)
        return row

    def _plan(self, block: LabelBlock) -> list[_Field]:
        """The block's fields compiled once: getters and converters (a block's own paths, whatever
        another block maps to the same column)."""
        plan = self._plans.get(id(block))
        if plan is None:
            own = tuple(block.files or ())

            def other(pattern: str, member: str) -> Any:  # another label file's document, for lookup.file
                return self.others.document(pattern, member, block.encoding, own)

            plan = self._plans[id(block)] = [
                _Field(name, spec, self.schema.column(name), other) for name, spec in block.fields.items()
            ]
        return plan

    def _size(self, row: dict[str, Any], relative: bool) -> tuple[float, float] | None:
        if relative:
            return 1.0, 1.0
        width = row.get(self.width.name) if self.width else None
        height = row.get(self.height.name) if self.height else None
        if isinstance(width, int | float) and isinstance(height, int | float):
            return float(width), float(height)
        return None

    def _derive(self, row: dict[str, Any]) -> None:
        for column in self.derived:
            role, name = column.spec.role, column.name
            if role == "bbox":
                boxes = [b for b in row.get(name) or [] if b is not None]  # null: an item without a box
                size = self._size(row, column.spec.relative)
                row[f"{name}__invalid"] = sum(1 for b in boxes if b[2] <= 0 or b[3] <= 0)
                row[f"{name}__outside"] = (
                    None if size is None else sum(1 for b in boxes if _outside(b, size, column.spec.relative))
                )
            elif role == "polygon":
                size = self._size(row, column.spec.relative)
                found = row.get(name) or []
                if column.many:  # each item's polygons
                    found = [p for item in found if item is not None for p in item]
                polygons = [p for p in found if p is not None]
                row[f"{name}__outside"] = (
                    None if size is None else sum(1 for p in polygons if _poly_outside(p, size, column.spec.relative))
                )
            elif role == "text":
                if name not in row:
                    continue  # a column of another block
                value = row[name]
                row[f"{name}__empty"] = columnar.empty_count(value)
        if self.starts and self.ends:
            row["time_order_ok"] = _time_order(row.get(self.starts[0].name), row.get(self.ends[0].name))

    def _sourced(self, block: LabelBlock) -> bool:
        """Whether the block's records have sources: it names them, stems join them, or no block names any."""
        named = any(spec.role == "source" for spec in block.fields.values())
        return named or self.per_file or not self.mapped_sources

    def _join(self, row: dict[str, Any], member: str, record_id: str, *, sourced: bool = True) -> None:
        keys = self._source_keys(row, member)
        ref = next(
            (found for found in (self._source(key, near, guessed) for key, near, guessed in keys) if found is not None),
            None,
        )
        data = None
        if ref is not None and self.schema.embed:
            try:
                data = self.files.read(ref)
            except UnsafeArchive:
                raise  # a corrupt or hostile source archive refuses the dataset, not just this record
            except BadInput as error:
                problem = Problem("source_unreadable", self.archive_rel, member, None, str(error), record_id)
                self.stats.add(problem, invalid_label=False)
        if ref is None and self.has_sources and sourced:  # a mapping that joins nothing: every row lacks its source
            problem = Problem(
                "missing_source", self.archive_rel, member, None, "no source file for this label", record_id
            )
            self.stats.add(problem, invalid_label=False)
        row["source_file"] = ref
        if self.schema.embed:
            path = ref.partition("!")[2] if ref else None
            row["media"] = {"bytes": data, "path": path} if data is not None else None
        if self.schema.check_image:
            width = row.get(self.width.name) if self.width else None
            height = row.get(self.height.name) if self.height else None
            fields = (self.width.spec.path if self.width else "", self.height.spec.path if self.height else "")
            where = (self.archive_rel, member, ref or "")
            _fmt, valid = check_image(data, width, height, where, fields, record_id, self.stats)
            row["image_valid"] = valid
        if self.schema.check_audio:
            info, row["audio_valid"] = check_audio(data, (self.archive_rel, member, ref or ""), record_id, self.stats)
            if self.duration is not None:
                row[AUDIO_LENGTH_OK] = _length_ok(row.get(self.duration.name), info.duration if info else None)
            if self.audio_ends:
                ends = [row.get(c.name) for c in self.audio_ends]
                row[ENDS_IN_AUDIO] = _ends_within(ends, info.duration if info else None)

    def _source(self, key: str, near: str, guessed: bool = False) -> str | None:
        """The source file of ``key``; where stems repeat over folders, the one whose folders end like ``near``.
        A ``guessed`` key (the record id or the label file's stem, no field named it) finds only a file of the
        source archives paired with this label archive by name, where there are such (:func:`_paired`)."""
        if getattr(self.sources, "repeats_stems", False):
            found = self.sources.get_near(key, near)  # type: ignore[attr-defined]
        else:
            found = self.sources.get(key)
        if guessed and found is not None and self.paired is not None and found.partition("!")[0] not in self.paired:
            return None
        return found

    def _source_keys(self, row: dict[str, Any], member: str) -> list[tuple[str, str, bool]]:
        """Where the record's source file may be, in order, each with the folder it is likely in: the source
        field (its stem, or as is; the folder it names, else the label's), then the record id and the label
        file's stem for one record per file (K-Fashion names its image by the id, not by the file name its
        label states); those two are guesses (the last of each tuple), which :meth:`_source` keeps to the
        source archives paired with the label archive."""
        folder = str(PurePosixPath(member).parent)
        keys: list[tuple[str, str, bool]] = []
        for column in self.source_columns:
            value = row.get(column.name)
            if isinstance(value, list):
                value = value[0] if value else None
            if value:
                text = str(value).replace("\\", "/")
                key = PurePosixPath(text).stem if column.spec.match == "stem" else text
                keys.append((key, _near(text, folder), False))
        if self.per_file:
            record_id = row.get(self.schema.id_column)
            if self.schema.id_column != ROW_KEY and record_id is not None:
                keys.append((str(record_id), folder, True))
            stem = PurePosixPath(member).stem
            keys.append((stem, folder, True))  # one label file per source file: same stem, or as the block rewrites it
            keys += [(rewrite.apply(stem), folder, True) for rewrite in self.stem_rewrites]
        return list(dict.fromkeys(keys))


class _Field:
    """One field of a block, compiled: where its value is and how it becomes a column value."""

    __slots__ = ("column", "convert", "copied", "empty", "get", "name", "spec")

    def __init__(self, name: str, spec: FieldSpec, column: MappedColumn, other: OtherDocument | None = None) -> None:
        self.name, self.spec, self.column = name, spec, column
        self.copied = spec.path not in ("@", "@key", "@index", *FILE_PATHS) and (
            spec.lookup is not None or bool(spec.tokens[0])
        )
        """A path from the file's root (``$.meta``) or a value looked up in a list of the file: one value may be
        copied onto every record (a looked-up 8,000-item list onto 8,000 records took 1.1 GB: attack trial)."""
        self.empty: list[Any] | None = [] if column.many and pa.types.is_list(column.type) else None
        self.get = _getter(spec, other)
        kind = str(spec.column_type())
        path = spec.path
        if kind == "string" and not column.many:  # the usual case: text as it is, without a call
            self.convert: Callable[[Any], Any] = lambda v: v if type(v) is str else convert(column, v, path)
        elif kind == "string":
            self.convert = lambda v: (
                [x for x in v if type(x) is str]
                if type(v) is Many and all(type(x) is str for x in v)
                else convert(column, v, path)
            )
        else:
            self.convert = lambda v: convert(column, v, path)


OtherDocument = Callable[[str, str], Any]
"""``(lookup.file pattern, label member) → the document of the label file it names`` (:class:`_OtherFiles`)."""


def _getter(spec: FieldSpec, other: OtherDocument | None = None) -> Callable[[str, Any, RecordAt], Any]:
    path = spec.path
    if path == "@":
        return lambda member, doc, record: record.value
    if path == "@key":
        return lambda member, doc, record: record.key
    if path == "@index":
        return lambda member, doc, record: record.index
    if path in FILE_PATHS:
        return lambda member, doc, record: file_path_value(path, member)
    absolute, tokens = spec.tokens
    get = compile_path(tokens, bound=absolute)
    if spec.lookup is not None:
        return _lookup_getter(spec.lookup, get, absolute, other)
    if absolute:
        return lambda member, doc, record: get(doc, record.bindings)
    return lambda member, doc, record: get(record.value, ())


def _lookup_getter(
    lookup: Lookup, get: Any, absolute: bool, other: OtherDocument | None = None
) -> Callable[[str, Any, RecordAt], Any]:
    """A getter for ``{path, lookup}``: the path's value, looked up in the file's list (or, with ``file:``,
    another label file's) by ``lookup.key`` (the list indexed once per file; a value not found is missing;
    collected values stay aligned)."""
    tokens = parse_path(lookup.items)[1]
    # the list itself (``$.images`` of ``$.images[*]``) is what the index is kept for: a streamed file hands
    # each record a new document around the same header lists, which must not be indexed again per record
    whole = tokens[-1] == ("each", None)
    items = compile_path(tokens[:-1] if whole else tokens, bound=False)
    cached: list[Any] = [None, {}]  # the last list and its index

    def index(doc: Any) -> dict[str, Any]:
        found = items(doc, ())
        if not isinstance(found, list):
            raise LabelError(
                lookup.items,
                "lookup: no such list in this file (a file too large to read whole, KDATA_MAX_ITEM_BYTES, "
                "holds only the lists that come before its records)",
            )
        if cached[0] is not found or not whole:
            table: dict[str, Any] = {}
            for item in found:
                if isinstance(item, dict) and lookup.key in item and item[lookup.key] is not None:
                    table.setdefault(str(item[lookup.key]), item.get(lookup.value))
            cached[0], cached[1] = found, table
        return cached[1]

    def getter(member: str, doc: Any, record: RecordAt) -> Any:
        value = get(doc, record.bindings) if absolute else get(record.value, ())
        if value is MISSING or value is None:
            return value
        if lookup.file is not None:
            if other is None:
                raise LabelError(lookup.file, "lookup: another file's list cannot be read here")
            doc = other(lookup.file, member)
        table = index(doc)
        if isinstance(value, Many):
            return Many(None if v is None else table.get(str(v)) for v in value)
        return table.get(str(value), MISSING)

    return getter


class _OtherFiles:
    """Label files of the unit's archive that a field looks values up in (``lookup: {file: ...}``): the
    archive's names matched once per pattern (by folder), each folder's file resolved once, and one parsed
    file held per pattern at a time (members come folder by folder; whole: at most ``KDATA_MAX_ITEM_BYTES``)."""

    def __init__(self, archive: Path, limits: ArchiveLimits) -> None:
        self.archive, self.limits = archive, limits
        self._open: OpenArchive | None = None
        self._matches: dict[str, dict[str, list[str]]] = {}
        self._resolved: dict[tuple[str, str], str] = {}
        self._documents: dict[str, tuple[str, Any]] = {}
        self._kin: dict[str, set[str]] = {}
        self.used: set[str] = set()
        """Members some lookup read (the others a lookup's glob matched are reported as skipped)."""

    def document(self, pattern: str, member: str, encoding: str, own: Sequence[str] = ()) -> Any:
        folder = str(PurePosixPath(member).parent)
        name = self._resolved.get((pattern, folder))
        if name is None:
            name = self._resolved[(pattern, folder)] = self._resolve(pattern, member, own)
        held = self._documents.get(pattern)
        if held is not None and held[0] == name:
            return held[1]
        self._documents.pop(pattern, None)  # the last folder's file goes before the next one is read
        opened = self._archive()
        size = opened.size(name)
        if size > self.limits.max_item_bytes:
            raise LabelError(
                f"lookup.file {pattern!r}",
                f"{name} ({size:,} bytes) is larger than KDATA_MAX_ITEM_BYTES={self.limits.max_item_bytes:,}",
            )
        try:
            document = json_document(opened.read(name), encoding)
        except LabelFileError as error:
            raise LabelError(f"lookup.file {pattern!r}", f"{name}: {error}") from None
        self._documents[pattern] = (name, document)
        self.used.add(name)
        return document

    def _by_folder(self, pattern: str) -> dict[str, list[str]]:
        found = self._matches.get(pattern)
        if found is None:
            found = self._matches[pattern] = {}
            for name in self._archive().names():
                if glob_match(pattern, name):
                    found.setdefault(str(PurePosixPath(name).parent), []).append(name)
            if not found:  # a mapping that names no file of the archive: the dataset.yaml is wrong (exit 2)
                raise BadInput(f"{self.archive}: lookup.file {pattern!r} matches no label file of the archive")
        return found

    def _resolve(self, pattern: str, member: str, own: Sequence[str]) -> str:
        """The file ``pattern`` names for ``member``: in its folder, else the nearest folder above it that has
        one, else the only one in the archive unless a label file of the member's own kind sits beside it
        (that folder's own: a folder lacking its file took another folder's values, attack trial 11)."""
        by_folder = self._by_folder(pattern)
        where = f"lookup.file {pattern!r}"
        folder = PurePosixPath(member).parent
        for level in (folder, *folder.parents):
            near = [n for n in by_folder.get(str(level), []) if n != member]
            if len(near) == 1:
                return near[0]
            if near:
                raise LabelError(where, f"{len(near)} files in {level} match ({near[0]}, {near[1]}): name one")
        only = [n for names in by_folder.values() for n in names]
        if len(only) == 1 and str(PurePosixPath(only[0]).parent) not in self._kin_folders(own):
            return only[0]
        raise LabelError(where, f"no such file in {folder} or a folder above it")

    def _kin_folders(self, own: Sequence[str]) -> set[str]:
        """Folders holding a label file of a block's own patterns (listed once per block)."""
        key = "\0".join(own)
        found = self._kin.get(key)
        if found is None:
            names = self._archive().names()
            found = {str(PurePosixPath(n).parent) for n in names if any(glob_match(p, n) for p in own)}
            self._kin[key] = found
        return found

    def _archive(self) -> OpenArchive:
        if self._open is None:
            self._open = OpenArchive(self.archive, self.limits)
        return self._open

    def close(self) -> None:
        if self._open is not None:
            self._open.close()
            self._open = None
        self._documents.clear()


_PAIR_PREFIX = re.compile(r"^(?:[TV][LS]_?|\[(?:라벨|원천)\]\s*)", re.IGNORECASE)
"""What sets a label archive's name apart from its source archive's: ``TL_``/``VS_`` ... or ``[라벨]``/``[원천]``."""


def _pair_name(archive: str) -> str:
    name = PurePosixPath(archive).name
    return _PAIR_PREFIX.sub("", name[: -len(".zip")] if name.lower().endswith(".zip") else name)


def _paired(label_archive: str, source_archives: Sequence[str]) -> frozenset[str] | None:
    """The source archives named like ``label_archive`` but for their prefix (``TL_2.모범답안_중1.zip`` and
    ``TS_2.모범답안_중1.zip``), or ``None`` when none is (then every source archive may hold its sources)."""
    wanted = _pair_name(label_archive)
    paired = frozenset(a for a in source_archives if _pair_name(a) == wanted)
    return paired or None


def _near(value: str, folder: str) -> str:
    """The folder a source field's value names (``pig03/frame_0.jpg`` → ``pig03``), else the label's ``folder``."""
    parent = str(PurePosixPath(value.replace("\\", "/")).parent)
    return folder if parent == "." else parent


def _ends_within(ends: list[Any], seconds: float | None) -> bool | None:
    """Whether every end time (numbers, or lists of them) lies within ``seconds`` of audio, with the
    tolerance of :data:`AUDIO_LENGTH_TOLERANCE` (null when the audio's length or every end is unknown)."""
    values = [v for e in ends for v in (e if isinstance(e, list) else [e])]
    times = [float(v) for v in values if isinstance(v, int | float) and not isinstance(v, bool)]
    if seconds is None or not times:
        return None
    low, share = AUDIO_LENGTH_TOLERANCE
    return max(times) <= seconds + max(low, share * seconds)


def _length_ok(stated: Any, seconds: float | None) -> bool | None:
    """The label's duration against its audio's length (null when either is unknown): a WAV cut short of
    what its label says (AI Hub's command speech: 2.2 s labelled, 1.3 s recorded) fails."""
    if seconds is None or not isinstance(stated, int | float) or isinstance(stated, bool):
        return None
    low, share = AUDIO_LENGTH_TOLERANCE
    return abs(float(stated) - seconds) <= max(low, share * seconds)


def _outside(box: list[float], size: tuple[float, float], relative: bool) -> bool:
    t = _RELATIVE_TOLERANCE if relative else BOX_TOLERANCE
    x, y, w, h = box
    width, height = size
    return x < -t or y < -t or x + w > width + t or y + h > height + t


def _poly_outside(polygon: list[float], size: tuple[float, float], relative: bool) -> bool:
    t = _RELATIVE_TOLERANCE if relative else BOX_TOLERANCE
    width, height = size
    return any(
        polygon[i] < -t or polygon[i + 1] < -t or polygon[i] > width + t or polygon[i + 1] > height + t
        for i in range(0, len(polygon) - 1, 2)
    )


def _time_order(start: Any, end: Any) -> bool | None:
    if isinstance(start, list) and isinstance(end, list):
        pairs = list(zip(start, end, strict=False))
    elif isinstance(start, int | float) and isinstance(end, int | float):
        pairs = [(start, end)]
    else:
        return None
    return all(s is not None and e is not None and 0 <= s <= e for s, e in pairs)


def _shifted(record: RecordAt, item: int) -> RecordAt:
    if not record.bindings:
        return record
    place = (record.bindings[0] + item, *record.bindings[1:])
    index = record.index + item if len(record.bindings) == 1 and record.index is not None else record.index
    return dataclasses.replace(record, index=index, place=place)
