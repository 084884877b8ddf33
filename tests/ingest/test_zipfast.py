"""The one-read member path gives zipfile's bytes for clean members and steps aside for everything else,
so every defect is still refused the way zipfile refuses it."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from ingest.archives import OpenArchive, iter_members
from ingest.limits import UnsafeArchive
from ingest.zipfast import read_member_fast

MEMBERS = {
    "라벨/0001.json": b'{"images": {"width": 4}}' * 40,
    "a/empty.json": b"",
    "b/stored.jpg": bytes(range(256)) * 9,
    "c/long-name-" + "x" * 600 + ".json": b"[1, 2, 3]",
}


def _zip(path: Path, members: dict[str, bytes], stored: tuple[str, ...] = ()) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data, compress_type=zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED)
    return path


def test_clean_members_are_read_in_one_go_with_zipfiles_bytes(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip", MEMBERS, stored=("b/stored.jpg",))
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            assert read_member_fast(zf, info) == zf.read(info) == MEMBERS[info.filename]
    assert {m.name: data for m, data in iter_members(path)} == MEMBERS


def _flip(path: Path, needle: bytes, offset: int = 0) -> None:
    raw = bytearray(path.read_bytes())
    at = raw.index(needle) + offset
    raw[at] ^= 0x01
    path.write_bytes(bytes(raw))


def test_a_bad_crc_is_refused_as_before(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TS_1.zip", {"img/a.jpg": b"0123456789" * 50}, stored=("img/a.jpg",))
    _flip(path, b"0123456789", 5)  # the data changed, the CRC in the directory did not
    with zipfile.ZipFile(path) as zf:
        assert read_member_fast(zf, zf.infolist()[0]) is None
    with OpenArchive(path) as archive, pytest.raises(UnsafeArchive) as refused:
        archive.read("img/a.jpg")
    assert refused.value.code == "bad_crc"


def test_a_local_name_that_differs_is_refused_as_before(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip", {"v/aaaa.json": b"{}"})
    raw = path.read_bytes()
    path.write_bytes(raw.replace(b"v/aaaa.json", b"v/bbbb.json", 1))  # the local header only
    with zipfile.ZipFile(path) as zf:
        assert read_member_fast(zf, zf.infolist()[0]) is None
    with pytest.raises(UnsafeArchive) as refused:
        list(iter_members(path))
    assert refused.value.code == "corrupt_archive"


def test_corrupt_deflate_data_is_refused_as_before(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip", {"v/a.json": b'{"k": "' + b"abc" * 300 + b'"}'})
    info_offset = 30 + len("v/a.json")
    raw = bytearray(path.read_bytes())
    for k in range(info_offset, info_offset + 12):
        raw[k] ^= 0xFF
    path.write_bytes(bytes(raw))
    with zipfile.ZipFile(path) as zf:
        assert read_member_fast(zf, zf.infolist()[0]) is None
    with pytest.raises(UnsafeArchive):
        list(iter_members(path))


def test_an_archive_read_for_its_hash_takes_the_one_read_path_and_the_hash_hears_it(tmp_path: Path) -> None:
    """Under extraction's one-pass hash the archive is read through a ``ConcatFile`` (its reads observed): the
    one-read path serves it too (it fell back to ``zipfile`` there, inflating with ``zlib``), with the same
    bytes, and the full hash still comes from those reads."""
    from ingest.archives import archive_sha256, open_zip
    from ingest.fingerprint import ArchiveHasher, archive_fingerprint, hashing

    path = _zip(tmp_path / "TS_1.zip", MEMBERS, stored=("b/stored.jpg",))
    hasher = ArchiveHasher(path, path.name, archive_fingerprint(path))
    with hashing([hasher]), open_zip(path) as zf:
        assert not isinstance(zf.fp, io.BufferedReader)
        for info in zf.infolist():
            assert read_member_fast(zf, info) == MEMBERS[info.filename]
        assert hasher.observed > 0
        assert hasher.finish() == archive_sha256(path)
