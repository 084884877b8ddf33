"""Per-record checks done while a label archive is read: personal data and a content hash.

:class:`RecordChecker` wraps a reader's record iterator (``kdata.pipeline.extract_unit``). For
each record it walks every string and number leaf (nested lists and structs too, and the provenance
columns: a file name may hold a name or a number; binary values are passed over), runs
:func:`quality.pii.scan`, masks in ``mask`` mode (``label_json`` through its parsed values; a number
holding personal data is nulled), and sets two check columns: ``pii_hits`` (findings left in the record:
0 after masking) and ``content_sha256`` (sha256 of the content columns, after masking). What it found is
tallied per rule with masked examples and locations (record id, archive, member, field path): never a raw
value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from quality import pii
from schemas.manifest import PiiPolicy
from schemas.records import LABEL_JSON, QUALITY_COLUMNS, RecordSchema

__all__ = [
    "MAX_EXAMPLES",
    "MAX_LOCATIONS",
    "PiiTally",
    "PreparedTable",
    "RecordChecker",
    "content_hashes",
    "content_sha256",
    "maybe_pii",
    "merge_tallies",
    "redact_problem",
    "string_leaves",
]

MAX_EXAMPLES = 5
"""Masked examples kept per rule."""

MAX_LOCATIONS = 20
"""Locations (record, archive, member, field) kept per rule."""

_SKIP = frozenset(c.name for c in QUALITY_COLUMNS)
"""Columns never scanned: the check columns this module sets. The provenance columns are scanned (a label
file named ``홍길동_900101-1234567.json`` was published under ``block``), and masked under ``mask``."""

_WALKED = (str, list, dict, int, float)
"""Values :meth:`RecordChecker._walk` looks into (``bool`` is an ``int`` too and is passed over there)."""


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in order, duplicates kept (``label_json`` masking)."""


class _Number(str):
    """A JSON number as its text (``label_json`` masking writes it back unchanged unless it is masked)."""


_Path = tuple[Any, str | int]
"""Where a value sits, built cheaply while walking: ``((None, "utterances"), 3), "utterance")``."""


def _path_text(path: _Path) -> str:
    """``utterances[3].utterance`` (only formatted for values that hold personal data)."""
    parent, key = path
    if parent is None:
        return str(key)
    prefix = _path_text(parent)
    return f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}"


def _default(value: Any) -> Any:
    if isinstance(value, bytes | bytearray | memoryview):
        return "sha256:" + hashlib.sha256(bytes(value)).hexdigest()
    return str(value)


def _identity(value: str) -> str:
    """What makes two findings the same personal value: the digits (``010-1234-5678`` and ``01012345678``),
    or the text itself, lower-cased (an e-mail address)."""
    digits = "".join(ch for ch in value if ch.isdigit())
    return digits or value.strip().lower()


def content_sha256(record: dict[str, Any], columns: list[str]) -> str:
    """sha256 of the canonical JSON of ``columns`` (sorted keys; bytes by their own sha256)."""
    payload = {name: record.get(name) for name in columns}
    data = orjson.dumps(payload, default=_default, option=orjson.OPT_SORT_KEYS | orjson.OPT_SERIALIZE_NUMPY)
    return hashlib.sha256(data).hexdigest()


@dataclass
class _RuleTally:
    found: int = 0
    masked: int = 0
    records: int = 0
    examples: list[str] = field(default_factory=list)
    locations: list[dict[str, str | None]] = field(default_factory=list)


@dataclass
class PiiTally:
    """Personal data found in one unit (or merged over units), per rule; values masked."""

    policy: PiiPolicy
    records_scanned: int = 0
    records_with_pii: int = 0
    rules: dict[str, _RuleTally] = field(default_factory=lambda: {r.id: _RuleTally() for r in pii.RULES})

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "detector_version": pii.DETECTOR_VERSION,
            "records_scanned": self.records_scanned,
            "records_with_pii": self.records_with_pii,
            "rules": {
                rule_id: {
                    "found": t.found,
                    "masked": t.masked,
                    "records": t.records,
                    "examples": list(t.examples),
                    "locations": list(t.locations),
                }
                for rule_id, t in self.rules.items()
            },
        }


