"""The mapping engine's Arrow path: a whole label file's records as columns, where the shape allows.

It applies to a JSON file whose records are a list (``data[*]``, ``sents[*]``, ``[*]``) and whose fields
are keys under the record (``header.dialogueInfo.topic``), one collecting list under it
(``body[*].utterance``), keys from the file root (``$.meta.doc_no``) or ``@index``/``@member``/``@stem``.
The records go to Arrow's JSON reader as JSON lines (orjson writes them; the same bytes become
``label_json``), and each field is a struct child. A column whose Arrow type is not the one the mapping
asks for is computed in Python over the same records (the per-record path's own getters and
conversions); a file where anything would be a problem (a conversion error, a missing required value,
types that change between records) returns ``None`` and goes through the per-record path, which names
the record and field. Either way the rows are the same (``tests/mapping/test_columnar.py``).
"""

from __future__ import annotations

import io
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from ingest.mapping.paths import MISSING
from ingest.readers._common import LabelError
from schemas.labels import LabelBlock, Token

__all__ = ["Columns", "applies", "empty_counts", "record_columns"]

_BLANK = (
    "^[\\t-\\r\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}]*$"
)
"""RE2: nothing but the characters Python's ``str.strip()`` removes (``str.isspace``)."""

Columns = tuple[list[Any], pa.Array, dict[str, pa.Array | list[Any]]]
"""``(records, label_json, columns by name)`` of one label file."""

_ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
_SPECIAL = frozenset({"@index", "@member", "@stem"})


def _keys(tokens: list[Token]) -> bool:
    return all(kind == "key" for kind, _ in tokens)


def _field_ok(spec: Any) -> bool:
    if spec.path in _SPECIAL:
        return True
    if spec.path in ("@", "@key") or spec.role in ("bbox", "polygon", "keypoints"):
        return False
    absolute, tokens = spec.tokens
    if absolute:
        return _keys(tokens)  # a value of the file, the same on every record
    each = [i for i, (kind, _) in enumerate(tokens) if kind != "key"]
    return not each or (len(each) == 1 and tokens[each[0]][0] == "each")


def applies(block: LabelBlock, fmt: str, embed: bool) -> bool:
    """Whether the Arrow path can read this block's files."""
    tokens = block.record_tokens
    listed = tokens == [("each", None)] or (len(tokens) == 2 and tokens[0][0] == "key" and tokens[1][0] == "each")
    return fmt == "json" and listed and not embed and all(_field_ok(s) for s in block.fields.values())


def _records(doc: Any, block: LabelBlock) -> list[Any] | None:
    tokens = block.record_tokens
    if len(tokens) == 2:
        if type(doc) is not dict:
            return None
        doc = doc.get(tokens[0][1])
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
    regrouped into one list per row of ``parent``, nulls dropped; a null or missing list is ``[]``."""
    import numpy as np

    keep = pc.is_valid(values).to_numpy(zero_copy_only=False)
    owners = pc.list_parent_indices(parent).to_numpy(zero_copy_only=False)
    counts = np.bincount(owners[keep], minlength=len(parent))
    offsets = np.concatenate([[0], np.cumsum(counts)]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), values.filter(pa.array(keep)))


def record_columns(
    doc: Any,
    block: LabelBlock,
    fields: list[Any],
    member: str,
    stem: str,
) -> Columns | None:
    """``(records, label_json, columns)`` of one parsed file, or ``None`` (the per-record path reads it)."""
    records = _records(doc, block)
    if not records:
        return None
    lines = [orjson.dumps(r, option=orjson.OPT_NON_STR_KEYS) for r in records]
    try:
        table = pa.json.read_json(
            io.BytesIO(b"\n".join(lines)),
            read_options=pa.json.ReadOptions(
                block_size=max(1 << 20, 2 * max(len(x) for x in lines) + 2), use_threads=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # types that change between records, keys too deep ...: the per-record path
    if table.num_rows != len(records):
        return None
    rows = (
        pa.StructArray.from_arrays([c.combine_chunks() for c in table.columns], names=table.column_names)
        if table.num_columns
        else None
    )
    columns: dict[str, pa.Array | list[Any]] = {}
    n = len(records)
    try:
        for field in fields:
            column = _column(field, rows, records, doc, member, stem, n)
            if column is None:
                return None
            columns[field.name] = column
    except (LabelError, pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        return None
    return records, pa.array(lines, pa.binary()).cast(pa.string()), columns


def _column(
    field: Any, rows: pa.StructArray | None, records: list[Any], doc: Any, member: str, stem: str, n: int
) -> Any:
    spec, path = field.spec, field.spec.path
    if path == "@index":
        return field_values(field, list(range(n)))
    if path in ("@member", "@stem"):
        return field_values(field, [member if path == "@member" else stem] * n)
    absolute, tokens = spec.tokens
    if absolute:  # the same value on every record of the file
        value = field.get(member, doc, _Record(None))
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
    return field_values(field, [field.get(member, doc, _Record(r)) for r in records])


def empty_counts(column: pa.Array | list[Any]) -> list[int] | pa.Array:
    """Per row, the texts that are missing or blank (``engine._empty_count`` over a whole column)."""
    import numpy as np

    if isinstance(column, list):
        from ingest.mapping.engine import _empty_count

        return [_empty_count(v) for v in column]
    if pa.types.is_list(column.type):  # lists hold no nulls here (dropped as the per-record path does)
        blank = pc.match_substring_regex(pc.list_flatten(column), _BLANK).to_numpy(zero_copy_only=False)
        owners = pc.list_parent_indices(column).to_numpy(zero_copy_only=False)
        return pa.array(np.bincount(owners[blank], minlength=len(column)).astype(np.int32))
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
