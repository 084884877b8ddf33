"""The mapping engine's Arrow path: a whole label file's records as columns, where the shape allows.

It applies to a JSON file whose records are a list at plain keys (``data[*]``, ``sents[*]``, ``[*]``,
``dataSet.dialogs[*]``) and whose fields are keys under the record (``header.dialogueInfo.topic``), one
collecting list under it (``body[*].utterance``), keys from the file root (``$.meta.doc_no``) or
``@index``/``@member``/``@stem``. The records go to Arrow's JSON reader as JSON lines: each record's own
text as the file writes it, the whitespace between tokens removed (:func:`ingest.labeljson.record_texts`:
msgspec splits the file without building Python objects; the same text becomes ``label_json``), and
each field is a struct child. A column whose Arrow type is not the one the mapping asks for is computed
in Python over the parsed records (the per-record path's own getters and conversions; the file is parsed
only then); a file where anything would be a problem (a conversion error, a missing required value,
types that change between records, text that is not UTF-8) returns ``None`` and goes through the
per-record path, which names the record and field. Either way the rows are the same
(``tests/mapping/test_columnar.py``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj

from ingest.labeljson import label_text
from ingest.mapping.paths import FILE_PATHS, MISSING, file_path_value
from ingest.readers._common import LabelError
from kcore.errors import BadInput
from kcore.limits import ArchiveLimits
from schemas.labels import LabelBlock, Token

__all__ = [
    "Columns",
    "applies",
    "empty_count",
    "empty_counts",
    "list_keys",
    "record_columns",
]

_BLANK = (
    "^[\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]*$"
)
"""RE2: nothing but the characters Python's ``str.strip()`` removes (``str.isspace``)."""

Columns = tuple[int, pa.Array, dict[str, pa.Array | list[Any]]]
"""``(rows, label_json, columns by name)`` of one label file."""

_ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
_SPECIAL = FILE_PATHS | {"@index"}


def _keys(tokens: list[Token]) -> bool:
    return all(kind == "key" for kind, _ in tokens)


def _field_ok(spec: Any) -> bool:
    if spec.path in _SPECIAL:
        return True
    if spec.path in ("@", "@key") or spec.role in ("bbox", "polygon", "keypoints") or spec.lookup is not None:
        return False
    absolute, tokens = spec.tokens
    if absolute:
        return _keys(tokens)  # a value of the file, the same on every record
    each = [i for i, (kind, _) in enumerate(tokens) if kind != "key"]
    return not each or (len(each) == 1 and tokens[each[0]][0] == "each")


def applies(block: LabelBlock, fmt: str, embed: bool) -> bool:
    """Whether the Arrow path can read this block's files."""
    keys = list_keys(block)
    return fmt == "json" and keys is not None and not embed and all(_field_ok(s) for s in block.fields.values())


def list_keys(block: LabelBlock) -> list[str] | None:
    """The plain keys down to the block's list of records (``[]`` for ``[*]``, ``["data"]`` for
    ``data[*]``, ``["dataSet", "dialogs"]`` for ``dataSet.dialogs[*]``); ``None`` for any other shape."""
    tokens = block.record_tokens
    if not tokens or tokens[-1] != ("each", None) or any(kind != "key" for kind, _ in tokens[:-1]):
        return None
    return [str(key) for _, key in tokens[:-1]]


def _records(doc: Any, keys: list[str]) -> list[Any] | None:
    for key in keys:
        if type(doc) is not dict:
            return None
        doc = doc.get(key)
    return doc if type(doc) is list and all(type(r) is dict for r in doc) else None


def _child(array: pa.Array, keys: list[str]) -> pa.Array | None:
    """The struct child at ``keys`` (null where a parent is null); ``None`` when the reader saw no such key."""
    for key in keys:
        if not pa.types.is_struct(array.type) or array.type.get_field_index(key) < 0:
            return None
        array = pc.struct_field(array, key)
    return array


