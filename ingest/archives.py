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
import lzma
import os
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from ingest.limits import UnsafeArchive
from ingest.zipfast import read_member_fast
from kcore.errors import BadInput
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits

__all__ = [
    "MAX_MEMBER_BYTES",
    "ConcatFile",
    "GuardedStream",
    "Member",
    "OpenArchive",
    "advise_random",
    "archive_pieces",
    "archive_sha256",
    "archive_size",
    "iter_member_streams",
    "iter_members",
    "list_member_names",
    "logical_archive_name",
    "member_name",
    "observe_archive",
    "open_zip",
    "read_error",
]

MAX_MEMBER_BYTES = ArchiveLimits.max_member_bytes
"""Default of the largest single member read into memory at once (``KDATA_MAX_MEMBER_BYTES``)."""

_UTF8_FLAG = 0x800
_PART = re.compile(r"^(?P<base>.+\.zip)\.part(?P<n>\d+)$", re.IGNORECASE)
_VOLUME = re.compile(r"^(?P<base>.+)\.z(?P<n>\d{2,})$", re.IGNORECASE)
_ZIP = re.compile(r"\.zip$", re.IGNORECASE)
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"
_ZIP64_TAIL = 56 + 20  # ZIP64 end record + locator, between the central directory and the end record
_ECD_ENTRIES, _ECD_SIZE, _ECD_LOCATION = 4, 5, 9  # fields of zipfile's end record list


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


def _check_run(path: Path, found: dict[int, Path], first: int, name_of: Callable[[int], Path]) -> list[Path]:
    """Pieces numbered ``first..max`` without a gap; the error names the first missing piece."""
    for number in range(first, max(found) + 1):
        if number not in found:
            detail = f"missing piece {name_of(number)} (found {len(found)} pieces; a gap is an error)"
            raise UnsafeArchive("part_gap", str(path), detail)
    return [found[n] for n in sorted(found)]


def archive_pieces(path: Path) -> list[Path]:
    """The files that make up the logical archive ``path``, in order.

    Raises :class:`~ingest.limits.UnsafeArchive` (a :class:`BadInput`, code ``part_gap`` or
    ``corrupt_archive``) naming a missing piece, a missing last volume, or an archive that exists
    both whole and in pieces (a joined file may be the corrupt result of a wrong join).
    """
    name = path.name
    stem = name[:-4] if _ZIP.search(name) else name
    volumes = _numbered(path.parent, _VOLUME, stem)
    parts = _numbered(path.parent, _PART, name)
    if volumes:
        width = min(len(m["n"]) for p in volumes.values() if (m := _VOLUME.match(p.name)))
        listed = _check_run(path, volumes, 1, lambda n: path.with_name(f"{stem}.z{n:0{width}d}"))
        if not path.is_file():
            detail = f"missing last volume {path} of a multi-volume archive ({len(volumes)} .zNN found)"
            raise UnsafeArchive("part_gap", str(path), detail)
        return [*listed, path]
    if parts:
        if path.is_file():
            raise UnsafeArchive("corrupt_archive", str(path), "exists both whole and as .partN pieces; keep one")
        return _check_run(path, parts, 0, lambda n: path.with_name(f"{name}.part{n}"))
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


Observer = Callable[[int, memoryview], None]
"""Hears of each read of an archive: ``(offset in the joined pieces, raw bytes read)``."""


class ConcatFile(io.RawIOBase):
    """Several files read as one seekable stream, with optional byte overlays (offset → bytes).

    ``observer``, when given, hears of every read with the raw bytes (before any overlay): the full
    hash of an archive is computed from the reads extraction makes (:mod:`ingest.fingerprint`)."""

    def __init__(
        self,
        paths: list[Path],
        overlay: dict[int, bytes] | None = None,
        observer: Observer | None = None,
        *,
        random_access: bool = False,
    ) -> None:
        super().__init__()
        self._observer = observer
        self._random = random_access
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
            if self._random:
                advise_random(self._handles[index])
        return self._handles[index]

    def advise_random(self) -> None:
        """Reads from now on are few and scattered: no read-ahead (see :func:`advise_random`)."""
        self._random = True
        for handle in self._handles.values():
            advise_random(handle)

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
        if self._observer is not None and done:
            self._observer(self._pos, view[:done])
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


