"""What every reader shares: label decoding, field access with named errors, the label → source join.

Readers turn label units into records. A unit that cannot be read becomes a :class:`Problem`
naming archive, member and field; a label whose source file is missing is kept (``source_file``
null) and reported; nothing is dropped silently.
"""

from __future__ import annotations

import gc
import io
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import IO, Any, TypeVar

import orjson

from ingest import labeljson
from ingest.archives import Member, OpenArchive, iter_member_streams, iter_members
from ingest.jsonstream import WHOLE_DOCUMENT_BYTES, JsonStreamError, ListItems, decode_text, whole_list_items
from ingest.limits import UnsafeArchive
from ingest.problems import Problem, ReadStats
from kcore.errors import BadInput
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits
from schemas.records import LABEL_JSON

__all__ = [
    "INT64_MAX",
    "INT64_MIN",
    "POINT_KEY",
    "UNEXPECTED_CONTENT",
    "LabelError",
    "SourceFiles",
    "box_xywh",
    "build",
    "check_count",
    "dataset_root",
    "decode_json",
    "finish_record",
    "get",
    "iter_json_labels",
    "iter_list_items",
    "iter_text_labels",
    "member_list_items",
    "norm_keys",
    "number",
    "numbered_points",
    "read_whole",
    "stem",
    "text",
]


class LabelError(ValueError):
    """A label field that is missing or has the wrong type; ``field`` is its dotted path."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field

    def within(self, prefix: str) -> LabelError:
        return LabelError(f"{prefix}.{self.field}" if prefix else self.field, str(self))


INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
"""What the int32 record columns hold: every integer a label gives (counts, sizes, ages, scores)."""
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
"""Integers a record column can hold; JSON allows more (a streamed label may hold 4,300 digits)."""

UNEXPECTED_CONTENT = (TypeError, ValueError, KeyError, IndexError, AttributeError, RecursionError, OverflowError)
"""What a label of the wrong shape can make a reader raise (a list where a key was expected ...)."""

T = TypeVar("T")


def build(make: Callable[..., T], *args: Any) -> T:
    """``make(*args)``, with any error a label of an unexpected shape may cause turned into a
    :class:`LabelError`: a schema problem naming the member, never a crash of the whole run."""
    try:
        return make(*args)
    except LabelError:
        raise
    except UNEXPECTED_CONTENT as error:
        raise LabelError("", f"unexpected label content ({type(error).__name__}: {str(error)[:200]})") from None


def decode_json(data: bytes) -> Any:
    """Parse label JSON: UTF-8 (with or without BOM), UTF-16 with BOM, else CP949 (detected).

    Raises ``orjson.JSONDecodeError`` (a ``ValueError``) for invalid JSON and
    :class:`~ingest.jsonstream.JsonStreamError` for text that is neither UTF-8 nor CP949.
    """
    with no_collection():
        return _decode_json(data)


@contextmanager
def no_collection() -> Iterator[None]:
    """The cyclic garbage collector paused while a parser builds objects that hold no cycles (orjson's dicts
    and lists): each 700 allocations it would walk every tracked object of the process, which made parsing
    a label file 2-3x slower in a process full of imports."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _decode_json(data: bytes) -> Any:
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                pass
            else:
                raise
    text, _ = decode_text(data)
    return orjson.loads(text)


_DIGITS = re.compile(r"\s*-?[0-9]{1,40}\s*")
"""An integer written as text ("12", " -3 "); not "--5", "²" or 5,000 digits, which ``int()`` refuses."""


def get(obj: Any, path: str, kind: type | tuple[type, ...], *, required: bool = True) -> Any:
    """``obj[a][b]`` for ``path`` ``"a.b"`` checked against ``kind``; ints may come as digit strings.

    An ``int`` must fit 32 bits: the record columns that label integers land in are int32
    (``schemas/records.py``), so a width of 2**40 is this field's problem (the record is reported and
    skipped) rather than an Arrow error that stops the whole archive at the chunk writer. Ids read as
    ``(str, int)`` become text and only need to fit 64 bits."""
    current = obj
    for part in path.split("."):
        if not isinstance(current, dict) or part not in current:
            if required:
                raise LabelError(path, "missing")
            return None
        current = current[part]
    if current is None and not required:
        return None
    if kind is int and isinstance(current, str) and _DIGITS.fullmatch(current):
        current = int(current)  # and range-checked below
    if kind is float and isinstance(current, str):
        try:
            return float(current)
        except ValueError:
            pass
    if kind is float and isinstance(current, int) and not isinstance(current, bool):
        return float(current)
    if not isinstance(current, kind) or (kind in (int, float) and isinstance(current, bool)):
        raise LabelError(path, f"expected {getattr(kind, '__name__', kind)}, got {type(current).__name__}")
    if kind is int and isinstance(current, int) and not INT32_MIN <= current <= INT32_MAX:
        raise LabelError(path, "integer out of the 32-bit range")
    if isinstance(current, int) and not INT64_MIN <= current <= INT64_MAX:
        raise LabelError(path, "integer out of the 64-bit range")
    return current


