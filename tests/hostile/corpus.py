"""Hostile archives, built in code (no binary file is committed).

Each builder takes the members of a real label archive of a generated dataset and returns the
bytes of a hostile archive: the real members plus (or altered by) one defect. ``zipfile`` writes
the zip; what it refuses to write (NUL in names, shared offsets, lying sizes, encryption flags,
unknown methods) is patched into the bytes afterwards with :mod:`struct`.
"""

from __future__ import annotations

import io
import stat
import struct
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "CASES",
    "FIRST",
    "Case",
    "central_records",
    "patch_central",
    "patch_local",
    "zip_bytes",
]

Members = dict[str, bytes]
_DATE = (2024, 1, 1, 0, 0, 0)

# field → (offset, struct format) in a central directory record / a local header
_CENTRAL = {"flags": (8, "<H"), "method": (10, "<H"), "crc": (16, "<I"), "usize": (24, "<I"), "offset": (42, "<I")}
_LOCAL = {"flags": (6, "<H"), "method": (8, "<H"), "crc": (14, "<I")}


def zip_bytes(
    members: list[tuple[str, bytes]] | Members,
    *,
    method: int = zipfile.ZIP_DEFLATED,
    tweak: Callable[[zipfile.ZipInfo], None] | None = None,
    after: Callable[[zipfile.ZipFile], None] | None = None,
) -> bytes:
    """A zip of ``members`` (duplicates allowed); ``tweak`` edits each ZipInfo before it is
    written, ``after`` sees the open archive before its central directory is written."""
    items = list(members.items()) if isinstance(members, dict) else members
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Duplicate name": on purpose
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in items:
                info = zipfile.ZipInfo(name, date_time=_DATE)
                info.compress_type = method
                info.create_system = 3
                info.external_attr = (stat.S_IFREG | 0o644) << 16
                if tweak:
                    tweak(info)
                archive.writestr(info, data)
            if after:
                after(archive)
    return buffer.getvalue()


def central_records(data: bytes) -> list[int]:
    """Offsets of the central directory records, in order."""
    end = data.rfind(b"PK\x05\x06")
    count, _, start = struct.unpack("<HII", data[end + 10 : end + 20])
    offsets, at = [], start
    for _ in range(count):
        offsets.append(at)
        names, extra, comment = struct.unpack("<HHH", data[at + 28 : at + 34])
        at += 46 + names + extra + comment
    return offsets


def _name_at(data: bytes, record: int) -> bytes:
    (length,) = struct.unpack("<H", data[record + 28 : record + 30])
    return data[record + 46 : record + 46 + length]


def patch_central(data: bytes, name: bytes, **values: int) -> bytes:
    """Set fields (``flags``, ``method``, ``crc``, ``usize``, ``offset``) of the central record of ``name``."""
    out = bytearray(data)
    record = next(r for r in central_records(data) if _name_at(data, r) == name)
    for key, value in values.items():
        at, fmt = _CENTRAL[key]
        struct.pack_into(fmt, out, record + at, value)
    return bytes(out)


def patch_local(data: bytes, name: bytes, **values: int) -> bytes:
    """Set fields (``flags``, ``method``, ``crc``) of the local header of ``name``."""
    out = bytearray(data)
    record = next(r for r in central_records(data) if _name_at(data, r) == name)
    (offset,) = struct.unpack("<I", data[record + 42 : record + 46])
    for key, value in values.items():
        at, fmt = _LOCAL[key]
        struct.pack_into(fmt, out, offset + at, value)
    return bytes(out)


def _with(members: Members, *extra: tuple[str, bytes]) -> list[tuple[str, bytes]]:
    return [*members.items(), *extra]


# -- the cases -------------------------------------------------------------------------------------


def dotdot(members: Members) -> bytes:
    return zip_bytes(_with(members, ("일상대화/../../../evil.json", b"{}")))


def absolute(members: Members) -> bytes:
    return zip_bytes(_with(members, ("/tmp/evil.json", b"{}")))


def drive_letter(members: Members) -> bytes:
    return zip_bytes(_with(members, ("C:\\Windows\\evil.json", b"{}")))