def advise_random(stream: object) -> None:
    """Tell the kernel that ``stream`` (a file, or a :class:`ConcatFile`) will be read at scattered
    places: no read-ahead. The plan reads a few KiB here and there of archives that may be 50 GB (the
    fingerprint's ends and directory, the safety check's local headers); with read-ahead (128 KiB on
    most Linux disks, 8 MiB on some virtual ones) each such read fetches far more from the disk than
    asked. Applies to this open file only; ignored where unsupported."""
    if isinstance(stream, ConcatFile):
        stream.advise_random()
        return
    try:
        os.posix_fadvise(stream.fileno(), 0, 0, os.POSIX_FADV_RANDOM)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return


def _count_directory(fp: IO[bytes], label: str, limits: ArchiveLimits) -> None:
    """Refuse a central directory larger than the limits before ``zipfile`` parses it.

    ``zipfile`` reads the whole directory into memory and builds an object per record, however
    many there are (it ignores the declared count). Here the records are counted first, block by
    block, nothing kept, with the same stepping ``zipfile`` uses, and refused past the limit.
    """
    endrec = zipfile._EndRecData(fp)  # type: ignore[attr-defined]
    if not endrec:
        return  # zipfile says "not a zip file"
    size_cd, location = endrec[_ECD_SIZE], endrec[_ECD_LOCATION]
    start = location - size_cd - (_ZIP64_TAIL if endrec[0] == _EOCD64 else 0)
    if size_cd > limits.max_cd_bytes:
        detail = f"central directory of {size_cd:,} bytes exceeds KDATA_MAX_CD_BYTES={limits.max_cd_bytes:,}"
        raise UnsafeArchive("too_many_members", label, detail)
    if endrec[_ECD_ENTRIES] > limits.max_members:
        detail = f"declares {endrec[_ECD_ENTRIES]:,} members, more than KDATA_MAX_MEMBERS={limits.max_members:,}"
        raise UnsafeArchive("too_many_members", label, detail)
    if start < 0:
        return
    fp.seek(start)
    pending, skip, consumed, count = b"", 0, 0, 0
    while consumed < size_cd:
        block = fp.read(min(1 << 20, size_cd - consumed))
        if not block:
            break
        consumed += len(block)
        data = pending + block
        pos = skip
        while pos + 46 <= len(data):
            names, extra, comment = struct.unpack_from("<HHH", data, pos + 28)
            count += 1
            if count > limits.max_members:
                detail = f"more than KDATA_MAX_MEMBERS={limits.max_members:,} members"
                raise UnsafeArchive("too_many_members", label, detail)
            pos += 46 + names + extra + comment
        skip, pending = (pos - len(data), b"") if pos >= len(data) else (0, data[pos:])


class _BoundedZip(zipfile.ZipFile):
    """A :class:`zipfile.ZipFile` whose central directory is counted against the limits first."""

    def __init__(self, file: Path | IO[bytes] | ConcatFile, label: str, limits: ArchiveLimits) -> None:
        self._label = label
        self._limits = limits
        super().__init__(file)

    def _RealGetContents(self) -> None:
        assert self.fp is not None
        _count_directory(self.fp, self._label, self._limits)
        super()._RealGetContents()  # type: ignore[misc]


class _JoinedZip(_BoundedZip):
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
        raise UnsafeArchive("corrupt_archive", str(last), "no end of central directory: not the last volume of a zip")
    disk, cd_disk = struct.unpack("<HH", tail[at + 4 : at + 8])
    locator = at - 20
    if locator >= 0 and tail[locator : locator + 4] == _EOCD64_LOCATOR:
        # The ZIP64 record sits just before its locator (zipfile assumes the same: no extensible data).
        record = tail[locator - 56 : locator] if locator >= 56 else b""
        if record[:4] == _EOCD64:
            disk, cd_disk = struct.unpack("<II", record[16:24])
        return _EndRecord(disk, cd_disk, start + locator)
    return _EndRecord(disk, cd_disk, None)


