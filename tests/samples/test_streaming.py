"""The sample generators write item by item (a dataset of many GB never sits in memory) and still write
what the in-memory versions wrote: the contents below were recorded from those versions."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kdata.samples import sample_generator
from kdata.samples.base import write_kind
from kdata.samples.korean_dialogue import SampleError, write_korean_dialogue
from kdata.samples.layout import ArchiveOptions, ZipWriter, write_zip


def content_digest(root: Path) -> str:
    """sha256 over every file's path and, for zips, each member's name and content in archive order."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if not path.is_file():
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                for info in zf.infolist():
                    digest.update(info.filename.encode("utf-8", "surrogateescape") + b"\0" + zf.read(info) + b"\0")
        else:
            digest.update(path.read_bytes())
    return digest.hexdigest()


RECORDED: dict[str, tuple[Callable[[Path], Any], str]] = {
    "dialogue-120-5": (
        lambda d: write_korean_dialogue(d, items=120, seed=5),
        "df83c61839088c415141350394ebb4c8cbb21d15918cc5addf3252fa2c9ffdb5",
    ),
    "dialogue-pii-modern": (
        lambda d: write_korean_dialogue(
            d,
            items=75,
            seed=3,
            inject="pii",
            layout="modern",
            dialogues_per_file=7,
            options=ArchiveOptions(label_encoding="utf-8-sig"),
        ),
        "5370f68b3fe07a9558794c7c602c22c4d86b139a71543322a844c1cbdba4c44f",
    ),
    "dialogue-dup-1": (
        lambda d: write_korean_dialogue(d, items=9, seed=11, inject="duplicate-id", dialogues_per_file=1),
        "45ecc92e0080179cc19671310f3e99944aab46eaa6978538bcce0179cb72bf0b",
    ),
    "healthcare_note-40": (
        lambda d: write_kind(sample_generator("healthcare_note")(), d, items=40, seed=2),
        "7eae17db8bd0ba6e4e62d2fc9def373ef4d56e3a4c5800b9bfde34e936b0ba42",
    ),
    "korean_summary-45-modern": (
        lambda d: write_kind(sample_generator("korean_summary")(), d, items=45, seed=4, layout="modern"),
        "cc554d5aeb07b8dbdeffb3b4a7efc85dc6e9ea858921d7302b51f07e313deed5",
    ),
}


@pytest.mark.parametrize("name", sorted(RECORDED))
def test_streamed_samples_hold_what_the_in_memory_generators_wrote(tmp_path: Path, name: str) -> None:
    make, expected = RECORDED[name]
    make(tmp_path / "ds")
    assert content_digest(tmp_path / "ds") == expected
    assert not [p for p in (tmp_path / "ds").rglob(".*")]  # no temporary file left behind


def test_one_topic_puts_all_training_dialogues_in_one_label_file(tmp_path: Path) -> None:
    root = write_korean_dialogue(tmp_path / "ds", items=50, seed=1, topics=1, dialogues_per_file=50)
    labels = sorted(root.rglob("*L_*.zip"))
    assert [p.name for p in labels] == ["TL_1.일상대화.zip", "VL_1.일상대화.zip"]
    with zipfile.ZipFile(labels[0]) as zf:
        (member,) = zf.infolist()
        doc = json.loads(zf.read(member))
    assert doc["numberOfItems"] == len(doc["data"]) == 40


def test_topics_is_checked(tmp_path: Path) -> None:
    with pytest.raises(SampleError, match="topics"):
        write_korean_dialogue(tmp_path / "ds", topics=5)


def test_label_files_past_9999_keep_the_zip_in_name_order(tmp_path: Path) -> None:
    root = write_korean_dialogue(tmp_path / "ds", items=12_600, seed=3, topics=1, dialogues_per_file=1)
    (training,) = root.rglob("TL_1.*.zip")
    with zipfile.ZipFile(training) as zf:
        names = [i.filename for i in zf.infolist()]
    assert len(names) == 10_080 and names == sorted(names)
    assert "일상대화/SNS_일상대화_10000.json" in names


def test_zip_writer_streams_the_bytes_write_zip_writes(tmp_path: Path) -> None:
    content = "안녕하세요 ".encode() * 100_000
    (tmp_path / "member").write_bytes(content)
    write_zip(tmp_path / "a.zip", {"a/b.json": content})
    with ZipWriter(tmp_path / "b.zip") as zf:
        zf.add_file("a/b.json", tmp_path / "member", block=4096)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
