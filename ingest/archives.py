"""Read zip members as streams, never extracting to disk; join split archives on the fly.

Korean member names often lack the UTF-8 flag (0x800) and are stored in CP949; Python would show
them as CP437 mojibake. :func:`member_name` recovers the real name.

An AI Hub archive may arrive in pieces. A *logical* archive path (``TS_1.zip``) is served by:

- the file itself;
- ``TS_1.zip.part0``, ``.part1`` ... ``.part10`` joined in numeric order (plain byte splits of one
  zip); a gap is an error naming the missing piece;
- a spanned (multi-volume) zip ``TS_1.z01``, ``TS_1.z02`` ... ``TS_1.zip``. Python's ``zipfile``
  cannot read those: offsets in the central directory are relative to each volume. The volumes are
  presented as one virtual file (:class:`ConcatFile`, nothing copied), the ZIP64 "number of disks"
  fields are overlaid so ``zipfile`` accepts the directory, and each member's header offset is moved
  by the start of the volume it lives on.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from kdata.errors import BadInput

__all__ = [
    "MAX_MEMBER_BYTES",
    "ConcatFile",
    "Member",
    "OpenArchive",
    "archive_pieces",
    "archive_sha256",
    "archive_size",
    "iter_member_streams",
    "iter_members",
    "list_member_names",
    "logical_archive_name",
    "member_name",
    "open_zip",
]

MAX_MEMBER_BYTES = 4 * 1024**3
"""Largest single member we read into memory at once; larger ones are refused by name (stream them)."""

_UTF8_FLAG = 0x800
_PART = re.compile(r"^(?P<base>.+\.zip)\.part(?P<n>\d+)$", re.IGNORECASE)
_VOLUME = re.compile(r"^(?P<base>.+)\.z(?P<n>\d{2,})$", re.IGNORECASE)
_ZIP = re.compile(r"\.zip$", re.IGNORECASE)
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


def member_name(info: zipfile.ZipInfo) -> str:
    """The member's real name: UTF-8 when flagged, else CP949 when that decodes, else as stored."""
    if info.flag_bits & _UTF8_FLAG or info.filename.isascii():
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


# -- pieces ----------------------------------------------------------------------------------------


def logical_archive_name(name: str) -> str | None:
    """The logical ``.zip`` a file name belongs to (``a.zip.part3`` → ``a.zip``, ``a.z02`` → ``a.zip``)."""
    if part := _PART.match(name):
        return part["base"]
    if volume := _VOLUME.match(name):
        return volume["base"] + ".zip"
    if _ZIP.search(name):
        return name
    return None


def _numbered(folder: Path, pattern: re.Pattern[str], base: str) -> dict[int, Path]:
    found: dict[int, Path] = {}
    if not folder.is_dir():
        return found
    for path in folder.iterdir():
        match = pattern.match(path.name)
        if match and match["base"].lower() == base.lower() and path.is_file():
            found[int(match["n"])] = path
    return found


def _check_run(found: dict[int, Path], first: int, name_of: Callable[[int], Path]) -> list[Path]:
    """Pieces numbered ``first..max`` without a gap; the error names the first missing piece."""
    for number in range(first, max(found) + 1):
        if number not in found:
            raise BadInput(f"missing piece {name_of(number)} (found {len(found)} pieces; a gap is an error)")
    return [found[n] for n in sorted(found)]


def archive_pieces(path: Path) -> list[Path]:
    """The files that make up the logical archive ``path``, in order.

    Raises :class:`BadInput` naming a missing piece, a missing last volume, or an archive that
    exists both whole and in pieces (a joined file may be the corrupt result of a wrong join).
    """
    name = path.name
    stem = name[:-4] if _ZIP.search(name) else name
    volumes = _numbered(path.parent, _VOLUME, stem)
    parts = _numbered(path.parent, _PART, name)
    if volumes:
        width = min(len(m["n"]) for p in volumes.values() if (m := _VOLUME.match(p.name)))
        listed = _check_run(volumes, 1, lambda n: path.with_name(f"{stem}.z{n:0{width}d}"))
        if not path.is_file():
            raise BadInput(f"missing last volume {path} of a multi-volume archive ({len(volumes)} .zNN found)")
        return [*listed, path]
    if parts:
        if path.is_file():
            raise BadInput(f"{path}: exists both whole and as .partN pieces; keep one of them")
        return _check_run(parts, 0, lambda n: path.with_name(f"{name}.part{n}"))
    if path.is_file():
        return [path]
    raise BadInput(f"{path}: no such archive (neither the file nor .partN / .zNN pieces)")