def _open_spanned(pieces: list[Path], limits: ArchiveLimits, observer: Observer | None = None) -> zipfile.ZipFile:
    end = _end_record(pieces[-1])
    if end.disk + 1 != len(pieces):
        detail = f"the archive says it has {end.disk + 1} volumes, found {len(pieces)}: " + ", ".join(
            p.name for p in pieces
        )
        raise UnsafeArchive("part_gap", str(pieces[-1]), detail)
    sizes = [p.stat().st_size for p in pieces]
    last_start = sum(sizes[:-1])
    overlay: dict[int, bytes] = {}
    if end.locator_at is not None:
        # zipfile refuses ZIP64 archives whose locator says "several disks": present them as one.
        overlay[last_start + end.locator_at + 4] = struct.pack("<I", 0)
        overlay[last_start + end.locator_at + 16] = struct.pack("<I", 1)
    stream = ConcatFile(pieces, overlay, observer)
    archive = _JoinedZip(stream, str(pieces[-1]), limits)
    starts = stream.starts
    for info in archive.infolist():
        if info.volume >= len(pieces):
            detail = f"member is on volume {info.volume + 1}, not found"
            archive.close()
            raise UnsafeArchive("part_gap", str(pieces[-1]), detail, member_name(info))
        info.header_offset += starts[info.volume] - starts[end.cd_disk]
    return archive


