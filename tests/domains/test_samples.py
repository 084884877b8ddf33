"""The sample generators of every kind: deterministic, real media, Korean text, faults where they apply."""

from __future__ import annotations

import io
import json
import re
import wave
import zipfile
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from kcore.errors import BadInput
from kdata.cli import app
from kdata.samples import mapped_samples, sample_kind, sample_kinds, write_samples
from kdata.samples.base import PII_PHONE, PII_RRN
from schemas.manifest import load_manifest

runner = CliRunner()
KINDS = [k for k in sample_kinds() if k != "korean_dialogue" and k not in mapped_samples()]
HANGUL = re.compile(r"[가-힣]{2,}")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _members(root: Path, kind: str) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*.zip")):
        if ("라벨" in path.as_posix()) == (kind == "label"):
            with zipfile.ZipFile(path) as archive:
                out.update({f"{path.name}!{i.filename}": archive.read(i) for i in archive.infolist()})
    return out


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_bytes_other_seed_other_bytes(kind: str, tmp_path: Path) -> None:
    a = _files(write_samples(kind, tmp_path / "a", items=9, layout="modern", seed=4, inject=None))
    b = _files(write_samples(kind, tmp_path / "b", items=9, layout="modern", seed=4, inject=None))
    c = _files(write_samples(kind, tmp_path / "c", items=9, layout="modern", seed=5, inject=None))
    assert a == b
    assert a != c


@pytest.mark.parametrize("items", [1, 2, 23])
@pytest.mark.parametrize("kind", KINDS)
def test_any_size_gives_that_many_labels_and_sources(kind: str, items: int, tmp_path: Path) -> None:
    root = write_samples(kind, tmp_path / "ds", items=items, layout="classic", seed=1, inject=None)
    manifest = load_manifest(root)
    assert manifest.counts.label == items
    sources = _members(root, "source")
    assert len(sources) == items
    labels = _members(root, "label")
    if kind == "korean_summary":
        assert sum(len(json.loads(v)["documents"]) for v in labels.values()) == items
    else:
        assert len(labels) == items


def test_media_are_real_images_and_audio(tmp_path: Path) -> None:
    for kind, formats in (("vision_image", {"JPEG"}), ("vision_kfashion", {"PNG"}), ("healthcare_imaging", {"PNG"})):
        root = write_samples(kind, tmp_path / kind, items=6, layout="classic", seed=2, inject=None)
        labels = {Path(n).stem: json.loads(v) for n, v in _members(root, "label").items()}
        assert len(labels) == 6
        for name, data in _members(root, "source").items():
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                assert image.format in formats
                doc = labels[Path(name).stem]
                stated = doc.get("images") or doc.get("image") or doc["이미지 정보"]
                assert image.size == (
                    stated.get("width", stated.get("이미지 너비")),
                    stated.get("height", stated.get("이미지 높이")),
                )
    root = write_samples("korean_speech", tmp_path / "speech", items=6, layout="classic", seed=2, inject=None)
    audio = _members(root, "source")
    wavs = [v for k, v in audio.items() if k.endswith(".wav")]
    pcms = [v for k, v in audio.items() if k.endswith(".pcm")]
    assert wavs and pcms and all(len(p) % 2 == 0 and len(p) > 3200 for p in pcms)
    with wave.open(io.BytesIO(wavs[0])) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (16000, 1, 2)


def test_text_is_korean_and_names_are_masked(tmp_path: Path) -> None:
    root = write_samples("korean_summary", tmp_path / "s", items=30, layout="classic", seed=3, inject=None)
    text = " ".join(
        s["sentence"]
        for v in _members(root, "label").values()
        for d in json.loads(v)["documents"]
        for p in d["text"]
        for s in p
    )
    assert len(HANGUL.findall(text)) > 300 and "#@이름#" in text
    speech = write_samples("korean_speech", tmp_path / "k", items=40, layout="classic", seed=3, inject=None)
    transcripts = " ".join(v.decode() for v in _members(speech, "label").values())
    assert re.search(r"\([^)]+\)/\([^)]+\)", transcripts) and re.search(r"(^|\s)[bnlo]/", transcripts)


def test_pii_fault_puts_an_rrn_and_a_phone_number_in_one_note(tmp_path: Path) -> None:
    root = write_samples("healthcare_note", tmp_path / "n", items=10, layout="classic", seed=1, inject="pii")
    notes = [v.decode() for v in _members(root, "source").values()]
    assert sum(PII_RRN in n and PII_PHONE in n for n in notes) == 1
    clean = write_samples("healthcare_note", tmp_path / "c", items=10, layout="classic", seed=1, inject=None)
    assert not any(
        re.search(r"\d{6}-\d{7}|01[016789]-\d{3,4}-\d{4}", v.decode()) for v in _members(clean, "source").values()
    )


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("korean", "korean_dialogue"),
        ("한국어", "korean_dialogue"),
        ("영상·이미지", "vision_image"),
        ("vision", "vision_image"),
        ("헬스케어", "healthcare_imaging"),
        ("제조", "manufacturing_sensor"),
        ("vision-kfashion", "vision_kfashion"),
        ("manufacturing_defect", "manufacturing_defect"),
    ],
)
def test_domain_names_pick_a_kind(name: str, kind: str) -> None:
    assert sample_kind(name) == kind


def test_cli_samples_every_domain_and_refusals(tmp_path: Path) -> None:
    for domain in ("영상·이미지", "헬스케어", "제조", "korean_summary"):
        result = runner.invoke(
            app, ["samples", domain, "--out", str(tmp_path / domain), "--items", "5", "--layout", "bracket"]
        )
        assert result.exit_code == 0, result.output
        assert any(p.name.startswith("[라벨]") for p in (tmp_path / domain).iterdir())
    refused = [
        ["samples", "law", "--out", str(tmp_path / "x1")],
        ["samples", "manufacturing", "--out", str(tmp_path / "x2"), "--inject", "bbox-outside"],
        ["samples", "vision", "--out", str(tmp_path / "x3"), "--layout", "newest"],
        ["samples", "korean_speech", "--out", str(tmp_path / "x4"), "--inject", "bad-json"],
    ]
    for args in refused:
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert not Path(args[3]).exists()
    with pytest.raises(BadInput, match="bbox-outside"):
        write_samples("healthcare_note", tmp_path / "x5", items=5, layout="classic", seed=0, inject="bbox-outside")
