"""``label_json``: a record's whole label object as JSON text, the same for every reader.

Every published row keeps the label object it was read from (INTERFACE.md), whichever reader read it: the
mapping engine (:mod:`ingest.mapping`) and the built-in kinds' readers (:mod:`ingest.readers`). Where a
record's text is at hand (a JSON file whose records are a list), it is that text as the file writes it,
whitespace between tokens removed (:func:`record_texts`, :func:`label_text`); else the parsed value as
orjson writes it (:func:`dumps`). Either way escapes are written out (``\\uD64D`` becomes 홍), so the
personal-data scan reads the characters a user would see.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec
import orjson

__all__ = ["compact_text", "dumps", "label_text", "record_texts"]


def dumps(value: Any) -> str:
    """``label_json`` of a parsed label value: orjson's compact JSON (keys in the file's order), or the
    standard library's where orjson cannot write a value (an integer past 64 bits, which a streamed label
    may hold)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_OBJECT = msgspec.json.Decoder(dict[str, msgspec.Raw])
_LIST = msgspec.json.Decoder(list[msgspec.Raw])


def record_texts(data: bytes, keys: list[str]) -> list[bytes] | None:
    """Each record's JSON text as the file writes it, whitespace between tokens removed, for a JSON file
    whose records are objects in the list at ``keys``; ``None`` when it cannot be split so (not JSON,
    another shape, a BOM: the parsed document decides what to report). The text is not checked to be
    UTF-8 here (Arrow checks it, :func:`label_text` decides what ``label_json`` holds)."""
    if data[:3] == b"\xef\xbb\xbf" or data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return None
    try:
        value: Any = data
        for key in keys:
            value = _OBJECT.decode(value).get(key)
            if value is None:
                return None
        compact = compact_text(value)  # the whole list's whitespace removed at once, then split
        items = _LIST.decode(compact) if compact is not None else None
    except (msgspec.DecodeError, RecursionError):  # nested too deeply: the parsed document reports it
        return None
    if items is None:
        return None
    texts = [bytes(item) for item in items]
    return texts if all(text[:1] == b"{" for text in texts) else None


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
