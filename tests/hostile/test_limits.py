"""Limits enforced before and while reading: bombs are refused without being inflated, a member
stops at its declared size, the directory is counted before it is parsed, limits come from the
environment, and remote URLs are checked for private addresses."""

from __future__ import annotations

import io
import struct
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ingest.archives import OpenArchive, iter_member_streams, iter_members, open_zip
from ingest.jsonstream import JsonStreamError, ListItems
from ingest.limits import UnsafeArchive
from ingest.problems import ReadStats
from ingest.readers._common import SourceFiles
from ingest.safety import check_archive, check_remote_url
from kcore.config import Settings, load_settings
from kcore.errors import BadInput
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits
from tests.hostile.corpus import central_records, patch_central, patch_local, zip_bytes

pytestmark = pytest.mark.timeout(60)

MiB = 1024 * 1024


def _streamed_zeros(path: Path, name: str, size: int) -> None:
    """A real bomb written in 1 MiB blocks (the test itself never holds it)."""
    block = bytes(MiB)
    info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(path, "w") as archive, archive.open(info, "w", force_zip64=True) as out:
        for _ in range(size // MiB):
            out.write(block)


def test_a_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    bomb = tmp_path / "TL_bomb.zip"
    _streamed_zeros(bomb, "labels/zeros.json", 512 * MiB)
    assert bomb.stat().st_size < 1 * MiB  # 512 MiB of zeros in well under 1 MiB
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeArchive) as refused:
            check_archive(bomb, "TL_bomb.zip")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert refused.value.code == "zip_bomb_ratio" and refused.value.member == "labels/zeros.json"
    assert peak < 4 * MiB, f"the check allocated {peak:,} bytes: did it inflate the member?"


def _lying(data: bytes, claimed: int, crc_of: bytes) -> bytes:
    """The central directory claims ``claimed`` bytes (with the CRC of ``crc_of``) for the first member."""
    name = b"labels/a.json"
    crc = zlib.crc32(crc_of)
    data = patch_central(data, name, usize=claimed, crc=crc)
    return patch_local(data, name, crc=crc)


def test_a_member_stops_at_its_declared_size(tmp_path: Path) -> None:
    """16 MiB of zeros behind a header that says 1,000 bytes: the check refuses the lie; a read (were the
    check skipped) refuses it too, without inflating the rest (it returned the first 1,000 bytes, their CRC
    right, and dropped what followed: attack trial 10 hid a phone number there)."""
    real = bytes(16 * MiB)
    path = tmp_path / "TL_1.zip"
    path.write_bytes(_lying(zip_bytes({"labels/a.json": real}), 1000, real[:1000]))
    with pytest.raises(UnsafeArchive, match="the declared size lies") as refused:
        check_archive(path, "TL_1.zip")
    assert (refused.value.code, refused.value.member) == ("corrupt_archive", "labels/a.json")
    tracemalloc.start()
    try:
        with OpenArchive(path) as archive, pytest.raises(UnsafeArchive, match="inflates past") as read:
            archive.read("labels/a.json")
        with pytest.raises(UnsafeArchive, match="inflates past") as streamed:
            for _, stream in iter_member_streams(path):
                stream.read()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert {(e.value.code, e.value.member) for e in (read, streamed)} == {("corrupt_archive", "labels/a.json")}
    assert peak < 4 * MiB  # the compressed input and 1,001 bytes, not 16 MiB


@pytest.mark.parametrize("streamed", [False, True])
@pytest.mark.parametrize("declared", ["smaller", "larger"])
def test_a_declared_size_that_lies_with_its_crc_right_is_refused(tmp_path: Path, streamed: bool, declared: str) -> None:
    """Attack trial 10: the directory declares the size (and the CRC) of the first part of the data, hiding
    the rest (a phone number after 40 spaces); or more bytes than there are, the CRC of the real data. Both
    were published; both are refused naming the member."""
    real = b'{"text": "hello"}' + b" " * 40 + b'{"phone": "010-9876-5432"}'
    size = 17 if declared == "smaller" else len(real) + 10
    crc_of = real[:17] if declared == "smaller" else real
    path = tmp_path / "TL_1.zip"
    path.write_bytes(_lying(zip_bytes({"labels/a.json": real}), size, crc_of))
    with pytest.raises(UnsafeArchive) as refused:
        _read_all(path, streamed, whole=lambda: _read_member(path, "labels/a.json"))
    assert (refused.value.code, refused.value.member) == ("corrupt_archive", "labels/a.json")


