"""ingest.source_index: the compact stem → source index answers what a dict built by setdefault did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest.archives import list_member_names
from ingest.source_index import SourceIndex, source_stem
from kdata.samples.layout import write_zip


def _reference(root: Path, archives: list[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for archive in archives:
        for name in list_member_names(root / archive):
            index.setdefault(source_stem(name), f"{archive}!{name}")
    return index


@pytest.fixture
def dataset(tmp_path: Path) -> tuple[Path, list[str]]:
    write_zip(
        tmp_path / "TS_1.zip",
        {"대화/KSNS_00000002.txt": b"b", "대화/KSNS_00000001.txt": b"a", "대화/x.tar.gz": b"", "noext": b""},
    )
    write_zip(
        tmp_path / "TS_2.zip",
        {"쇼핑/KSNS_00000001.wav": b"dup", "쇼핑/KSNS_00000003.txt": b"c", "쇼핑/.hidden": b""},
    )
    return tmp_path, ["TS_1.zip", "TS_2.zip"]


def test_same_answers_as_a_dict(dataset: tuple[Path, list[str]]) -> None:
    root, archives = dataset
    index = SourceIndex.build(root, archives)
    reference = _reference(root, archives)
    assert dict(index) == reference
    assert list(index) == list(reference)  # first appearance order
    assert len(index) == len(reference)
    assert index.get("KSNS_00000001") == "TS_1.zip!대화/KSNS_00000001.txt"  # the first archive wins
    assert index["x.tar"] == "TS_1.zip!대화/x.tar.gz" and index[""] == "TS_2.zip!쇼핑/.hidden"
    assert index.get("KSNS_09999999") is None and "KSNS_09999999" not in index
    with pytest.raises(KeyError):
        index["KSNS_09999999"]
    keys = [*reference, "KSNS_09999999", "", "KSNS_00000001"]
    assert index.get_many(keys) == [reference.get(k) for k in keys] and index.get_many([]) == []


def test_equal_hashes_are_told_apart(dataset: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, archives = dataset
    index = SourceIndex.build(root, archives)
    # every stem collides (as a stable sort of equal hashes leaves them): lookups must compare names
    index._hashes = np.zeros_like(index._hashes)
    index._order = np.arange(len(index._hashes))
    monkeypatch.setattr("ingest.source_index.hash", lambda _: 0, raising=False)
    reference = _reference(root, archives)
    assert dict(index) == reference
    assert index.get_many([*reference, "nope"]) == [*reference.values(), None]


def test_empty(tmp_path: Path) -> None:
    write_zip(tmp_path / "TS_1.zip", {})
    index = SourceIndex.build(tmp_path, ["TS_1.zip"])
    assert len(index) == 0 and index.get("a") is None and SourceIndex.build(tmp_path, []).get("a") is None
    assert index.get_many(["a", ""]) == [None, None]


def test_names_per_archive_and_the_cache(dataset: tuple[Path, list[str]]) -> None:
    from ingest.source_index import cached_index

    root, archives = dataset
    index = SourceIndex.build(root, archives)
    assert [index.names(k) for k in range(len(archives))] == [list_member_names(root / a) for a in archives]
    assert index.names(5) == []
    assert cached_index(root, archives) is cached_index(root, archives)  # built once
    write_zip(root / "TS_2.zip", {"쇼핑/KSNS_00000009.txt": b"new"})  # changed: built again
    assert cached_index(root, archives).get("KSNS_00000009") == "TS_2.zip!쇼핑/KSNS_00000009.txt"


def test_names_listed_by_the_safety_check_are_reused(dataset: tuple[Path, list[str]], monkeypatch) -> None:
    """check_archive remembers the names it listed; list_member_names gives the same list without
    opening the archive again, and opens it again once the archive changed."""
    from ingest import archives
    from ingest.safety import check_archive

    root, _archives = dataset
    expected = list_member_names(root / "TS_2.zip")
    check_archive(root / "TS_2.zip", "TS_2.zip")

    def no_open(*_args, **_kwargs):
        raise AssertionError("opened again")

    with monkeypatch.context() as patch:
        patch.setattr(archives, "open_zip", no_open)
        assert list_member_names(root / "TS_2.zip") == expected
    write_zip(root / "TS_2.zip", {"a/KSNS_1.txt": b"changed, longer than before"})
    assert list_member_names(root / "TS_2.zip") == ["a/KSNS_1.txt"]