def number(value: Any, field: str) -> float:
    """A coordinate or reading: int, float or numeric string."""
    if isinstance(value, bool):
        raise LabelError(field, "expected a number, got bool")
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise LabelError(field, f"expected a number, got {type(value).__name__}")


POINT_KEY = re.compile(r"^\s*([XxYy])\s*(?:좌표|coord(?:inate)?)?\s*_?(\d+)\s*$")


def numbered_points(entry: dict[str, Any], field: str) -> list[float] | None:
    """``{X좌표1, Y좌표1, X좌표2, ...}`` (any key order) → flat points; ``None`` when no such keys."""
    points: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        match = POINT_KEY.match(str(key))
        if match:
            points.setdefault(int(match[2]), {})[match[1].upper()] = number(value, f"{field}.{key}")
    if not points:
        return None
    flat: list[float] = []
    for index in sorted(points):
        if set(points[index]) != {"X", "Y"}:
            raise LabelError(f"{field}.X좌표{index}", "X and Y must come in pairs")
        flat.extend((points[index]["X"], points[index]["Y"]))
    return flat


def box_xywh(value: Any, field: str) -> list[float] | None:
    """A box ``[x, y, width, height]`` of numbers (``None`` when absent)."""
    if value in (None, []):
        return None
    if not isinstance(value, list):
        raise LabelError(field, "expected [x, y, width, height]")
    return [number(v, f"{field}[{n}]") for n, v in enumerate(value)]


def text(value: Any) -> str | None:
    return None if value is None else str(value)