def _lists(parent: pa.Array, values: pa.Array) -> pa.Array:
    """``values`` (one per item of ``parent``'s lists, as :func:`pyarrow.compute.list_flatten` gives them)
    regrouped into one list per row of ``parent``, nulls kept in their places (a list collected by ``[*]``
    stays aligned item by item with the lists beside it); a null or missing list is ``[]``."""
    import numpy as np

    owners = pc.list_parent_indices(parent).to_numpy(zero_copy_only=False)
    counts = np.bincount(owners, minlength=len(parent))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values)


def record_columns(
    texts: list[bytes],
    block: LabelBlock,
    fields: list[Any],
    member: str,
    load: Callable[[], Any],
    archive_rel: str,
    limits: ArchiveLimits,
) -> Columns | None:
    """``(rows, label_json, columns)`` of one file from its :func:`ingest.labeljson.record_texts`, or ``None`` (the
    per-record path reads it). ``load()`` parses the whole document, only if a field needs its Python
    values (a key of the file's root, a type Arrow does not give)."""
    if not texts:
        return None
    try:
        table = pj.read_json(
            io.BytesIO(b"\n".join(texts)),
            read_options=pj.ReadOptions(block_size=max(1 << 20, 2 * max(len(x) for x in texts) + 2), use_threads=False),
        )
        escaped = any(b"\\" in t for t in texts)
        labels = [label_text(t) for t in texts] if escaped else texts
        label_json = pa.array(labels, pa.binary()).cast(pa.string())  # the cast checks that it is UTF-8
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, orjson.JSONDecodeError):
        return None  # types that change between records, keys too deep, not UTF-8 ...: the per-record path
    n = len(texts)
    if table.num_rows != n:
        return None
    rows = (
        pa.StructArray.from_arrays([c.combine_chunks() for c in table.columns], names=table.column_names)
        if table.num_columns
        else None
    )
    parsed = _LazyDocument(load, list_keys(block) or [], n)
    columns: dict[str, pa.Array | list[Any]] = {}
    try:
        for field in fields:
            column = _column(field, rows, parsed, member, n, archive_rel, limits)
            if column is None:
                return None
            columns[field.name] = column
    except (LabelError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, _Unparsed):
        return None
    return n, label_json, columns


class _Unparsed(Exception):
    """The whole document did not parse, or its records are not the ones the texts were split into."""


class _LazyDocument:
    """The whole document, parsed the first time a field asks for it."""

    def __init__(self, load: Callable[[], Any], keys: list[str], n: int) -> None:
        self._load, self._keys, self._n = load, keys, n
        self._doc: Any = None
        self.records: list[Any] | None = None

    def doc(self) -> Any:
        if self.records is None:
            try:
                self._doc = self._load()
            except Exception as error:
                raise _Unparsed(str(error)) from None
            records = _records(self._doc, self._keys)
            if records is None or len(records) != self._n:
                raise _Unparsed("records differ")
            self.records = records
        return self._doc