def _read_member(path: Path, name: str) -> bytes:
    with OpenArchive(path) as archive:
        return archive.read(name)


def _read_all(path: Path, streamed: bool, whole: Callable[[], object]) -> None:
    """Every member's stream read to its end in small steps, or ``whole()``."""
    if not streamed:
        whole()
        return
    for _, stream in iter_member_streams(path):
        while stream.read(7):
            pass


@pytest.mark.parametrize("streamed", [False, True])
def test_a_crc_mismatch_is_found_by_full_and_streamed_reads(tmp_path: Path, streamed: bool) -> None:
    real = b'{"data": []}' * 100
    path = tmp_path / "TL_1.zip"
    path.write_bytes(_lying(zip_bytes({"labels/a.json": real}), len(real), b"something else"))
    with pytest.raises(UnsafeArchive) as refused:
        _read_all(path, streamed, whole=lambda: list(iter_members(path)))
    assert refused.value.code == "bad_crc" and refused.value.member == "labels/a.json"
    assert str(path) in str(refused.value)


def test_a_bad_source_member_refuses_the_dataset_not_just_the_record(tmp_path: Path) -> None:
    data = zip_bytes({"img/a.png": b"\x89PNG" + bytes(2000)})
    name = b"img/a.png"
    data = patch_local(patch_central(data, name, crc=1), name, crc=1)
    (tmp_path / "TS_1.zip").write_bytes(data)
    files = SourceFiles(tmp_path / "TL_1.zip", "TL_1.zip", {"a": "TS_1.zip!img/a.png"})
    with files, pytest.raises(UnsafeArchive) as refused:
        files.fetch("a", ReadStats(), "TL_1.zip", "a.json", "a")
    assert refused.value.code == "bad_crc" and refused.value.member == "img/a.png"


def test_the_directory_is_counted_before_zipfile_parses_it(tmp_path: Path) -> None:
    """The end record says 1 entry; the directory holds 60: the count, not the claim, decides."""
    data = bytearray(zip_bytes({f"m/{n:03d}.txt": b"x" for n in range(60)}))
    end = bytes(data).rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 1, 1)
    assert len(central_records(bytes(data))) == 1  # what a reader trusting the end record would see
    path = tmp_path / "TL_1.zip"
    path.write_bytes(bytes(data))
    with open_zip(path) as archive:  # under the default limit it opens: zipfile walks all 60
        assert len(archive.infolist()) == 60
    with pytest.raises(UnsafeArchive, match=r"more than KDATA_MAX_MEMBERS=50") as refused:
        open_zip(path, load_settings({"KDATA_MAX_MEMBERS": "50"}).limits)
    assert refused.value.code == "too_many_members"
    with pytest.raises(UnsafeArchive, match=r"central directory of .* exceeds KDATA_MAX_CD_BYTES=1,000"):
        open_zip(path, load_settings({"KDATA_MAX_MEMBERS": "50", "KDATA_MAX_CD_BYTES": "1000"}).limits)


def test_limits_come_from_the_environment() -> None:
    settings = load_settings(
        {"KDATA_MAX_RATIO": "50", "KDATA_MAX_MEMBER_BYTES": "1_000", "KDATA_ALLOW_NESTED_ARCHIVES": "yes"}
    )
    limits = settings.limits
    assert (limits.max_ratio, limits.max_member_bytes, limits.allow_nested_archives) == (50.0, 1000, True)
    assert limits.max_members == ArchiveLimits().max_members == DEFAULT_LIMITS.max_members == 1_000_000
    assert load_settings({}).limits == DEFAULT_LIMITS
    assert Settings.from_json(settings.to_json()).limits == limits  # handed to extract workers as JSON
    with pytest.raises(BadInput, match="KDATA_MAX_MEMBERS='many'"):
        load_settings({"KDATA_MAX_MEMBERS": "many"})
    with pytest.raises(BadInput, match="KDATA_MAX_RATIO: must be positive"):
        load_settings({"KDATA_MAX_RATIO": "nan"})