def open_zip(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> zipfile.ZipFile:
    """Open the logical archive ``path`` (whole, ``.partN`` pieces or ``.zNN`` volumes) for reading.

    The central directory is counted against ``limits`` (``Settings.limits``; default: the documented
    defaults) before it is parsed; anything unreadable is an :class:`~ingest.limits.UnsafeArchive` naming
    the archive.
    """
    pieces = archive_pieces(path)
    observer = _OBSERVERS.get(str(path))
    try:
        if len(pieces) == 1 and observer is None:
            return _BoundedZip(pieces[0], str(path), limits)
        if _VOLUME.match(pieces[0].name):
            return _open_spanned(pieces, limits, observer)
        return _JoinedZip(ConcatFile(pieces, observer=observer), str(path), limits)
    except NotImplementedError as error:
        raise UnsafeArchive("unsupported_method", str(path), f"cannot open ({error})") from None
    except (zipfile.BadZipFile, OSError, struct.error, EOFError, ValueError) as error:
        # ValueError: a name flagged UTF-8 that is not, or a corrupt number in the directory.
        names = pieces[0].name if len(pieces) == 1 else f"{pieces[0].name} .. {pieces[-1].name}"
        raise UnsafeArchive("corrupt_archive", str(path), f"({names}) not a readable zip archive ({error})") from None


_OBSERVERS: dict[str, Observer] = {}
"""Logical archive path → who hears of its reads (:func:`observe_archive`)."""


@contextmanager
def observe_archive(observers: Mapping[str, Observer]) -> Iterator[None]:
    """Within the block, archives opened by :func:`open_zip` under these paths (``str(path)``) report
    every read to their observer (:class:`ingest.fingerprint.ArchiveHasher`). One extraction per process
    at a time registers them; nested blocks restore what was there."""
    saved = {path: _OBSERVERS.get(path) for path in observers}
    _OBSERVERS.update(observers)
    try:
        yield
    finally:
        for path, before in saved.items():
            if before is None:
                _OBSERVERS.pop(path, None)
            else:
                _OBSERVERS[path] = before


_BLOCK = 1 << 20


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The whole member, asking for exactly its declared size. ``ZipFile.read`` asks the
    decompressor for up to 2 GiB at once and cuts to the declared size afterwards: a member whose
    data inflates far beyond its declared size would be inflated in memory first. ``read(size)``
    bounds the decompressor by ``size``; the final ``read`` reaches the end, where the CRC is checked.
    A small clean member is read in one go (:func:`ingest.zipfast.read_member_fast`: same bytes, same checks)."""
    data = read_member_fast(archive, info)
    if data is not None:
        return data
    with archive.open(info) as stream:
        data = stream.read(info.file_size)
        if stream.read(1):  # zipfile never returns more than the declared size; be sure we are at the end
            raise zipfile.BadZipFile(f"member {info.filename!r} is longer than its declared size")
        if len(data) != info.file_size:  # the data ended (its CRC right) short of what the directory declares
            raise zipfile.BadZipFile(
                f"member {info.filename!r}: {len(data):,} bytes where the directory declares {info.file_size:,}"
            )
        return data


_READ_ERRORS = (
    zipfile.BadZipFile,
    OSError,
    EOFError,
    RuntimeError,  # and NotImplementedError
    UnicodeDecodeError,  # a local header's name flagged UTF-8 that is not
    zlib.error,
    lzma.LZMAError,
)


def read_error(archive: str, member: str, error: BaseException) -> UnsafeArchive:
    """The typed rejection for an exception raised while reading ``member`` (CRC, corrupt data ...)."""
    text = str(error)
    if isinstance(error, NotImplementedError):  # (a RuntimeError) method, patched data, strong encryption
        code = "unsupported_method"
    elif isinstance(error, RuntimeError):
        if "encrypted" not in text:
            raise error  # not a zip defect
        code = "encrypted"
    elif isinstance(error, zipfile.BadZipFile) and "CRC" in text:
        code = "bad_crc"
    elif "Overlapped entries" in text:
        code = "overlapping_entries"
    else:
        code = "corrupt_archive"
    return UnsafeArchive(code, archive, f"cannot read member ({type(error).__name__}: {text})", member)


class GuardedStream(io.RawIOBase):
    """A member's stream whose read errors (CRC mismatch at the end, corrupt deflate data, a
    truncated file) become :class:`~ingest.limits.UnsafeArchive` naming archive and member; so does data
    that ends (its CRC right) short of the ``declared`` size."""

    def __init__(self, inner: IO[bytes], archive: str, member: str, declared: int | None = None) -> None:
        super().__init__()
        self._inner = inner
        self._archive = archive
        self._member = member
        self._declared = declared
        self._read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(_BLOCK), b""))  # never read(-1): see _read_member
        try:
            data = self._inner.read(size)
        except _READ_ERRORS as error:
            raise read_error(self._archive, self._member, error) from None
        self._read += len(data)
        if not data and size and self._declared is not None and self._read != self._declared:
            detail = f"its data ends at {self._read:,} bytes where the directory declares {self._declared:,}"
            raise UnsafeArchive("corrupt_archive", self._archive, detail, self._member)
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        memoryview(buffer).cast("B")[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._inner.close()
        super().close()


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


def _check_size(path: Path, name: str, size: int, limits: ArchiveLimits) -> None:
    if size > limits.max_member_bytes:
        detail = f"member of {size:,} bytes exceeds KDATA_MAX_MEMBER_BYTES={limits.max_member_bytes:,}"
        raise UnsafeArchive("zip_bomb_size", str(path), detail, name)


def iter_members(
    path: Path, suffixes: tuple[str, ...] = (), limits: ArchiveLimits = DEFAULT_LIMITS
) -> Iterator[tuple[Member, bytes]]:
    """Yield ``(member, content)`` for each file member (sorted by name), optionally by suffix.

    Content is read member by member: memory holds one member at a time. ``zipfile`` stops a
    member at its declared size and checks its CRC; a defect is an :class:`UnsafeArchive`.
    """
    with open_zip(path, limits) as archive:
        for member in _members(path, archive, suffixes):
            _check_size(path, member.name, member.size, limits)
            try:
                data = _read_member(archive, member.info)
            except _READ_ERRORS as error:
                raise read_error(str(path), member.name, error) from None
            yield member, data


def iter_member_streams(
    path: Path, suffixes: tuple[str, ...] = (), limits: ArchiveLimits = DEFAULT_LIMITS
) -> Iterator[tuple[Member, IO[bytes]]]:
    """Yield ``(member, open stream)`` for each file member (sorted by name); a stream is closed when
    the next one is yielded. For members too big to hold in memory (label JSON of several GB)."""
    with open_zip(path, limits) as archive:
        for member in _members(path, archive, suffixes):
            opened = _MemberStream(archive, member.info, str(path), member.name)
            with GuardedStream(cast(IO[bytes], opened), str(path), member.name, member.size) as guarded:
                yield member, cast(IO[bytes], guarded)


class _MemberStream(io.RawIOBase):
    """A member opened on its first read (a caller that skips it reads nothing): a clean member of up to
    :data:`~ingest.zipfast.FAST_MAX_BYTES` in one read (:func:`~ingest.zipfast.read_member_fast`, which also
    refuses data that inflates past its declared size), any other through ``zipfile``."""

    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, label: str, name: str) -> None:
        super().__init__()
        self._archive, self._info, self._label, self._name = archive, info, label, name
        self._inner: IO[bytes] | None = None

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if self._inner is None:
            data = read_member_fast(self._archive, self._info)  # zipfile.BadZipFile: GuardedStream names it
            if data is not None:
                self._inner = io.BytesIO(data)
            else:
                try:
                    self._inner = self._archive.open(self._info)
                except _READ_ERRORS as error:
                    raise read_error(self._label, self._name, error) from None
        return self._inner.read(-1 if size is None else size)

    def close(self) -> None:
        if self._inner is not None:
            self._inner.close()
        super().close()


def list_member_names(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> list[str]:
    """Names of the file members of an archive (central directory only, no content read), sorted.

    Parsing a central directory of 100,000 members takes about a second: names the safety check
    already listed in this process (:func:`remember_member_names`) are reused while the archive is
    unchanged (same size and mtime).
    """
    remembered = remembered_member_names(path)
    if remembered is not None:
        return remembered
    with open_zip(path, limits) as archive:
        return sorted(member_name(i) for i in archive.infolist() if not i.is_dir())


_NAMES: dict[tuple[str, int, int], tuple[int, bytes]] = {}
"""Sorted file member names per archive stamp, NUL-joined (a checked name holds no NUL): ~30 bytes a name."""
_NAMES_LIMIT = 64 << 20


def file_stamp(path: Path) -> tuple[str, int, int] | None:
    """``(path, size, mtime)``: what says a file is unchanged for the caches of this process (``None``: no file)."""
    try:
        stat = path.stat()
    except OSError:
        return None  # pieces (.partN, .zNN) of a logical archive: not remembered
    return str(path), stat.st_size, stat.st_mtime_ns


def remembered_member_names(path: Path) -> list[str] | None:
    """The names :func:`remember_member_names` keeps for ``path`` (sorted), ``None`` when it keeps none."""
    key = file_stamp(path)
    if key is None or key not in _NAMES:
        return None
    count, blob = _NAMES[key]
    return blob.decode("utf-8", "surrogatepass").split("\0") if count else []


def remember_member_names(path: Path, names: list[str]) -> None:
    """Keep the file member names of a checked archive for :func:`list_member_names` (oldest dropped
    first past 64 MiB)."""
    key = file_stamp(path)
    if key is None or any("\0" in name for name in names):
        return
    blob = "\0".join(sorted(names)).encode("utf-8", "surrogatepass")
    if len(blob) > _NAMES_LIMIT:
        return
    _NAMES.pop(key, None)
    _NAMES[key] = (len(names), blob)
    while sum(len(b) for _, b in _NAMES.values()) > _NAMES_LIMIT:
        del _NAMES[next(iter(_NAMES))]


class OpenArchive:
    """Random access to the members of one logical archive by their real (decoded) names."""

    def __init__(self, path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> None:
        self.path = path
        self._limits = limits
        self._zip = open_zip(path, self._limits)
        self._infos = {member_name(i): i for i in self._zip.infolist() if not i.is_dir()}

    def names(self) -> list[str]:
        return sorted(self._infos)

    def size(self, name: str) -> int:
        """The declared (uncompressed) size of member ``name``; :class:`BadInput` when there is none."""
        info = self._infos.get(name)
        if info is None:
            raise BadInput(f"{self.path}!{name}: no such member")
        return int(info.file_size)

    def read(self, name: str) -> bytes:
        """Content of member ``name``; :class:`BadInput` (:class:`UnsafeArchive` for a defect of the
        archive: bad CRC, corrupt data, too big) naming archive and member when unreadable."""
        info = self._infos.get(name)
        if info is None:
            raise BadInput(f"{self.path}!{name}: no such member")
        _check_size(self.path, name, info.file_size, self._limits)
        try:
            return _read_member(self._zip, info)
        except _READ_ERRORS as error:
            raise read_error(str(self.path), name, error) from None

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> OpenArchive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