def _column(
    field: Any,
    rows: pa.StructArray | None,
    parsed: _LazyDocument,
    member: str,
    n: int,
    archive: str,
    limits: ArchiveLimits,
) -> Any:
    spec, path = field.spec, field.spec.path
    if path == "@index":
        return field_values(field, list(range(n)))
    if path in FILE_PATHS:
        return field_values(field, [file_path_value(path, member)] * n)
    absolute, tokens = spec.tokens
    if absolute:  # the same value on every record of the file
        value = field.get(member, parsed.doc(), _Record(None))
        if json_size(value) * n > limits.max_copied_bytes:
            raise too_many_copies(archive, member, field, json_size(value) * n, limits)
        return field_values(field, [value] * n)
    kind = str(spec.column_type())
    target = _ARROW_TYPES.get(kind)
    keys = [v for k, v in tokens if k == "key"]
    each = next((i for i, (k, _) in enumerate(tokens) if k == "each"), None)
    if rows is not None and target is not None:
        if each is None and not field.column.many:
            found = _child(rows, keys)
            if found is not None and (found.type == target or (kind == "float" and pa.types.is_integer(found.type))):
                if spec.required and found.null_count:
                    return None
                return found.cast(target)
            if found is not None and pa.types.is_null(found.type):
                return None if spec.required else pa.nulls(n, target)
        elif each is not None and field.column.many:
            head, tail = keys[:each], keys[each:]
            parent = _child(rows, head)
            if parent is not None and pa.types.is_list(parent.type):
                values = _child(pc.list_flatten(parent), tail) if tail else pc.list_flatten(parent)
                if values is not None and values.type == target and not spec.required:
                    return _lists(parent, values)
    doc = parsed.doc()
    return field_values(field, [field.get(member, doc, _Record(r)) for r in parsed.records or []])


def json_size(value: Any) -> int:
    """Bytes of ``value`` as JSON (what copying it onto a record adds, near enough)."""
    if value is None or value is MISSING:
        return 0
    try:
        return len(orjson.dumps(value))
    except TypeError:
        return len(str(value))


def too_many_copies(archive: str, member: str, field: Any, total: int, limits: ArchiveLimits) -> BadInput:
    """The refusal of a file whose value from the root (``$.…``) copied onto each record would make ``total`` bytes."""
    return BadInput(
        f"{archive}!{member}: field {field.name!r} ({field.spec.path}) copies a value of the file's root onto "
        f"each of its records: {total:,} bytes or more, past {limits.max_copied_bytes:,} "
        "(KDATA_MAX_COPIED_BYTES); "
        "map it from each record instead, or leave it in label_json"
    )


def empty_count(value: Any) -> int:
    """Texts of a ``text`` column value that are missing or blank (one value, or a list of them); what
    :func:`empty_counts` computes for a whole column (the per-record path of the engine calls this)."""
    texts = value if isinstance(value, list) else [value]
    if not texts:  # a list of texts holding none (``caption_ko: []``): the record's text is missing
        return 1
    return sum(1 for t in texts if t is None or not str(t).strip())


def empty_counts(column: pa.Array | list[Any]) -> list[int] | pa.Array:
    """Per row, the texts that are missing or blank (:func:`empty_count` over a whole column)."""
    import numpy as np

    if isinstance(column, list):
        return [empty_count(v) for v in column]
    if pa.types.is_list(column.type):  # a null in a list is a missing text, as the per-record path counts it
        blank = pc.match_substring_regex(pc.list_flatten(column), _BLANK).fill_null(True)
        blank = blank.to_numpy(zero_copy_only=False)
        owners = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
        counts = np.bincount(owners[blank], minlength=len(column)).astype(np.int32)
        lengths = pc.list_value_length(column).fill_null(0).to_numpy(zero_copy_only=False)
        counts[lengths == 0] = 1  # a list holding no text: missing, as :func:`empty_count` counts it
        return pa.array(counts)
    blank = pc.match_substring_regex(column, _BLANK).fill_null(True)
    return pc.cast(blank, pa.int32())


def field_values(field: Any, values: list[Any]) -> list[Any]:
    """The per-record path's conversion of each value (raises :class:`LabelError` as it would)."""
    out = []
    for value in values:
        if value is MISSING or value is None or (type(value) is list and not value and not field.column.many):
            if field.spec.required:
                raise LabelError(field.spec.path, "missing")
            out.append(field.empty)
        else:
            out.append(field.convert(value))
    return out


class _Record:
    """The part of :class:`~ingest.mapping.paths.RecordAt` a getter reads (no bindings: the Arrow path
    takes no field whose path needs the record's positions)."""

    __slots__ = ("bindings", "value")

    def __init__(self, value: Any) -> None:
        self.value, self.bindings = value, ()
