"""The whole-document fast path (orjson) yields exactly what the item stream (ListItems) yields.

Every label document here is read twice through :func:`iter_list_items`: once as the pipeline
does (members up to ``WHOLE_DOCUMENT_BYTES`` parsed whole) and once with that path switched off,
so that every member is streamed. Items, problems and counts must be the same, and documents the
fast path must not answer (escapes, repeated keys, long numbers, CP949, defects) must be handed on.
"""

from __future__ import annotations

import random
import zipfile
from pathlib import Path
from typing import Any

import orjson
import pytest

from ingest import jsonstream
from ingest.problems import ReadStats
from ingest.readers import _common

DOCUMENTS: list[tuple[str, bytes, bool]] = [
    # (name, bytes, fast path answers)
    ("plain", b'{"numberOfItems": 2, "data": [{"a": 1}, {"a": "\xea\xb0\x80"}]}', True),
    ("count mismatch", b'{"numberOfItems": 5, "data": [1, 2]}', True),
    ("header after list", b'{"data": [1], "numberOfItems": 1, "x": {"y": [2]}}', True),
    ("top-level list", b"[1, 2, 3]", True),
    ("empty list", b'{"data": []}', True),
    ("duplicate item keys", b'{"data": [{"a": 1, "a": 2}]}', True),
    ("repeated list key", b'{"data": [1], "data": [2]}', False),
    ("escaped list key", b'{"data": [1], "d\\u0061ta": [2]}', False),
    ("list key as a value", b'{"data": [{"t": "data"}]}', False),
    ("no list key", b'{"items": [1]}', False),
    ("list key not a list", b'{"data": {"a": 1}}', False),
    ("19-digit integer", b'{"data": [1234567890123456789012]}', False),
    ("big float mantissa", b'{"data": [0.12345678901234567890123]}', False),
    ("infinite float", b'{"data": [1e999]}', False),
    ("NaN", b'{"data": [NaN]}', False),
    ("lone surrogate", b'{"data": ["\\ud800"]}', False),
    ("cut off", b'{"data": [{"a": 1}, {"a": 2}, {"a"', False),
    ("trailing comma", b'{"data": [1, 2,]}', False),
    ("extra data", b'{"data": [1]} {"data": [2]}', False),
    ("BOM", b'\xef\xbb\xbf{"data": [1]}', False),
    ("CP949", '{"data": ["가나다"]}'.encode("cp949"), False),
    ("scalar", b"17", False),
    ("control character", b'{"data": ["a\x01b"]}', False),
]


def _read(archive: Path, *, whole: bool, monkeypatch: pytest.MonkeyPatch) -> tuple[list[Any], ReadStats]:
    with monkeypatch.context() as patch:
        if not whole:
            patch.setattr(_common, "WHOLE_DOCUMENT_BYTES", -1)
        stats = ReadStats()
        items = list(_common.iter_list_items(archive, "L.zip", stats, ("data",), "items", ("id",)))
    return items, stats


def _zip(tmp_path: Path, members: dict[str, bytes]) -> Path:
    path = tmp_path / "L.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


@pytest.mark.parametrize(("name", "data", "fast"), DOCUMENTS, ids=[d[0] for d in DOCUMENTS])
def test_fast_path_answers_only_what_the_stream_would(name: str, data: bytes, fast: bool, tmp_path: Path, monkeypatch):
    answer = jsonstream.whole_list_items(data, ("data",))
    assert (answer is not None) == fast, name
    archive = _zip(tmp_path, {"a.json": data})
    whole_items, whole_stats = _read(archive, whole=True, monkeypatch=monkeypatch)
    stream_items, stream_stats = _read(archive, whole=False, monkeypatch=monkeypatch)
    assert orjson.dumps(whole_items) == orjson.dumps(stream_items) if fast else whole_items == stream_items
    assert whole_stats == stream_stats


def _random_value(rng: random.Random, depth: int) -> Any:
    kinds = ["int", "float", "str", "bool", "null"] + (["list", "dict"] if depth < 3 else [])
    kind = rng.choice(kinds)
    if kind == "int":
        return rng.choice([0, -1, 7, 2**31, -(2**63), 2**63 - 1, rng.randint(-(10**12), 10**12)])
    if kind == "float":
        return rng.choice([0.5, -0.0, 1e-7, 3.14159, 1e300, rng.random()])
    if kind == "str":
        return rng.choice(["", "안녕하세요", "data", "a\nb", 'q"uote', "역슬래시\\", "010-1234-5678", "🙂", "\t"])
    if kind == "bool":
        return rng.random() < 0.5
    if kind == "null":
        return None
    if kind == "list":
        return [_random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    keys = ["id", "utterance", "이름", "data", "numberOfItems", "x"]
    return {rng.choice(keys): _random_value(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def test_random_documents_read_alike(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """300 seeded random documents (nested values, Korean text, escapes, edge numbers), in one archive."""
    rng = random.Random(20261201)
    members = {}
    for n in range(300):
        document: Any = {
            "numberOfItems": rng.randint(0, 6),
            "data": [_random_value(rng, 0) for _ in range(rng.randint(0, 6))],
        }
        if rng.random() < 0.2:
            document = document["data"]
        option = rng.choice([0, orjson.OPT_INDENT_2])
        raw = orjson.dumps(document, option=option)
        if rng.random() < 0.1:
            raw = raw[: rng.randint(0, len(raw))]  # cut off somewhere
        members[f"{n:03d}.json"] = raw
    archive = _zip(tmp_path, members)
    whole_items, whole_stats = _read(archive, whole=True, monkeypatch=monkeypatch)
    stream_items, stream_stats = _read(archive, whole=False, monkeypatch=monkeypatch)
    assert len(whole_items) > 500
    assert orjson.dumps(whole_items) == orjson.dumps(stream_items)
    assert [type(i[2]) for i in whole_items] == [type(i[2]) for i in stream_items]
    assert whole_stats == stream_stats
    assert whole_stats.labels_invalid > 0  # the cut-off members were found by the stream, in both runs
    answered = sum(jsonstream.whole_list_items(raw, ("data",)) is not None for raw in members.values())
    assert answered > 100  # the fast path really ran on most documents
