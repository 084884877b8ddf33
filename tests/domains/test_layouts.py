"""Every sample kind in every real layout and archive reality: discovered, joined, no row lost."""

from __future__ import annotations

import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from ingest.discover import discover_archives
from kdata.samples import mapped_samples, sample_kinds
from kdata.samples.layout import LAYOUTS, ArchiveOptions

ALL_KINDS = tuple(k for k in sample_kinds() if k not in mapped_samples())  # mapped: tests/mapping/test_samples.py

ITEMS = 7  # 6 Training + 1 Validation
MEDIA = {
    "korean_speech": "audio",
    "vision_image": "image",
    "vision_kfashion": "image",
    "healthcare_imaging": "image",
    "manufacturing_defect": "image",
}


def _check_rows(result: Any, items: int) -> None:
    assert result.rows() == {"train": items - max(1, items // 5), "validation": max(1, items // 5)}
    table = result.table()
    assert table.num_rows == items
    assert all(v is not None for v in table.column("source_file").to_pylist())


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("kind", ALL_KINDS)
def test_every_kind_in_every_layout(kind: str, layout: str, make_samples, extract) -> None:  # type: ignore[no-untyped-def]
    dataset = make_samples(kind, items=ITEMS, layout=layout)
    refs = discover_archives(dataset)
    assert {(r.split, r.kind) for r in refs} == {
        ("train", "label"),
        ("train", "source"),
        ("validation", "label"),
        ("validation", "source"),
    }
    if layout == "modern":  # one group's source split over _1 .. _k zips
        assert any(r.path.endswith("_2.zip") and r.kind == "source" for r in refs)
    result = extract(dataset)
    assert result.problems == []
    _check_rows(result, ITEMS)
    if kind in MEDIA:
        column = result.table([MEDIA[kind]]).column(MEDIA[kind]).to_pylist()
        assert all(m["bytes"] and m["path"] for m in column)


REALITIES = [
    ("korean_speech", "classic", ArchiveOptions(source_pieces="parts", pieces=12)),
    ("vision_image", "modern", ArchiveOptions(source_pieces="volumes", pieces=3)),
    ("healthcare_imaging", "classic", ArchiveOptions(source_pieces="volumes", pieces=4)),
    ("healthcare_note", "classic", ArchiveOptions(member_names="cp949")),
    ("manufacturing_sensor", "noprefix", ArchiveOptions(member_names="cp949", label_encoding="cp949")),
    ("korean_dialogue", "classic", ArchiveOptions(label_encoding="cp949")),
    ("korean_summary", "open", ArchiveOptions(label_encoding="utf-8-sig")),
    ("vision_kfashion", "modern", ArchiveOptions(typo=True)),
    ("manufacturing_defect", "bracket", ArchiveOptions(member_names="cp949", source_pieces="parts", pieces=3)),
]


@pytest.mark.parametrize(
    ("kind", "layout", "options"), REALITIES, ids=[f"{kind}-{layout}" for kind, layout, _ in REALITIES]
)
def test_archive_realities(kind: str, layout: str, options: ArchiveOptions, make_samples, extract) -> None:  # type: ignore[no-untyped-def]
    dataset = make_samples(kind, items=10, layout=layout, options=options)
    files = [p.name for p in dataset.rglob("*") if p.is_file()]
    if options.source_pieces == "parts":
        assert any(name.endswith(".part0") for name in files)
        if options.pieces > 10:
            assert any(name.endswith(".part10") for name in files)
    if options.source_pieces == "volumes":
        assert any(name.endswith(".z01") for name in files)
    if options.typo:
        assert any(".." in name and name.startswith("VL_02") for name in files)
    if options.member_names == "cp949":
        label = next(p for p in dataset.rglob("*.zip") if "라벨" in str(p))
        with zipfile.ZipFile(label) as raw:
            assert not any(i.flag_bits & 0x800 for i in raw.infolist())
    if options.label_encoding != "utf-8":
        label = next(p for p in dataset.rglob("*.zip") if "라벨" in str(p) or "[라벨]" in p.name)
        with zipfile.ZipFile(label) as raw:
            data = raw.read(raw.infolist()[0])
        bom = data.startswith(b"\xef\xbb\xbf")
        assert bom == (options.label_encoding == "utf-8-sig")
        if options.label_encoding == "cp949":
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
    result = extract(dataset)
    assert result.problems == []
    _check_rows(result, 10)
    members = result.table(["label_member"]).column("label_member").to_pylist()
    assert all(m.isascii() or any("가" <= ch <= "힣" for ch in m) for m in members)  # no mojibake


def test_sources_split_over_volumes_are_the_same_bytes(make_samples, extract) -> None:  # type: ignore[no-untyped-def]
    plain = extract(make_samples("vision_image", items=10, layout="classic"))
    spanned = extract(
        make_samples("vision_image", items=10, layout="classic", options=ArchiveOptions("utf-8", "utf-8", "volumes", 3))
    )

    def images(result: Any) -> dict[str, bytes]:
        table = result.table(["image_id", "image"])
        return {
            i: m["bytes"]
            for i, m in zip(table.column("image_id").to_pylist(), table.column("image").to_pylist(), strict=True)
        }

    assert images(plain) == images(spanned)
    assert Counter(len(v) > 100 for v in images(plain).values()) == {True: 10}


def test_a_gap_in_split_sources_refuses_the_dataset(make_samples, extract, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from kcore.errors import BadInput

    dataset = make_samples(
        "korean_speech", items=10, options=ArchiveOptions(source_pieces="parts", pieces=5), copy_to=tmp_path / "ds"
    )
    victim = next(p for p in dataset.rglob("*.zip.part2"))
    victim.unlink()
    with pytest.raises(BadInput, match=rf"missing piece .*{victim.name}"):
        extract(dataset)


FAULT_KINDS = [k for k in ALL_KINDS if k != "korean_dialogue"]


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_faults_are_reported_by_name(kind: str, make_samples, extract) -> None:  # type: ignore[no-untyped-def]
    from quality.check import orphan_sources

    missing = extract(make_samples(kind, items=10, inject="missing-source"))
    lost = [p for p in missing.problems if p["code"] == "missing_source"]
    assert len(lost) == 1 and lost[0]["record_id"] and lost[0]["member"]
    assert missing.table().num_rows == 10  # the label is kept, its source_file is null

    duplicated = extract(make_samples(kind, items=10, inject="duplicate-id"))
    schema = duplicated.plan["record_schema"]
    from schemas.records import get_record_schema

    ids = duplicated.table([get_record_schema(schema).id_column]).column(0).to_pylist()
    assert len(ids) == 10 and len(set(ids)) == 9

    orphaned = make_samples(kind, items=10, inject="orphan-source")
    result = extract(orphaned)
    used = [s for s in result.table(["source_file"]).column(0).to_pylist() if s]
    orphans = orphan_sources(orphaned, result.plan["sources"], used)
    assert [(p["code"], "_unlabelled" in p["member"]) for p in orphans] == [("orphan_source", True)]


@pytest.mark.parametrize("kind", [k for k in FAULT_KINDS if k != "korean_speech"])
def test_bad_json_names_the_member_and_keeps_the_rest(kind: str, make_samples, extract) -> None:  # type: ignore[no-untyped-def]
    result = extract(make_samples(kind, items=10, inject="bad-json"))
    bad = [p for p in result.problems if p["code"] == "bad_json"]
    assert len(bad) == 1 and bad[0]["member"].endswith(".json")
    rows = result.table().num_rows
    if kind == "korean_summary":  # one label file of several documents, streamed: those before the cut are kept
        assert 6 <= rows < 10
    else:
        assert rows == 9
