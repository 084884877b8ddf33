"""Label text encodings and the streaming parser for big ``{"numberOfItems", "data": [...]}`` files."""

from __future__ import annotations

import io
import json
import tracemalloc
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ingest.jsonstream import JsonStreamError, ListItems, decode_text
from ingest.problems import ReadStats
from ingest.readers.korean_dialogue import read as read_dialogues

DOC = {"numberOfItems": 3, "data": [{"발화": "안녕하세요"}, {"n": 12345678901234567890}, [1, "둘"]], "tail": {"x": 1}}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp949", "utf-16"])
@pytest.mark.parametrize("block", [1, 3, 7, 1 << 16])
def test_items_in_every_encoding_and_block_size(encoding: str, block: int) -> None:
    raw = json.dumps(DOC, ensure_ascii=False).encode(encoding)
    items = ListItems(io.BytesIO(raw), block=block)
    assert list(items) == DOC["data"]
    assert items.header == {"numberOfItems": 3, "tail": {"x": 1}}
    assert items.count == 3 and items.list_key == "data"
    assert (
        items.encoding
        == {"utf-8": "utf-8", "utf-8-sig": "utf-8-bom", "cp949": "cp949", "utf-16": "utf-16-le-bom"}[encoding]
    )


def test_decode_text_detects_rather_than_guesses() -> None:
    korean = "주문결제 대화 #@이름#"
    assert decode_text(korean.encode("utf-8")) == (korean, "utf-8")
    assert decode_text(b"\xef\xbb\xbf" + korean.encode("utf-8")) == (korean, "utf-8-bom")
    assert decode_text(korean.encode("cp949")) == (korean, "cp949")
    with pytest.raises(JsonStreamError, match="neither UTF-8 nor CP949"):
        decode_text(b"ok \xff\xff\xff")


def test_cp949_after_a_long_ascii_start_switches_without_losing_text() -> None:
    doc = {"numberOfItems": 2, "data": [{"a": "x" * 500}, {"b": "한글 라벨"}]}
    raw = json.dumps(doc, ensure_ascii=False).encode("cp949")
    items = ListItems(io.BytesIO(raw), block=64)
    assert list(items) == doc["data"] and items.encoding == "cp949"


def test_utf8_mixed_with_cp949_is_an_error() -> None:
    raw = '{"data": [{"a": "한"}, {"b": "'.encode() + "글".encode("cp949") + b'"}]}'
    items = ListItems(io.BytesIO(raw), block=8)
    with pytest.raises(JsonStreamError, match="invalid utf-8 text"):
        list(items)


@pytest.mark.parametrize(
    ("raw", "before", "message"),
    [
        (b'{"data": [{"a": 1}, {"b": ', [{"a": 1}], "invalid JSON"),
        (b'{"data": [1, 2', [1, 2], "expected ',' or ']'"),
        (b'{"data": [1] "x": 2}', [1], "expected ',' or '}'"),
        (b"[1, 2] 3", [1, 2], "extra data"),
        (b'"text"', [], "object or list"),
    ],
)
def test_defects_keep_the_items_before_them(raw: bytes, before: list[Any], message: str) -> None:
    items = ListItems(io.BytesIO(raw), block=4)
    got: list[Any] = []
    with pytest.raises(JsonStreamError, match=message) as info:
        for item in items:
            got.append(item)
    assert got == before
    assert info.value.offset > 0 or not before


def _big_dialogue_member(path: Path, dialogues: int) -> int:
    """Write one label JSON of ``dialogues`` dialogues into a zip, streaming; return its size in bytes."""
    body = [
        {
            "utteranceID": f"U{n}",
            "turnID": f"T{n}",
            "participantID": f"P0{n % 2 + 1}",
            "utterance": "네 알겠습니다 " * 12,
        }
        for n in range(1, 9)
    ]
    size = 0
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("일상대화/SNS_big.json", "w", force_zip64=True) as out,
    ):

        def put(data: bytes) -> None:
            nonlocal size
            out.write(data)
            size += len(data)

        put(b'{"numberOfItems": %d, "data": [' % dialogues)
        for n in range(dialogues):
            info = {"dialogueID": f"KSNS_{n:08d}", "numberOfUtterances": len(body), "numberOfTurns": 8}
            item = {"header": {"dialogueInfo": info, "participantsInfo": []}, "body": body}
            put((b"," if n else b"") + json.dumps(item, ensure_ascii=False).encode())
        put(b"]}")
    return size


def test_a_big_label_file_is_streamed_in_bounded_memory(tmp_path: Path) -> None:
    archive = tmp_path / "TL_1.zip"
    size = _big_dialogue_member(archive, 12_000)
    assert size > 25_000_000
    stats = ReadStats()
    tracemalloc.start()
    try:
        count = sum(1 for _ in read_dialogues(archive, "TL_1.zip", {}, stats))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 12_000 and stats.labels_seen == 12_000
    assert peak < size / 5, f"peak {peak:,} bytes for a {size:,}-byte member"


def test_text_lines_split_as_a_file_read_with_newline_empty_whatever_the_block() -> None:
    """Lines end at ``\\r\\n``, ``\\r`` or ``\\n`` (kept), a ``\\r\\n`` split between blocks is one end; a line
    is joined once it ends (a 280 MB line was copied again with every 256 KB block: 108 s to refuse)."""
    import io
    import random

    from ingest.jsonstream import JsonStreamError, text_lines

    rnd = random.Random(20261206)
    for _ in range(2000):
        text = "".join(rnd.choice(["a", "b", "\r", "\n", "\r\n", "가", "xyz"]) for _ in range(rnd.randint(0, 60)))
        block = rnd.randint(1, 8)
        assert (
            list(text_lines(io.BytesIO(text.encode()), "utf-8", block=block))
            == io.StringIO(text, newline="").readlines()
        ), (text, block)
    long_line = io.BytesIO(b"x" * 3_000_000 + b"\nshort\n")
    with pytest.raises(JsonStreamError, match="longer than 1,000,000"):
        list(text_lines(long_line, "utf-8", block=4096, max_chars=1_000_000))