def norm_keys(obj: Any) -> Any:
    """Keys compared loosely: case, surrounding spaces and a trailing dot (``Learning_Data_Info.``) ignored."""
    if isinstance(obj, dict):
        return {str(k).strip().rstrip(".").lower(): norm_keys(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [norm_keys(v) for v in obj]
    return obj


def stem(name: str) -> str:
    """``a/b/0001.jpg`` → ``0001`` (``PurePosixPath(name).stem``, without building a path for the usual name)."""
    base = name.rpartition("/")[2]
    if not base or base in (".", ".."):  # pathlib's own normalisation decides these
        return PurePosixPath(name).stem
    dot = base.rfind(".")
    return base[:dot] if 0 < dot < len(base) - 1 else base


def dataset_root(archive: Path, archive_rel: str) -> Path:
    """The dataset folder, from an archive's absolute and relative paths."""
    return archive.parents[len(PurePosixPath(archive_rel).parts) - 1]


def _bad_json(stats: ReadStats, archive_rel: str, member: str, error: Exception) -> None:
    stats.add(Problem("bad_json", archive_rel, member, None, f"invalid JSON: {error}"), invalid_label=True)


def iter_json_labels(
    archive: Path, archive_rel: str, stats: ReadStats, suffixes: tuple[str, ...] = (".json",)
) -> Iterator[tuple[str, Any]]:
    """``(member name, document)`` for each per-file JSON label; every member counts as a label unit."""
    for member, data in iter_members(archive, suffixes, stats.limits):
        stats.member_read(member.info.compress_size)
        stats.labels_seen += 1
        try:
            yield member.name, decode_json(data)
        except (orjson.JSONDecodeError, JsonStreamError, RecursionError) as error:
            _bad_json(stats, archive_rel, member.name, error)


def iter_text_labels(
    archive: Path, archive_rel: str, stats: ReadStats, suffixes: tuple[str, ...]
) -> Iterator[tuple[str, str]]:
    """``(member name, text)`` for each text label (UTF-8 or CP949, detected); one unit per member."""
    for member, data in iter_members(archive, suffixes, stats.limits):
        stats.member_read(member.info.compress_size)
        stats.labels_seen += 1
        try:
            yield member.name, decode_text(data)[0]
        except JsonStreamError as error:
            stats.add(Problem("bad_text", archive_rel, member.name, None, str(error)), invalid_label=True)


def iter_list_items(
    archive: Path,
    archive_rel: str,
    stats: ReadStats,
    list_keys: tuple[str, ...],
    what: str,
    single_keys: tuple[str, ...] = (),
) -> Iterator[tuple[str, int, Any]]:
    """``(member, index, item)`` for the items of list-shaped label files, streamed (bounded memory).

    Each item is a label unit. A member cut off or broken mid-way keeps the items before the defect
    and counts as one more invalid unit (``bad_json`` naming the offset); a member without the list
    is one invalid unit (``schema``), unless its top-level object has all of ``single_keys`` (a file
    holding one item). A declared ``numberOfItems`` that differs is reported.
    """
    for member, stream in iter_member_streams(archive, (".json",), stats.limits):
        stats.member_read(member.info.compress_size)
        data = read_whole(member, stream, stats.limits)
        yield from member_list_items(member.name, stream, data, archive_rel, stats, list_keys, what, single_keys)


def read_whole(member: Member, stream: IO[bytes], limits: ArchiveLimits = DEFAULT_LIMITS) -> bytes | None:
    """The member's bytes when it is small enough to parse whole (the usual label file), else ``None``."""
    if member.size > min(WHOLE_DOCUMENT_BYTES, limits.max_item_bytes):
        return None
    return stream.read(member.size + 1)


def member_list_items(
    member: str,
    stream: IO[bytes],
    data: bytes | None,
    archive_rel: str,
    stats: ReadStats,
    list_keys: tuple[str, ...],
    what: str,
    single_keys: tuple[str, ...] = (),
) -> Iterator[tuple[str, int, Any]]:
    """What :func:`iter_list_items` yields for one member: parsed whole from ``data`` when given (orjson,
    C speed) and the answer is certain (:func:`~ingest.jsonstream.whole_list_items`), else streamed."""
    if data is not None:
        whole = whole_list_items(data, list_keys)
        if whole is not None:
            header, _key, found = whole
            yield from _whole_items(member, found, header, archive_rel, stats)
            return
        stream = io.BytesIO(data)  # what only the stream can tell: read again from these bytes
    items = ListItems(stream, list_keys, max_item_chars=stats.limits.max_item_bytes)
    try:
        for index, item in enumerate(items):
            stats.labels_seen += 1
            yield member, index, item
    except (JsonStreamError, RecursionError) as error:
        stats.labels_seen += 1
        _bad_json(stats, archive_rel, member, error)
        return
    if items.list_key is None and single_keys and all(k in items.header for k in single_keys):
        stats.labels_seen += 1
        yield member, 0, items.header
        return
    if items.list_key is None or items.list_value is not None:
        stats.labels_seen += 1
        field = items.list_key or "|".join(list_keys)
        stats.add(Problem("schema", archive_rel, member, field, f"expected a list of {what}"), invalid_label=True)
        return
    check_count(items.header, items.count, archive_rel, member, stats)


def _whole_items(
    member: str, items: list[Any], header: dict[str, Any], archive_rel: str, stats: ReadStats
) -> Iterator[tuple[str, int, Any]]:
    """What :func:`iter_list_items` yields for a document parsed whole (items released as they go)."""
    count = len(items)
    items.reverse()
    for index in range(count):
        stats.labels_seen += 1
        yield member, index, items.pop()
    check_count(header, count, archive_rel, member, stats)


def check_count(header: dict[str, Any], count: int, archive_rel: str, member: str, stats: ReadStats) -> None:
    declared = header.get("numberOfItems")
    if isinstance(declared, int) and declared != count:
        stats.add(
            Problem(
                "count_mismatch", archive_rel, member, "numberOfItems", f"declares {declared} items, holds {count}"
            ),
            invalid_label=False,
        )


def finish_record(
    record: dict[str, Any], record_id: str, archive_rel: str, member: str, stats: ReadStats, *, label: Any
) -> dict[str, Any]:
    """Add ``label_json`` (``label``, the label object the record was read from, as JSON text: the whole
    file of a per-item label, the list item of a file of many) and provenance; report a label whose source
    file is missing (the record is kept)."""
    if record.get("source_file") is None:
        stats.add(
            Problem("missing_source", archive_rel, member, None, "no source file for this label", record_id),
            invalid_label=False,
        )
    record[LABEL_JSON] = labeljson.dumps(label)
    record["label_archive"] = archive_rel
    record["label_member"] = member
    return record


class SourceFiles:
    """The source files of a split, joined to labels by stem, read lazily (archives opened once)."""

    def __init__(
        self, archive: Path, archive_rel: str, sources: Mapping[str, str], limits: ArchiveLimits = DEFAULT_LIMITS
    ) -> None:
        self._root = dataset_root(archive, archive_rel)
        self._sources = sources
        self._limits = limits
        self._open: dict[str, OpenArchive] = {}

    def ref(self, key: str) -> str | None:
        """``"archive!member"`` of the source file with stem ``key``, or ``None``."""
        return self._sources.get(key)

    def read(self, ref: str) -> bytes:
        """Bytes of ``"archive!member"``; :class:`BadInput` naming both when unreadable."""
        archive, _, member = ref.partition("!")
        if archive not in self._open:
            self._open[archive] = OpenArchive(self._root / archive, self._limits)
        return self._open[archive].read(member)

    def fetch(
        self, key: str, stats: ReadStats, archive_rel: str, member: str, record_id: str, ref: str | None = None
    ) -> tuple[str | None, bytes | None]:
        """``(ref, bytes)`` of the source with stem ``key``; an unreadable one is a problem, bytes ``None``.
        ``ref``: ``self.ref(key)`` when the caller already looked it up."""
        ref = ref or self.ref(key)
        if ref is None:
            return None, None
        try:
            return ref, self.read(ref)
        except UnsafeArchive:
            raise  # a corrupt or hostile source archive refuses the dataset, not just this record
        except BadInput as error:
            stats.add(
                Problem("source_unreadable", archive_rel, member, None, str(error), record_id), invalid_label=False
            )
            return ref, None

    def close(self) -> None:
        for opened in self._open.values():
            opened.close()
        self._open.clear()

    def __enter__(self) -> SourceFiles:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
