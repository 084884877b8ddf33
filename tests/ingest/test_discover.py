from __future__ import annotations

from pathlib import Path

import pytest

from ingest.discover import classify, discover_archives
from kcore.errors import BadInput


@pytest.mark.parametrize(
    ("path", "split", "kind"),
    [
        ("01.데이터/1.Training/라벨링데이터/TL_1.shopping.zip", "train", "label"),
        ("01.데이터/1.Training/원천데이터/TS_1.shopping.zip", "train", "source"),
        ("01.데이터/2.Validation/라벨링데이터/VL_1.shopping.zip", "validation", "label"),
        ("01.데이터/2.Validation/원천데이터/VS_1.shopping.zip", "validation", "source"),
        ("01-1.정식개방데이터/Training/01.원천데이터/TS_01.실내_1.zip", "train", "source"),
        ("01-1.정식개방데이터/Validation/02.라벨링데이터/VL_02..실외.zip", "validation", "label"),
        ("3.개방데이터/1.데이터/Training/02.라벨링데이터/TL_session2.zip", "train", "label"),
        ("[라벨]한국어SNS_valid.zip", "validation", "label"),
        ("[원천]한국어SNS_train.zip", "train", "source"),
        ("x/Training/라벨링데이터/5.보일러.zip", "train", "label"),
    ],
)
def test_classify_real_layouts(path: str, split: str, kind: str) -> None:
    assert classify(path) == (split, kind)


def test_discover_sample_tree(sample_factory) -> None:  # type: ignore[no-untyped-def]
    refs = discover_archives(sample_factory())
    assert {(r.split, r.kind) for r in refs} == {
        ("train", "label"),
        ("train", "source"),
        ("validation", "label"),
        ("validation", "source"),
    }
    assert [r.path for r in refs] == sorted(r.path for r in refs)


def test_unclassifiable_archive_is_named(tmp_path: Path) -> None:
    (tmp_path / "misc").mkdir()
    (tmp_path / "misc" / "stuff.zip").write_bytes(b"")
    with pytest.raises(BadInput, match=r"misc/stuff.zip"):
        discover_archives(tmp_path)


def test_no_label_archive(tmp_path: Path) -> None:
    folder = tmp_path / "원천데이터"
    folder.mkdir()
    (folder / "TS_1.zip").write_bytes(b"")
    with pytest.raises(BadInput, match="no label archive"):
        discover_archives(tmp_path)