def archive_size(path: Path) -> int:
    """Bytes of the logical archive (sum of its pieces)."""
    return sum(p.stat().st_size for p in archive_pieces(path))


def archive_sha256(path: Path, block: int = 1 << 20) -> str:
    """Hex sha256 of the logical archive: of its pieces concatenated in order (= the joined file)."""
    digest = hashlib.sha256()
    for piece in archive_pieces(path):
        with piece.open("rb") as handle:
            while chunk := handle.read(block):
                digest.update(chunk)
    return digest.hexdigest()


class ConcatFile(io.RawIOBase):
    """Several files read as one seekable stream, with optional byte overlays (offset → bytes)."""

    def __init__(self, paths: list[Path], overlay: dict[int, bytes] | None = None) -> None:
        super().__init__()
        self._paths = paths
        self._sizes = [p.stat().st_size for p in paths]
        self.starts = [sum(self._sizes[:i]) for i in range(len(paths))]
        self._length = sum(self._sizes)
        self._overlay = overlay or {}
        self._handles: dict[int, io.BufferedReader] = {}
        self._pos = 0
        self.name = str(paths[-1])

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the joined archive")
        self._pos = base + offset
        return self._pos

    def _piece(self, index: int) -> io.BufferedReader:
        if index not in self._handles:
            self._handles[index] = self._paths[index].open("rb")
        return self._handles[index]

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._length - self._pos)
        done = 0
        while done < wanted:
            index = max(i for i, s in enumerate(self.starts) if s <= self._pos + done)
            local = self._pos + done - self.starts[index]
            take = min(wanted - done, self._sizes[index] - local)
            handle = self._piece(index)
            handle.seek(local)
            got = handle.readinto(view[done : done + take])
            if not got:
                break
            done += got
        for at, patch in self._overlay.items():
            lo, hi = max(at, self._pos), min(at + len(patch), self._pos + done)
            if lo < hi:
                view[lo - self._pos : hi - self._pos] = patch[lo - at : hi - at]
        self._pos += done
        return done

    def close(self) -> None:
        for handle in self._handles.values():
            handle.close()
        self._handles.clear()
        super().close()


class _JoinedZip(zipfile.ZipFile):
    """A zip read from a :class:`ConcatFile`, which it closes with itself."""

    def close(self) -> None:
        stream = self.fp
        super().close()
        if isinstance(stream, ConcatFile):
            stream.close()


@dataclass(frozen=True)
class _EndRecord:
    disk: int  # number of this (the last) disk
    cd_disk: int  # disk where the central directory starts
    locator_at: int | None  # offset of the ZIP64 locator within the last volume


def _end_record(last: Path) -> _EndRecord:
    size = last.stat().st_size
    with last.open("rb") as handle:
        start = max(0, size - (22 + 65535))
        handle.seek(start)
        tail = handle.read()
    at = tail.rfind(_EOCD)
    if at < 0 or len(tail) - at < 22:
        raise BadInput(f"{last}: no end of central directory: not the last volume of a zip")
    disk, cd_disk = struct.unpack("<HH", tail[at + 4 : at + 8])
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == _EOCD64_LOCATOR:
        # The ZIP64 record sits just before its locator (zipfile assumes the same: no extensible data).
        record = tail[locator - 56 : locator] if locator >= 56 else b""
        if record[:4] == _EOCD64:
            disk, cd_disk = struct.unpack("<II", record[16:24])
        return _EndRecord(disk, cd_disk, start + locator)
    return _EndRecord(disk, cd_disk, None)