def test_a_lower_size_limit_refuses_a_member_and_nested_archives_can_be_allowed(tmp_path: Path) -> None:
    path = tmp_path / "TL_1.zip"
    path.write_bytes(zip_bytes({"a/b.json": b"{}" * 600, "a/inner.zip": zip_bytes({"x": b"y"})}))
    with pytest.raises(UnsafeArchive) as refused:
        check_archive(path, "TL_1.zip")
    assert refused.value.code == "nested_archive"
    allowed = ArchiveLimits(allow_nested_archives=True)
    assert check_archive(path, "TL_1.zip", allowed).members == 2
    with pytest.raises(UnsafeArchive) as refused:
        check_archive(path, "TL_1.zip", ArchiveLimits(allow_nested_archives=True, max_member_bytes=1000))
    assert (refused.value.code, refused.value.member) == ("zip_bomb_size", "a/b.json")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b'{"data": [{"n": 1e999999}]}', "infinite"),
        (b'{"data": [{"n": -1e400}]}', "infinite"),
        (b'{"data": [{"n": ' + b"7" * 100_000 + b"}]}", "4300 digits"),
        (b'{"data": [{"n": NaN}]}', "NaN is not valid JSON"),
        (b'{"data": [{"n": Infinity}]}', "Infinity is not valid JSON"),
        (b'{"data": ' + b"[" * 50_000 + b"]" * 50_000 + b"}", "nested too deeply"),
    ],
)
def test_numbers_and_nesting_a_label_cannot_mean_are_errors(raw: bytes, message: str) -> None:
    items = ListItems(io.BytesIO(raw), block=4096)
    with pytest.raises(JsonStreamError, match=message):
        list(items)


def test_ordinary_numbers_still_parse() -> None:
    items = list(ListItems(io.BytesIO(b'{"data": [1.5, 2e10, -0.0, 123456789012345678901234567890]}'), block=3))
    assert items == [1.5, 2e10, -0.0, 123456789012345678901234567890]


def _resolver(*addresses: str) -> Any:
    def resolve(host: str, port: Any) -> list[tuple[Any, ...]]:
        return [(2, 1, 6, "", (a, port)) for a in addresses]

    return resolve


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.0.5", "172.16.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0"]
)
def test_remote_urls_to_private_addresses_are_refused(address: str) -> None:
    with pytest.raises(BadInput, match="not a public address"):
        check_remote_url("https://data.example.org/x.zip", resolve=_resolver("93.184.216.34", address))


def test_remote_url_checks() -> None:
    assert check_remote_url("https://data.example.org/x.zip", resolve=_resolver("93.184.216.34")) == ["93.184.216.34"]
    for url in ("file:///etc/passwd", "ftp://example.org/x", "http:///x", "gopher://127.0.0.1/"):
        with pytest.raises(BadInput, match="only http, https or s3"):
            check_remote_url(url, resolve=_resolver("93.184.216.34"))
    with pytest.raises(BadInput, match="not a public address"):  # the real resolver, on a literal: no DNS query
        check_remote_url("http://127.0.0.1:8080/")


def test_the_readers_enforce_the_limits_their_read_stats_carry(tmp_path: Path) -> None:
    """The pipeline hands ``Settings.limits`` to the readers on their ReadStats (no reader reads the environment)."""
    from ingest.readers._common import iter_json_labels

    path = tmp_path / "TL_1.zip"
    path.write_bytes(zip_bytes({"a/b.json": b'{"x": "' + b"a" * 500 + b'"}'}))
    assert [name for name, _ in iter_json_labels(path, "TL_1.zip", ReadStats())] == ["a/b.json"]
    with pytest.raises(UnsafeArchive, match="KDATA_MAX_MEMBER_BYTES=100") as refused:
        list(iter_json_labels(path, "TL_1.zip", ReadStats(limits=ArchiveLimits(max_member_bytes=100))))
    assert refused.value.member == "a/b.json"