def redact_problem(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem dict with personal data masked in every text (record id, member, field, message)."""
    return {k: pii.redact(v) if isinstance(v, str) else v for k, v in problem.items()}


def merge_tallies(policy: PiiPolicy, parts: Iterable[dict[str, Any] | None]) -> dict[str, Any]:
    """Merge the ``to_dict()`` tallies of several units (order kept, lists capped)."""
    total = PiiTally(policy)
    for part in parts:
        if not part:
            continue
        total.records_scanned += int(part.get("records_scanned", 0))
        total.records_with_pii += int(part.get("records_with_pii", 0))
        for rule_id, data in part.get("rules", {}).items():
            tally = total.rules.setdefault(rule_id, _RuleTally())
            tally.found += int(data["found"])
            tally.masked += int(data["masked"])
            tally.records += int(data["records"])
            for example in data["examples"]:
                if example not in tally.examples and len(tally.examples) < MAX_EXAMPLES:
                    tally.examples.append(example)
            tally.locations.extend(data["locations"][: MAX_LOCATIONS - len(tally.locations)])
    return total.to_dict()


_FIELD_SEPARATOR = "\n|||\n"
"""Five non-digit characters: more than the four a digit run may skip, and no ``@``."""


def _collect_strings(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list | dict):
                _collect_strings(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            if isinstance(item, str):
                out.append(item)
            elif isinstance(item, list | dict):
                _collect_strings(item, out)


def _no_bytes(value: Any) -> None:
    if isinstance(value, bytes | bytearray | memoryview):
        return None  # binary values hold no text to scan
    raise TypeError(type(value).__name__)


def _record_text(record: dict[str, Any]) -> str:
    """All text of a record for the pre-check, as one string.

    Usually the record's compact JSON (orjson: C speed). It holds every string value verbatim when
    it has no escape (no ``\\``), so the pre-check over it can only say "maybe" more often than over
    the strings themselves: JSON punctuation, keys and numbers add no ``x@y`` and break no digit run.
    Otherwise (escapes, values JSON cannot hold) the string values joined by a separator no digit run
    or e-mail can span.
    """
    payload = {name: value for name, value in record.items() if name not in _SKIP}
    try:
        data = orjson.dumps(payload, default=_no_bytes)
    except TypeError:
        data = b"\\"
    if b"\\" not in data:
        return data.decode()
    texts: list[str] = []
    for value in payload.values():
        _collect_strings(value, texts)
    return _FIELD_SEPARATOR.join(texts)


def _strings_text(record: dict[str, Any]) -> str:
    """The string values of a record's content (what :meth:`RecordChecker._scan` reads), joined by
    :data:`_FIELD_SEPARATOR`, which no digit run or e-mail can span."""
    texts: list[str] = []
    for name, value in record.items():
        if name not in _SKIP:
            _collect_strings(value, texts)
    return _FIELD_SEPARATOR.join(texts)


MAYBE_PII = (
    r"(?s)[A-Za-z0-9_.%+\-\x{80}-\x{10FFFF}][ \t]{0,6}[@\x{FF20}\x{FE6B}][ \t]{0,6}[A-Za-z0-9_\-\x{80}-\x{10FFFF}]"
    r"|\p{N}(?:.{0,4}\p{N}){8}|\p{Cf}|\p{Mn}"
    r"|여권|(?i:passport)|골뱅이|[\[({](?:[\s\p{Z}\x{1c}-\x{1f}\x{85}]){0,2}(?i:at)(?:[\s\p{Z}\x{1c}-\x{1f}\x{85}]){0,2}[\])}]"
    r"|[\s\p{Z}\x{1c}-\x{1f}\x{85}](?i:dot)[\s\p{Z}\x{1c}-\x{1f}\x{85}]"
    r"|" + pii.SPOKEN_HINT_RE2
)
"""RE2 (Arrow compute) pre-check per string, never stricter than :func:`quality.pii.might_contain_pii`:
an ``@`` (or ``＠``) between address characters up to six spaces apart (any non-ASCII character counts as
one), or nine numeric characters (``\\p{N}``, a superset of Python's ``\\d``) at most four characters apart,
or any format character or non-spacing mark (``\\p{Cf}``: a zero-width space, a soft hyphen; ``\\p{Mn}``:
a combining accent; the detectors read past them, so such a string is walked; a pattern that skipped them
between digits cost 40 % more over every string), or a word the digit and ``@`` tests cannot see (a
passport's, an address's ``@`` and dots spelled out: :data:`quality.pii._WORD_HINT`, its spaces as
Python's ``\\s`` reads them), or numbers read aloud (:data:`quality.pii.SPOKEN_HINT_RE2`)."""


def maybe_pii(strings: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per string, whether :data:`MAYBE_PII` matches (null: no), as a numpy bool array. One call per
    array: Arrow compiles the pattern for every array (and every chunk) it is given, ~1 ms each here,
    so many small arrays cost more than the matching (call it once over them, see :func:`_flag_rows`)."""
    if isinstance(strings, pa.ChunkedArray):
        strings = strings.combine_chunks()
    return pc.match_substring_regex(strings, MAYBE_PII).fill_null(False).to_numpy(zero_copy_only=False)


_ALONE_BYTES = 4 << 20
"""A string leaf this big is matched on its own (``label_json``: copying it into one array with the others
cost more than the matching); smaller ones are matched together in one call."""


def _flag_rows(leaves: Iterable[tuple[pa.Array, np.ndarray]], n: int) -> np.ndarray:
    """Per row of ``n``, whether any of its strings matches :data:`MAYBE_PII`; ``leaves`` as
    :func:`string_leaves` yields them (of any columns), the small ones matched in one call."""
    flagged = np.zeros(n, dtype=bool)
    strings, rows = [], []
    for leaf, leaf_rows in leaves:
        if len(leaf) and leaf.nbytes >= _ALONE_BYTES:
            flagged[leaf_rows[maybe_pii(leaf)]] = True
        elif len(leaf):
            strings.append(leaf.cast(pa.large_string()))  # one type for all (and past 2 GiB of text)
            rows.append(leaf_rows)
    if strings:
        flagged[np.concatenate(rows)[maybe_pii(pa.concat_arrays(strings))]] = True
    return flagged


def string_leaves(column: pa.ChunkedArray | pa.Array) -> Iterator[tuple[pa.Array, np.ndarray]]:
    """``(strings, row of each string)`` for every string inside a column: top-level, in lists, in structs."""
    if isinstance(column, pa.ChunkedArray):
        base = 0
        for chunk in column.chunks:
            yield from _leaves(chunk, np.arange(base, base + len(chunk)))
            base += len(chunk)
    else:
        yield from _leaves(column, np.arange(len(column)))


def _leaves(array: pa.Array, rows: np.ndarray) -> Iterator[tuple[pa.Array, np.ndarray]]:
    kind = array.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        yield array, rows
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        parents = pc.list_parent_indices(array).to_numpy()
        yield from _leaves(pc.list_flatten(array), rows[parents])
    elif pa.types.is_struct(kind):
        for index in range(kind.num_fields):
            yield from _leaves(pc.struct_field(array, [index]), rows)


def content_hashes(table: pa.Table, columns: list[str]) -> list[str]:
    """:func:`content_sha256` of every row of ``table``, the canonical JSON built by Arrow compute where
    it can be (strings, integers, booleans, lists and structs of them) and by orjson per row elsewhere."""
    encoded, control = _canonical_json(table, columns)
    return _hashes(table, columns, encoded, control)


def _hashes(table: pa.Table, columns: list[str], encoded: pa.Array | None, control: np.ndarray) -> list[str]:
    """Hashes of the canonical JSON; the ``control`` rows (a control character, which orjson writes as
    ``\n`` or ``\u0001`` and Arrow leaves as it is) are hashed from orjson in Python."""
    if encoded is None:
        return [content_sha256(row, columns) for row in table.select(columns).to_pylist()]
    hashes = _sha256_each(encoded)
    if control.size:
        positions = control.tolist()
        for position, row in zip(positions, table.select(columns).take(positions).to_pylist(), strict=True):
            hashes[position] = content_sha256(row, columns)
    return hashes


def _sha256_each(strings: pa.Array) -> list[str]:
    """sha256 of each value of a string array without nulls, read in place (no bytes object per value)."""
    binary = strings.cast(pa.large_binary() if pa.types.is_large_string(strings.type) else pa.binary())
    _validity, offsets_buffer, data_buffer = binary.buffers()
    width = np.int64 if pa.types.is_large_binary(binary.type) else np.int32
    offsets = np.frombuffer(offsets_buffer, dtype=width)[binary.offset : binary.offset + len(binary) + 1].tolist()
    data = memoryview(data_buffer) if data_buffer is not None else memoryview(b"")
    sha256 = hashlib.sha256
    return [sha256(data[offsets[i] : offsets[i + 1]]).hexdigest() for i in range(len(binary))]


def _canonical_json(table: pa.Table, columns: list[str]) -> tuple[pa.Array | None, np.ndarray]:
    """Per row, ``orjson.dumps({c: row[c] for c in columns}, option=OPT_SORT_KEYS)`` as an Arrow string
    array, and the rows with a control character (left as it is here, where orjson writes ``\\n`` or
    ``\\u0001``: hashed in Python). Quotes and backslashes are escaped here exactly as orjson escapes
    them, so label JSON text in a column keeps the fast hash. ``(None, ...)`` for column types it does
    not encode (floats, bytes ...)."""
    joined, control, _ = _canonical_json_rows(table, columns)
    return joined, control


def _canonical_json_rows(table: pa.Table, columns: list[str]) -> tuple[pa.Array | None, np.ndarray, np.ndarray]:
    """:func:`_canonical_json`, and the rows holding a backslash (an escaped quote or backslash, or a
    control character): one pass over the text finds both kinds, which are few (the two follow-up passes
    read those rows only)."""
    joined = _joined(table, columns, escape=True)
    if joined is None:
        empty = np.zeros(0, dtype=np.int64)
        return None, empty, empty
    special = _rows_with(joined, r"[\\\x00-\x1f]")
    return joined, _rows_with(joined, r"[\x00-\x1f]", special), _rows_with(joined, r"\\", special)


def _rows_with(joined: pa.Array, pattern: str, among: np.ndarray | None = None) -> np.ndarray:
    """Positions of the rows of ``joined`` (of ``among`` only, if given) that ``pattern`` matches."""
    if among is None:
        return np.flatnonzero(pc.match_substring_regex(joined, pattern).to_numpy(zero_copy_only=False))
    if not among.size:
        return among
    return among[pc.match_substring_regex(joined.take(among), pattern).to_numpy(zero_copy_only=False)]


def _joined(table: pa.Table, columns: list[str], *, escape: bool) -> pa.Array | None:
    """The canonical JSON of each row (:func:`_canonical_json`); with ``escape=False`` its strings are
    written as they are, so every string of the row stands in it verbatim, each between quotes: the text
    the personal-data pre-check reads (an escape between two digits would widen a gap the pattern
    allows; ``label_json`` text holds a quote in every row)."""
    parts: list[pa.Array | str] = []
    literal = "{"
    for n, name in enumerate(sorted(columns)):
        encoded = _json_parts(table.column(name).combine_chunks(), escape)
        if encoded is None:
            return None
        values, opening, closing = encoded
        parts += [literal + ("," if n else "") + orjson.dumps(name).decode() + ":" + opening, values]
        literal = closing
    parts.append(literal + "}")
    return pc.binary_join_element_wise(*[pa.scalar(p) if isinstance(p, str) else p for p in parts], "")


def _json_values(array: pa.Array, escape: bool = True) -> pa.Array | None:
    """Each value of ``array`` as orjson writes it (compact, keys sorted), or ``None`` for other types;
    strings as they are with ``escape=False``."""
    encoded = _json_parts(array, escape)
    if encoded is None:
        return None
    values, opening, closing = encoded
    if opening or closing:
        return pc.binary_join_element_wise(pa.scalar(opening), values, pa.scalar(closing), "")
    return values


def _json_parts(array: pa.Array, escape: bool) -> tuple[pa.Array, str, str] | None:
    """:func:`_json_values` as ``(values, opening, closing)``: each value's JSON is ``opening + value +
    closing``, the two literals left to the caller, which writes them as part of its own join (a quote
    around a string, the brackets around a list: each one a copy of all the text less). Only a column
    without nulls leaves them (a null is ``null``, no quotes)."""
    kind = array.type
    if pa.types.is_string(kind):
        escaped = (
            pc.replace_substring(pc.replace_substring(array, "\\", "\\\\"), '"', '\\"')
            if escape and pc.any(pc.match_substring_regex(array, r'[\\"]')).as_py()  # else nothing to escape
            else array
        )
        if not escaped.null_count:
            return escaped, '"', '"'
        return pc.binary_join_element_wise(pa.scalar('"'), escaped, pa.scalar('"'), "").fill_null("null"), "", ""
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        text = pc.cast(array, pa.string())
        return (text.fill_null("null") if text.null_count else text), "", ""
    if pa.types.is_null(kind):
        return pa.array(["null"] * len(array), pa.string()), "", ""
    if pa.types.is_list(kind):
        values = _json_values(pc.list_flatten(array), escape)  # whole: an empty list must stay "[]"
        if values is None:
            return None
        lengths = pc.list_value_length(array).fill_null(0).to_numpy(zero_copy_only=False)
        offsets = np.zeros(len(array) + 1, dtype=np.int32)
        np.cumsum(lengths, out=offsets[1:])
        nulls = pc.is_null(array) if array.null_count else None
        joined = pc.binary_join(pa.ListArray.from_arrays(pa.array(offsets), values, mask=nulls), ",")
        if nulls is None:
            return joined, "[", "]"
        return pc.binary_join_element_wise(pa.scalar("["), joined, pa.scalar("]"), "").fill_null("null"), "", ""
    if pa.types.is_struct(kind):
        names = sorted(range(kind.num_fields), key=lambda i: kind.field(i).name)
        parts: list[pa.Array | pa.Scalar] = []
        literal = "{"
        for n, index in enumerate(names):
            child = _json_parts(pc.struct_field(array, [index]), escape)
            if child is None:
                return None
            values, opening, closing = child
            name = orjson.dumps(kind.field(index).name).decode()
            parts += [pa.scalar(literal + ("," if n else "") + name + ":" + opening), values]
            literal = closing
        parts.append(pa.scalar(literal + "}"))
        joined = pc.binary_join_element_wise(*parts, "")
        return (pc.if_else(pc.is_valid(array), joined, pa.scalar("null")) if array.null_count else joined), "", ""
    return None


@dataclass(frozen=True)
class PreparedTable:
    """What :meth:`RecordChecker.prepare` computed for a table: its canonical JSON per row (``None``:
    types Arrow does not encode), the rows hashed in Python, and the rows the pre-check flagged."""

    table: pa.Table
    encoded: pa.Array | None
    control: np.ndarray
    flagged: np.ndarray


class RecordChecker:
    """Scans (and in ``mask`` mode masks) records, sets their check columns, tallies findings."""

    def __init__(self, schema: RecordSchema, policy: PiiPolicy) -> None:
        self.schema = schema
        self.policy = policy
        self.tally = PiiTally(policy)
        self._content = schema.content_column_names()

    def wrap(self, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """The records, checked one by one (lazily: memory holds one record)."""
        for record in records:
            yield self.check(record)

    def check(self, record: dict[str, Any]) -> dict[str, Any]:
        """Scan, mask if asked, set ``pii_hits`` and ``content_sha256``; returns the record."""
        per_rule: dict[str, int] = {}
        left = 0
        # Fast path: one pre-check over all text of the record; only a record that might hold PII
        # is walked field by field. The compact JSON also holds the numbers (coordinates of a vision
        # label make nine digits close together in most records): a record it flags is asked again
        # with its strings alone, joined as the escape case joins them. The walk reads strings only
        # and each one is a substring of that text, so a "no" there is a "no" for every string.
        if pii.might_contain_pii(_record_text(record)) and pii.might_contain_pii(_strings_text(record)):
            left = self._scan(record, per_rule)
        self._count(per_rule)
        record["pii_hits"] = left
        record["content_sha256"] = content_sha256(record, self._content)
        return record

    def check_table(self, table: pa.Table) -> pa.Table:
        """:meth:`check` for a table of records (a reader's columnar path): the same columns, tallies
        and masks. The pre-check is RE2 (:data:`MAYBE_PII`, a superset of
        :func:`quality.pii.might_contain_pii`) over each row's canonical JSON, which is also what the
        content hash is taken of (a row with an escape again over its strings verbatim); only the rows it
        flags are walked in Python.

        ``check_table(t)`` is ``finish(prepare(t))``: :meth:`prepare` changes nothing (a helper thread
        may run it for the next table), :meth:`finish` keeps the tallies and must see tables in order.
        """
        return self.finish(self.prepare(table))

    def prepare(self, table: pa.Table) -> PreparedTable:
        """The pure part of :meth:`check_table`: canonical JSON and pre-check flags (Arrow, GIL released)."""
        n = table.num_rows
        encoded, control, escaped = _canonical_json_rows(table, self._content)
        scanned = [name for name in table.column_names if name not in _SKIP]
        flagged = np.zeros(n, dtype=bool)
        if encoded is not None:
            if self.schema.content_in_label_json and LABEL_JSON in scanned:
                # label_json's pre-check (below) covers the content, but where its text holds an escape (or
                # there is none): those rows' content strings are read as they are, as below
                escapes = pc.match_substring(table.column(LABEL_JSON), "\\").fill_null(True)
                escaped = np.flatnonzero(escapes.to_numpy(zero_copy_only=False))
            else:
                # the content columns at once, as their canonical JSON: every string verbatim unless it holds a
                # quote or backslash (escaped, so a gap between digits grows): those rows are read again from a
                # text holding each of their strings verbatim
                flagged |= maybe_pii(encoded)
            if escaped.size:
                flagged[escaped[maybe_pii(_joined(table.take(escaped), self._content, escape=False))]] = True
            scanned = [name for name in scanned if name not in self._content]  # the id column ...
        flagged |= self._flag_strings(table, scanned)
        return PreparedTable(table, encoded, control, flagged)

    def finish(self, prepared: PreparedTable) -> pa.Table:
        """Walk the flagged rows (tallies, masks), hash, add ``pii_hits`` and ``content_sha256``."""
        table, encoded, control, flagged = prepared.table, prepared.encoded, prepared.control, prepared.flagged
        n = table.num_rows
        hits = np.zeros(n, dtype=np.int32)
        changed: dict[int, dict[str, Any]] = {}
        positions = np.flatnonzero(flagged).tolist()
        records = table.take(positions).to_pylist() if positions else []
        before = [orjson.dumps(r, default=_default) for r in records] if self.policy == "mask" else []
        for k, (position, record) in enumerate(zip(positions, records, strict=True)):
            per_rule: dict[str, int] = {}
            hits[position] = self._scan(record, per_rule)
            self._count(per_rule)
            if before and orjson.dumps(record, default=_default) != before[k]:
                changed[position] = record
        self.tally.records_scanned += n - len(positions)
        if changed:  # masked values: rebuild the table with those rows (rare: personal data in a record)
            rows = table.to_pylist()
            for position, record in changed.items():
                rows[position] = record
            table = pa.Table.from_pylist(rows, schema=table.schema)
            encoded, control = _canonical_json(table, self._content)
        hashes = _hashes(table, self._content, encoded, control)
        table = table.append_column(pa.field("pii_hits", pa.int32()), pa.array(hits, pa.int32()))
        return table.append_column(pa.field("content_sha256", pa.string()), pa.array(hashes, pa.string()))

    @staticmethod
    def _flag_strings(table: pa.Table, columns: list[str]) -> np.ndarray:
        """Rows where a string of ``columns`` matches :data:`MAYBE_PII`, one string at a time."""
        return _flag_rows((leaf for name in columns for leaf in string_leaves(table.column(name))), table.num_rows)

    def _scan(self, record: dict[str, Any], per_rule: dict[str, int]) -> int:
        """Walk every content value of ``record`` (masking in place in ``mask`` mode); findings left."""
        self._seen: set[tuple[str, str]] = set()
        left = 0
        for name in list(record):
            if name in _SKIP:
                continue
            value = record[name]
            if name == LABEL_JSON and isinstance(value, str) and self.policy == "mask":
                value, hits = self._json_text(value, (None, name), record, per_rule)
            else:
                value, hits = self._walk(value, (None, name), record, per_rule)
            record[name] = value
            left += hits
        return left

    def _count(self, per_rule: dict[str, int]) -> None:
        self.tally.records_scanned += 1
        if per_rule:
            self.tally.records_with_pii += 1
            for rule_id in per_rule:
                self.tally.rules[rule_id].records += 1

    def _walk(self, value: Any, path: _Path, record: dict[str, Any], per_rule: dict[str, int]) -> tuple[Any, int]:
        """(value, findings left) for one value; lists and dicts are walked in place."""
        if isinstance(value, str):
            if not pii.might_contain_pii(value):
                return value, 0
            return self._text(value, path, record, per_rule)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._number(value, path, record, per_rule)
        left = 0
        if isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, _WALKED):
                    value[index], hits = self._walk(item, (path, index), record, per_rule)
                    left += hits
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(item, _WALKED):
                    value[key], hits = self._walk(item, (path, key), record, per_rule)
                    left += hits
        return value, left

    def _number(self, value: float, path: _Path, record: dict[str, Any], per_rule: dict[str, int]) -> tuple[Any, int]:
        """A number holding personal data (an RRN or a phone number written without quotes): counted, and
        under ``mask`` nulled, since its column's type cannot hold a token."""
        text = orjson.dumps(value).decode()
        if not pii.might_contain_pii(text):
            return value, 0
        masked, left = self._text(text, path, record, per_rule)
        return (value, left) if masked == text or self.policy != "mask" else (None, 0)

    def _json_text(self, text: str, path: _Path, record: dict[str, Any], per_rule: dict[str, int]) -> tuple[str, int]:
        """``label_json`` under ``mask``: its parsed strings, keys and numbers are masked and the JSON is
        written again, so a token never lands inside a number or a key's quotes (the raw text, masked as
        text, would no longer be JSON). Numbers keep their text; duplicate keys are kept as written."""
        if not pii.might_contain_pii(text):
            return text, 0
        try:
            parsed = json.loads(
                text, object_pairs_hook=_Pairs, parse_int=_Number, parse_float=_Number, parse_constant=_Number
            )
        except (ValueError, RecursionError):
            return self._text(text, path, record, per_rule)  # not JSON after all: masked as text
        parts: list[str] = []
        self._mask_json(parsed, path, record, per_rule, parts)
        masked = "".join(parts)
        return masked, len(pii.scan(masked))  # a finding across two values is left, and counted

    def _mask_json(
        self, value: Any, path: _Path, record: dict[str, Any], per_rule: dict[str, int], out: list[str]
    ) -> None:
        """Write ``value`` (from :meth:`_json_text`'s parse) as compact JSON into ``out``, masking as it goes."""
        if isinstance(value, _Pairs):
            out.append("{")
            for n, (key, item) in enumerate(value):
                masked_key = self._text(key, path, record, per_rule)[0] if pii.might_contain_pii(key) else key
                out.append(("," if n else "") + json.dumps(masked_key, ensure_ascii=False) + ":")
                self._mask_json(item, (path, key), record, per_rule, out)
            out.append("}")
        elif isinstance(value, list):
            out.append("[")
            for index, item in enumerate(value):
                if index:
                    out.append(",")
                self._mask_json(item, (path, index), record, per_rule, out)
            out.append("]")
        elif isinstance(value, _Number):
            masked = self._text(value, path, record, per_rule)[0] if pii.might_contain_pii(value) else value
            out.append(value if masked == value else json.dumps(masked, ensure_ascii=False))
        elif isinstance(value, str):
            masked = self._text(value, path, record, per_rule)[0] if pii.might_contain_pii(value) else value
            out.append(json.dumps(masked, ensure_ascii=False))
        else:
            out.append(json.dumps(value))

    def _text(self, text: str, path: _Path, record: dict[str, Any], per_rule: dict[str, int]) -> tuple[str, int]:
        findings = pii.scan(text)
        if not findings:
            return text, 0
        fresh = []  # a value found again in the same record (its column and label_json) is counted once
        for finding in findings:
            per_rule[finding.rule] = per_rule.get(finding.rule, 0) + 1
            seen = (finding.rule, _identity(text[finding.start : finding.end]))
            if seen not in self._seen:
                self._seen.add(seen)
                fresh.append(finding)
                self._note(finding, text, path, record)
        if self.policy != "mask":
            return text, len(findings)
        masked, _counts = pii.mask(text)
        for finding in fresh:
            self.tally.rules[finding.rule].masked += 1
        return masked, len(pii.scan(masked))  # a token never matches a rule: 0, checked

    def _note(self, finding: pii.Finding, text: str, path: _Path, record: dict[str, Any]) -> None:
        tally = self.tally.rules[finding.rule]
        tally.found += 1
        example = pii.masked_example(text, finding)
        if example not in tally.examples and len(tally.examples) < MAX_EXAMPLES:
            tally.examples.append(example)
        if len(tally.locations) < MAX_LOCATIONS:
            record_id = record.get(self.schema.id_column)
            tally.locations.append(
                {
                    # an id or a file name may be what holds the data: then it is shown masked
                    "record_id": pii.redact(record_id) if isinstance(record_id, str) else None,
                    "archive": pii.redact(record.get("label_archive")),
                    "member": pii.redact(record.get("label_member")),
                    "field": pii.redact(_path_text(path)),  # a key may hold the data (label_json)
                }
            )