def backslash_dotdot(members: Members) -> bytes:
    return zip_bytes(_with(members, ("일상대화\\..\\..\\evil.json", b"{}")))


def nul_name(members: Members) -> bytes:
    data = zip_bytes(_with(members, ("evil.jsonX.txt", b"{}")))
    return data.replace(b"evil.jsonX.txt", b"evil.json\x00.txt")  # both headers; same length


def symlink(members: Members) -> bytes:
    def link(info: zipfile.ZipInfo) -> None:
        if info.filename.endswith("link.json"):
            info.external_attr = (stat.S_IFLNK | 0o777) << 16

    return zip_bytes(_with(members, ("일상대화/link.json", b"../../../../etc/passwd")), tweak=link)


def fifo(members: Members) -> bytes:
    def pipe(info: zipfile.ZipInfo) -> None:
        if info.filename.endswith("pipe"):
            info.external_attr = (stat.S_IFIFO | 0o644) << 16

    return zip_bytes(_with(members, ("일상대화/pipe", b"")), tweak=pipe)


def duplicate(members: Members) -> bytes:
    first = sorted(members)[0]
    return zip_bytes(_with(members, (first, b'{"data": []}')))


NFC_NAME = unicodedata.normalize("NFC", "일상대화/한국어_대화.json")
NFD_NAME = unicodedata.normalize("NFD", NFC_NAME)


def duplicate_nfd(members: Members) -> bytes:
    return zip_bytes(_with(members, (NFC_NAME, b'{"data": []}'), (NFD_NAME, b'{"data": []}')))


def encrypted(members: Members) -> bytes:
    first = sorted(members)[0].encode()
    data = zip_bytes(members)
    return patch_local(patch_central(data, first, flags=0x1 | 0x800), first, flags=0x1 | 0x800)


def deflate64(members: Members) -> bytes:
    first = sorted(members)[0].encode()
    data = zip_bytes(members)
    return patch_local(patch_central(data, first, method=9), first, method=9)


def bzip2(members: Members) -> bytes:
    """bzip2 members: zipfile reads them, but inflates each block read without a bound."""
    return zip_bytes(members, method=zipfile.ZIP_BZIP2)


BOMB_BYTES = 32 * 1024 * 1024


def bomb_ratio(members: Members) -> bytes:
    """32 MiB of zeros in ~32 KB (about 1000:1)."""
    return zip_bytes(_with(members, ("일상대화/zeros.json", bytes(BOMB_BYTES))))


def bomb_overall(members: Members) -> bytes:
    """40 members of 1 MiB zeros: each under the ratio floor, together 1000:1."""
    zeros = bytes(1024 * 1024)
    return zip_bytes(_with(members, *((f"일상대화/pad_{n:02d}.bin", zeros) for n in range(40))))


def bomb_declared(members: Members) -> bytes:
    """A member whose central record declares 1 TiB (ZIP64 extra); the real data is 10 bytes."""

    def lie(archive: zipfile.ZipFile) -> None:
        archive.filelist[-1].file_size = 1 << 40

    return zip_bytes(_with(members, ("일상대화/huge.json", b"{}" * 5)), after=lie)


def lying_size(members: Members) -> bytes:
    """A central record declaring 1,000 bytes for data that inflates to 4 MiB (CRC of the first 1,000)."""
    real = bytes(4 * 1024 * 1024)
    data = zip_bytes(_with(members, ("일상대화/lies.json", real)))
    name = "일상대화/lies.json".encode()
    crc = zlib.crc32(real[:1000])
    return patch_local(patch_central(data, name, usize=1000, crc=crc), name, crc=crc)


def many_members(members: Members) -> bytes:
    return zip_bytes(_with(members, *((f"일상대화/x_{n:03d}.txt", b"x") for n in range(60))))