def _open_spanned(pieces: list[Path]) -> zipfile.ZipFile:
    end = _end_record(pieces[-1])
    if end.disk + 1 != len(pieces):
        raise BadInput(
            f"{pieces[-1]}: the archive says it has {end.disk + 1} volumes, found {len(pieces)}: "
            + ", ".join(p.name for p in pieces)
        )
    sizes = [p.stat().st_size for p in pieces]
    last_start = sum(sizes[:-1])
    overlay: dict[int, bytes] = {}
    if end.locator_at is not None:
        # zipfile refuses ZIP64 archives whose locator says "several disks": present them as one.
        overlay[last_start + end.locator_at + 4] = struct.pack("<I", 0)
        overlay[last_start + end.locator_at + 16] = struct.pack("<I", 1)
    stream = ConcatFile(pieces, overlay)
    archive = _JoinedZip(stream)
    starts = stream.starts
    for info in archive.infolist():
        if info.volume >= len(pieces):
            raise BadInput(f"{pieces[-1]}: member {member_name(info)} is on volume {info.volume + 1}, not found")
        info.header_offset += starts[info.volume] - starts[end.cd_disk]
    return archive


def open_zip(path: Path) -> zipfile.ZipFile:
    """Open the logical archive ``path`` (whole, ``.partN`` pieces or ``.zNN`` volumes) for reading."""
    pieces = archive_pieces(path)
    try:
        if len(pieces) == 1:
            return zipfile.ZipFile(pieces[0])
        if _VOLUME.match(pieces[0].name):
            return _open_spanned(pieces)
        return _JoinedZip(ConcatFile(pieces))
    except (zipfile.BadZipFile, OSError, struct.error) as error:
        names = pieces[0].name if len(pieces) == 1 else f"{pieces[0].name} .. {pieces[-1].name}"
        raise BadInput(f"{path} ({names}): not a readable zip archive ({error})") from None


# -- members ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One file inside an archive."""

    name: str
    size: int
    info: zipfile.ZipInfo


def _members(path: Path, archive: zipfile.ZipFile, suffixes: tuple[str, ...]) -> list[Member]:
    members = [Member(member_name(i), i.file_size, i) for i in archive.infolist() if not i.is_dir()]
    lowered = tuple(s.lower() for s in suffixes)
    return sorted((m for m in members if not lowered or m.name.lower().endswith(lowered)), key=lambda m: m.name)


def iter_members(path: Path, suffixes: tuple[str, ...] = ()) -> Iterator[tuple[Member, bytes]]:
    """Yield ``(member, content)`` for each file member (sorted by name), optionally by suffix.

    Content is read member by member: memory holds one member at a time.
    """
    with open_zip(path) as archive:
        for member in _members(path, archive, suffixes):
            if member.size > MAX_MEMBER_BYTES:
                raise BadInput(f"{path}!{member.name}: member of {member.size} bytes exceeds {MAX_MEMBER_BYTES}")
            try:
                data = archive.read(member.info)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise BadInput(f"{path}!{member.name}: cannot read member ({error})") from None
            yield member, data


def iter_member_streams(path: Path, suffixes: tuple[str, ...] = ()) -> Iterator[tuple[Member, IO[bytes]]]:
    """Yield ``(member, open stream)`` for each file member (sorted by name); a stream is closed when
    the next one is yielded. For members too big to hold in memory (label JSON of several GB)."""
    with open_zip(path) as archive:
        for member in _members(path, archive, suffixes):
            try:
                stream = archive.open(member.info)
            except (zipfile.BadZipFile, OSError, EOFError) as error:
                raise BadInput(f"{path}!{member.name}: cannot read member ({error})") from None
            with stream:
                yield member, stream


def list_member_names(path: Path) -> list[str]:
    """Names of the file members of an archive (central directory only, no content read)."""
    with open_zip(path) as archive:
        return sorted(member_name(i) for i in archive.infolist() if not i.is_dir())


class OpenArchive:
    """Random access to the members of one logical archive by their real (decoded) names."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip = open_zip(path)
        self._infos = {member_name(i): i for i in self._zip.infolist() if not i.is_dir()}

    def names(self) -> list[str]:
        return sorted(self._infos)

    def read(self, name: str) -> bytes:
        """Content of member ``name``; :class:`BadInput` naming archive and member when unreadable."""
        info = self._infos.get(name)
        if info is None:
            raise BadInput(f"{self.path}!{name}: no such member")
        if info.file_size > MAX_MEMBER_BYTES:
            raise BadInput(f"{self.path}!{name}: member of {info.file_size} bytes exceeds {MAX_MEMBER_BYTES}")
        try:
            return self._zip.read(info)
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise BadInput(f"{self.path}!{name}: cannot read member ({error})") from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> OpenArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
