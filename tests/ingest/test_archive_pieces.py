"""Archives that arrive in pieces (.partN, spanned .z01 volumes) and Korean member names, read in place."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from ingest.archives import OpenArchive, archive_pieces, archive_sha256, list_member_names, open_zip
from ingest.discover import classify, discover_archives
from kcore.errors import BadInput
from kdata.samples.layout import span_volumes, split_parts, write_zip

MEMBERS = {f"03.주문결제/파일_{n:02d}.bin": bytes((n * 7 + i) % 251 for i in range(3000 + n * 97)) for n in range(24)}


def _zip(path: Path, *, cp949: bool = False) -> tuple[Path, bytes]:
    write_zip(path, MEMBERS, cp949_names=cp949)
    return path, path.read_bytes()


def _read_all(path: Path) -> dict[str, bytes]:
    with OpenArchive(path) as archive:
        return {name: archive.read(name) for name in archive.names()}


def test_parts_join_in_numeric_order(tmp_path: Path) -> None:
    path, whole = _zip(tmp_path / "TS_1.zip")
    pieces = split_parts(path, 12)
    assert [p.name for p in pieces][-3:] == ["TS_1.zip.part9", "TS_1.zip.part10", "TS_1.zip.part11"]
    assert not path.exists()
    # Sorting the names as text would put part10 after part1: the join would be corrupt.
    assert sorted(p.name for p in pieces)[2] == "TS_1.zip.part10"
    assert archive_pieces(path) == pieces
    assert archive_sha256(path) == hashlib.sha256(whole).hexdigest()
    assert _read_all(path) == MEMBERS


def test_a_missing_part_is_named(tmp_path: Path) -> None:
    path, _ = _zip(tmp_path / "TS_1.zip")
    split_parts(path, 12)
    (tmp_path / "TS_1.zip.part3").unlink()
    with pytest.raises(BadInput, match=r"missing piece .*TS_1\.zip\.part3"):
        archive_pieces(path)
    with pytest.raises(BadInput, match=r"TS_1\.zip\.part3"):
        discover_archives(_dataset_with(tmp_path, "TS_1.zip"))


def _dataset_with(root: Path, *names: str) -> Path:
    """Move pieces into a Training/원천데이터 folder beside a label archive; return the dataset root."""
    folder = root / "ds" / "Training" / "원천데이터"
    folder.mkdir(parents=True)
    for piece in root.iterdir():
        if piece.is_file() and piece.name.startswith(names):
            piece.rename(folder / piece.name)
    write_zip(root / "ds" / "Training" / "라벨링데이터" / "TL_1.zip", {"a.json": b"{}"})
    return root / "ds"


def test_whole_and_pieces_together_is_refused(tmp_path: Path) -> None:
    path, whole = _zip(tmp_path / "TS_1.zip")
    split_parts(path, 3)
    path.write_bytes(whole)
    with pytest.raises(BadInput, match=r"both whole and as \.partN"):
        archive_pieces(path)


@pytest.mark.parametrize("zip64", [False, True])
def test_spanned_volumes_are_read_in_place(tmp_path: Path, zip64: bool) -> None:
    path, _ = _zip(tmp_path / "TS_2.zip")
    volumes = span_volumes(path, 4, zip64=zip64)
    assert [v.name for v in volumes] == ["TS_2.z01", "TS_2.z02", "TS_2.z03", "TS_2.zip"]
    assert volumes[0].read_bytes()[:4] == b"PK\x07\x08"  # Info-ZIP's spanning signature
    with pytest.raises(zipfile.BadZipFile), zipfile.ZipFile(path) as plain:  # Python alone cannot read it
        [plain.read(i) for i in plain.infolist()]
    assert archive_pieces(path) == volumes
    assert _read_all(path) == MEMBERS
    with open_zip(path) as archive:
        assert archive.testzip() is None


def test_missing_volumes_are_named(tmp_path: Path) -> None:
    path, _ = _zip(tmp_path / "TS_3.zip")
    span_volumes(path, 4)
    (tmp_path / "TS_3.z02").unlink()
    with pytest.raises(BadInput, match=r"missing piece .*TS_3\.z02"):
        archive_pieces(path)
    # the highest numbered volume gone: the end record still counts four volumes
    path, _ = _zip(tmp_path / "TS_4.zip")
    span_volumes(path, 4)
    (tmp_path / "TS_4.z03").unlink()
    with pytest.raises(BadInput, match="says it has 4 volumes, found 3"):
        list_member_names(path)
    # no last volume at all
    path, _ = _zip(tmp_path / "TS_5.zip")
    span_volumes(path, 3)
    path.unlink()
    with pytest.raises(BadInput, match=r"missing last volume .*TS_5\.zip"):
        archive_pieces(path)


@pytest.mark.parametrize("cp949", [False, True])
def test_korean_member_names_with_and_without_the_utf8_flag(tmp_path: Path, cp949: bool) -> None:
    path, _ = _zip(tmp_path / "old.zip", cp949=cp949)
    with zipfile.ZipFile(path) as raw:
        flagged = {bool(i.flag_bits & 0x800) for i in raw.infolist()}
        assert flagged == {not cp949}
    assert list_member_names(path) == sorted(MEMBERS)
    split_parts(path, 2)  # names survive a split too
    assert _read_all(path) == MEMBERS


def test_discover_folds_pieces_and_reads_real_layouts(tmp_path: Path) -> None:
    root = tmp_path / "ds"
    layout = {
        "01-1.정식개방데이터/Training/02.라벨링데이터/TL_01.실내.zip": "",
        "01-1.정식개방데이터/Validation/02.라벨링데이터/VL_02..실외.zip": "",
        "3.개방데이터/1.데이터/Training/02.라벨링데이터/TL_session2.zip": "",
        "[라벨]한국어SNS_valid.zip": "",
        "라벨링데이터/Training/5.보일러.zip": "",
        "01-1.정식개방데이터/Training/01.원천데이터/TS_01.실내_1.zip": "parts",
        "01-1.정식개방데이터/Training/01.원천데이터/TS_01.실내_2.zip": "volumes",
    }
    for rel, pieces in layout.items():
        path = root / rel
        write_zip(path, MEMBERS if pieces else {"x.json": b"{}"})
        if pieces == "parts":
            split_parts(path, 11)
        elif pieces == "volumes":
            span_volumes(path, 3)
    refs = {r.path: r for r in discover_archives(root)}
    assert set(refs) == set(layout)
    assert [(refs[p].split, refs[p].kind) for p in layout] == [
        ("train", "label"),
        ("validation", "label"),
        ("train", "label"),
        ("validation", "label"),
        ("train", "label"),
        ("train", "source"),
        ("train", "source"),
    ]
    parts = refs["01-1.정식개방데이터/Training/01.원천데이터/TS_01.실내_1.zip"]
    assert len(parts.pieces) == 11 and parts.pieces[-1].endswith(".zip.part10")
    assert parts.size == sum((root / p).stat().st_size for p in parts.pieces)
    volumes = refs["01-1.정식개방데이터/Training/01.원천데이터/TS_01.실내_2.zip"]
    assert [p.rsplit(".", 1)[1] for p in volumes.pieces] == ["z01", "z02", "zip"]
    assert classify("x/Training/02.라벨링데이터/TL_1.zip.part3") == ("train", "label")
