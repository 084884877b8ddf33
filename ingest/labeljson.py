"""``label_json``: a record's whole label object as JSON text, the same for every reader.

Every published row keeps the label object it was read from (INTERFACE.md), whichever reader read it: the
mapping engine (:mod:`ingest.mapping`) and the built-in kinds' readers (:mod:`ingest.readers`). Where a
record's text is at hand (a JSON file whose records are a list), it is that text as the file writes it,
whitespace between tokens removed (:func:`record_texts`, :func:`label_text`); else the parsed value as
orjson writes it (:func:`dumps`). Either way escapes are written out (``\\uD64D`` becomes 홍), so the
personal-data scan reads the characters a user would see.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import msgspec
import orjson

__all__ = ["compact_records", "compact_text", "dumps", "label_text", "record_texts"]


def dumps(value: Any) -> str:
    """``label_json`` of a parsed label value: orjson's compact JSON (keys in the file's order), or the
    standard library's where orjson cannot write a value (an integer past 64 bits, which a streamed label
    may hold)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@functools.lru_cache(maxsize=32)
def _records_at(keys: tuple[str, ...]) -> msgspec.json.Decoder[Any]:
    """A decoder of a document to the list at ``keys`` as raw texts: one object per level (its other keys
    skipped unread), ``None`` where a level lacks its key."""
    kind: Any = list[msgspec.Raw] | None
    for depth, key in enumerate(reversed(keys)):
        level = msgspec.defstruct(f"_Level{depth}", [("value", kind, None)], rename={"value": key})
        kind = level | None
    return msgspec.json.Decoder(kind)


def record_texts(data: bytes, keys: list[str]) -> list[bytes] | None:
    """Each record's JSON text as the file writes it, whitespace between tokens removed, for a JSON file
    whose records are objects in the list at ``keys``; ``None`` when it cannot be split so (not JSON,
    another shape, a BOM: the parsed document decides what to report). The text is not checked to be
    UTF-8 here (Arrow checks it, :func:`label_text` decides what ``label_json`` holds)."""
    found = compact_records(data, keys)
    return None if found is None else found[1]


def compact_records(data: bytes, keys: list[str] | tuple[str, ...]) -> tuple[bytes, list[bytes]] | None:
    """:func:`record_texts`, and the whole file's compact text (one line: JSON strings hold no raw line
    break) that they are slices of: the file's whitespace removed once, then one pass splits it."""
    if data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    compact = compact_text(data)
    if compact is None:
        return None
    try:
        value: Any = _records_at(tuple(keys)).decode(compact)
    except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):  # another shape: the parse reports it
        return None
    for _key in keys:
        value = value.value if value is not None else None
    if value is None:
        return None
    texts = [bytes(item) for item in value]
    return (compact, texts) if all(text[:1] == b"{" for text in texts) else None


def compact_text(text: Any) -> bytes | None:
    """JSON text with the whitespace between its tokens removed (strings untouched); ``None`` when it is not
    JSON or nested too deeply for msgspec (the parsed document then decides what to report)."""
    try:
        return msgspec.json.format(text, indent=-1)
    except (msgspec.DecodeError, RecursionError):
        return None


def label_text(text: bytes) -> bytes:
    """``label_json`` of a record from its text: the text itself, unless it holds an escape (``\\``),
    which orjson writes out (``\\uD64D`` becomes 홍) so that personal data in it is found; as the
    per-record path writes the record it parsed."""
    return text if b"\\" not in text else orjson.dumps(orjson.loads(text))
