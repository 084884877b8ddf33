"""Readable archives with bad labels: every defect is a problem naming archive and member (never a
crash); the quality gate refuses the run (exit 3) and quarantines it."""

from __future__ import annotations

import io
import json
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from ingest.problems import ReadStats
from ingest.readers import get_reader
from kdata.samples.layout import write_zip
from tests.hostile.support import LABEL, Outcome

pytestmark = pytest.mark.timeout(120)

VISION_LABEL = {"images": {"file_name": "a.jpg", "width": 4, "height": 3}, "annotations": []}

BAD_LABELS: dict[str, bytes] = {
    "일상대화/bad_syntax.json": b'{"numberOfItems": 1, "data": [{"header": ',
    "일상대화/deep.json": b'{"data": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "일상대화/infinite.json": b'{"data": [{"header": {"dialogueInfo": {"numberOfUtterances": 1e999999}}}]}',
    "일상대화/huge_int.json": b'{"data": [{"n": ' + b"9" * 100_000 + b"}]}",
    "일상대화/encoding.json": b'{"data": [{"utterance": "\xff\xfe\xfd caf\xe9"}]}',
    "일상대화/vision.json": json.dumps(VISION_LABEL).encode(),
    "일상대화/not_an_object.json": b'{"data": ["just a string", [1, 2], null]}',
    "일상대화/wrong_types.json": json.dumps(
        {"data": [{"header": {"dialogueInfo": [1]}, "body": {"x": 1}}, {"header": {"dialogueInfo": {"dialogueID": 7}}}]}
    ).encode(),
}
EXPECTED = {
    "일상대화/bad_syntax.json": ("bad_json", "invalid JSON: Expecting value"),
    "일상대화/deep.json": ("bad_json", "nested too deeply"),
    "일상대화/infinite.json": ("bad_json", "infinite"),
    "일상대화/huge_int.json": ("bad_json", "4300 digits"),
    "일상대화/encoding.json": ("bad_json", "neither UTF-8 nor CP949"),
    "일상대화/vision.json": ("schema", "expected a list of dialogues"),
    "일상대화/not_an_object.json": ("schema", "data[0].header.dialogueInfo': missing"),
    "일상대화/wrong_types.json": ("schema", "data[0].header.dialogueInfo"),
}


def test_bad_labels_are_problems_naming_each_member(tmp_path: Path) -> None:
    write_zip(tmp_path / "TL_1.zip", BAD_LABELS)
    stats = ReadStats()
    records = list(get_reader("korean_dialogue")(tmp_path / "TL_1.zip", "TL_1.zip", {}, stats))
    assert records == []
    found: dict[str, list[tuple[str, str]]] = {}
    for problem in stats.problems:
        assert problem.archive == "TL_1.zip"
        found.setdefault(problem.member or "", []).append((problem.code, problem.describe()))
    assert set(found) == set(BAD_LABELS)
    for member, (code, text) in EXPECTED.items():
        assert any(c == code and text in d for c, d in found[member]), (member, found[member])
    assert stats.labels_invalid == len(stats.problems) >= len(BAD_LABELS)