def overlapping(members: Members) -> bytes:
    """Two central entries pointing at one local header (a "hard link", the zip bomb's trick)."""
    data = zip_bytes(_with(members, ("일상대화/a.bin", b"A" * 4000), ("일상대화/b.bin", b"B" * 4000)), method=0)
    records = central_records(data)
    first = next(r for r in records if _name_at(data, r) == "일상대화/a.bin".encode())
    (offset,) = struct.unpack("<I", data[first + 42 : first + 46])
    return patch_central(data, "일상대화/b.bin".encode(), offset=offset)


def nested(members: Members) -> bytes:
    inner = zip_bytes({"inner.json": b"{}"})
    return zip_bytes(_with(members, ("일상대화/more_labels.zip", inner)))


def truncated(members: Members) -> bytes:
    data = zip_bytes(members)
    return data[: len(data) * 3 // 5]


def not_a_zip(members: Members) -> bytes:
    return b"PK\x03\x04" + bytes(range(256)) * 40


class _Utf8FlaggedCp949(zipfile.ZipInfo):
    """Writes its name as CP949 bytes but claims UTF-8 (flag 0x800)."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp949"), self.flag_bits | 0x800


def bad_utf8_flag(members: Members) -> bytes:
    """A CP949 name (not UTF-8) with the UTF-8 flag set: zipfile cannot decode the directory."""
    buffer = io.BytesIO(zip_bytes(members))
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr(_Utf8FlaggedCp949("일상대화/가나다.json", date_time=_DATE), b"{}")
    return buffer.getvalue()


def bad_crc(members: Members) -> bytes:
    first = sorted(members)[0].encode()
    data = zip_bytes(members)
    crc = zlib.crc32(members[first.decode()]) ^ 0xFFFF
    return patch_local(patch_central(data, first, crc=crc), first, crc=crc)


FIRST = "<first member>"


@dataclass(frozen=True)
class Case:
    """One hostile label archive: how to build it, the expected code and the member to name."""

    build: Callable[[Members], bytes]
    code: str
    member: str | None
    stage: str = "plan"
    env: dict[str, str] = field(default_factory=dict)


CASES: dict[str, Case] = {
    "dotdot": Case(dotdot, "path_traversal", "일상대화/../../../evil.json"),
    "absolute": Case(absolute, "path_traversal", "/tmp/evil.json"),
    "drive_letter": Case(drive_letter, "path_traversal", "C:\\Windows\\evil.json"),
    "backslash_dotdot": Case(backslash_dotdot, "path_traversal", "일상대화\\..\\..\\evil.json"),
    "nul_name": Case(nul_name, "unsafe_name", "evil.json"),
    "symlink": Case(symlink, "symlink", "일상대화/link.json"),
    "fifo": Case(fifo, "special_file", "일상대화/pipe"),
    "duplicate": Case(duplicate, "duplicate_name", FIRST),
    "duplicate_nfc_nfd": Case(duplicate_nfd, "duplicate_name", NFD_NAME),
    "encrypted": Case(encrypted, "encrypted", FIRST),
    "deflate64": Case(deflate64, "unsupported_method", FIRST),
    "bzip2": Case(bzip2, "unsupported_method", FIRST),
    "bomb_ratio": Case(bomb_ratio, "zip_bomb_ratio", "일상대화/zeros.json"),
    "bomb_overall": Case(bomb_overall, "zip_bomb_ratio", None),
    "bomb_declared_size": Case(bomb_declared, "zip_bomb_size", "일상대화/huge.json"),
    "lying_size": Case(lying_size, "corrupt_archive", "일상대화/lies.json"),
    "too_many_members": Case(many_members, "too_many_members", None, env={"KDATA_MAX_MEMBERS": "50"}),
    "overlapping": Case(overlapping, "overlapping_entries", "일상대화/a.bin"),
    "nested_zip": Case(nested, "nested_archive", "일상대화/more_labels.zip"),
    "truncated": Case(truncated, "corrupt_archive", None),
    "not_a_zip": Case(not_a_zip, "corrupt_archive", None),
    "bad_utf8_flag": Case(bad_utf8_flag, "corrupt_archive", None),
    "bad_crc": Case(bad_crc, "bad_crc", FIRST, stage="extract"),
}
"""Name → case; ``member`` :data:`FIRST` is the first member (by name) of the real archive."""