def _png_claiming(width: int, height: int) -> bytes:
    """A valid small PNG whose header is rewritten to claim ``width`` x ``height`` (CRC fixed)."""
    out = io.BytesIO()
    Image.new("RGB", (4, 3), (1, 2, 3)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    struct.pack_into(">II", data, 16, width, height)  # IHDR data starts at byte 16
    struct.pack_into(">I", data, 29, zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def _png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (1, 2, 3)).save(out, format="PNG")
    return out.getvalue()


IMAGES = {
    "garbage": (b"\x89PNG\r\n\x1a\n" + bytes(100), "not a readable image"),
    "truncated": (_png(40, 30)[:60], "not a readable image"),
    "claims_huge": (_png_claiming(100_000, 100_000), "not a readable image"),
    "over_limit": (_png_claiming(10_000, 9_000), "KDATA_MAX_IMAGE_PIXELS"),
    "other_size": (_png(5, 3), "label says 4, image is 5 pixels"),
}


def test_images_that_do_not_decode_or_lie_about_their_size(tmp_path: Path) -> None:
    labels = {
        f"v/{name}.json": json.dumps({**VISION_LABEL, "images": {"file_name": f"{name}.png", "width": 4, "height": 3}})
        for name in IMAGES
    }
    write_zip(tmp_path / "TL_1.zip", {k: v.encode() for k, v in labels.items()})
    write_zip(tmp_path / "TS_1.zip", {f"img/{name}.png": data for name, (data, _) in IMAGES.items()})
    index = {name: f"TS_1.zip!img/{name}.png" for name in IMAGES}
    stats = ReadStats()
    records = list(get_reader("vision_image")(tmp_path / "TL_1.zip", "TL_1.zip", index, stats))
    assert [r["image_valid"] for r in records] == [False] * len(IMAGES)
    for name, (_, text) in IMAGES.items():
        problems = [p for p in stats.problems if p.member == f"v/{name}.json"]
        assert len(problems) == 1 and problems[0].archive == "TL_1.zip", (name, problems)
        assert f"TS_1.zip!img/{name}.png" in problems[0].message and text in problems[0].message, problems[0]


def _wav_with(header_patch: Callable[[bytearray], None]) -> bytes:
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16_000)
        wav.writeframes(bytes(3200))
    data = bytearray(out.getvalue())
    header_patch(data)
    return bytes(data)


AUDIO: dict[str, bytes] = {
    "chunk_past_end": _wav_with(lambda d: struct.pack_into("<I", d, 16, 0x7FFFFFF0)),  # fmt chunk size lies
    "no_channels": _wav_with(lambda d: struct.pack_into("<H", d, 22, 0)),
    "zero_rate": _wav_with(lambda d: struct.pack_into("<I", d, 24, 0)),
    "not_riff": b"RIFX" + bytes(60),
    "odd_pcm": bytes(3201),
}


def test_audio_with_a_bad_header_is_a_problem(tmp_path: Path) -> None:
    names = {n: f"a/{n}.{'pcm' if n == 'odd_pcm' else 'wav'}" for n in AUDIO}
    write_zip(tmp_path / "TL_1.zip", {f"t/{n}.txt": "안녕하세요".encode() for n in AUDIO})
    write_zip(tmp_path / "TS_1.zip", {names[n]: data for n, data in AUDIO.items()})
    index = {n: f"TS_1.zip!{names[n]}" for n in AUDIO}
    stats = ReadStats()
    records = list(get_reader("korean_speech")(tmp_path / "TL_1.zip", "TL_1.zip", index, stats))
    assert [r["audio_valid"] for r in records] == [False] * len(AUDIO)
    assert {(p.code, p.member) for p in stats.problems} == {("audio", f"t/{n}.txt") for n in AUDIO}


def test_bad_labels_fail_the_quality_gate_and_are_quarantined(
    sample_factory: Any, tmp_path: Path, ingest_outcome: Callable[[Path], Outcome]
) -> None:
    """Exit 3, not 2: the archive is sound, its labels are not. Nothing is published."""
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    write_zip(dataset / LABEL, BAD_LABELS)
    outcome = ingest_outcome(dataset)
    assert outcome.exit_code == 3, (outcome.stderr, outcome.result)
    assert outcome.result["status"] == "quality_failed"
    assert not any("/store/" in p and "/store/_catalog" not in p for p in outcome.created)  # the audit anchor only
    assert [(r["reason"], r["stage"], r["archive"]) for r in outcome.rows] == [("quality_failed", "gate", None)]
    units = [
        json.loads((tmp_path / p).read_text(encoding="utf-8"))
        for p in outcome.created
        if "/units/" in p and p.endswith(".json")
    ]
    [unit] = [u for u in units if u["archive"] == LABEL]
    assert {p["member"] for p in unit["problems"]} == set(BAD_LABELS)
    record = json.loads(Path(outcome.rows[0]["record_path"]).read_text(encoding="utf-8"))
    assert record["reason"] == "quality_failed" and record["report"] == outcome.result["report"]
