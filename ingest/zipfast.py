"""One zip member of up to 16 MiB in one read: the local header, name and data with a single ``pread`` (or,
for an archive read through :class:`ingest.archives.ConcatFile`, one locked seek and read, which its
observer hears), inflated with Intel ISA-L (``isal``; ``zlib`` where it cannot load) and checked against the
central directory's size and CRC.

``zipfile`` spends ~100 µs per member on its way to the bytes (a shared-file object, three reads of the
header, name and extra field, a ``ZipExtFile`` with its buffers); for a dataset of 200,000 label files
of 1–3 KB and as many small images that is most of the time spent reading them. This path returns a
member only when everything about it is clean (a plain file, no encryption or patch flags, stored or
deflated, the local name equal to the directory's, the data inflating to exactly the declared size with
the declared CRC); for anything else it returns ``None`` and the caller reads the member with
``zipfile``, which raises the error it always raised. So the bytes, and every refusal, are the same.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import types
import zipfile
import zlib
from typing import IO, Any, cast

_inflate_module: types.ModuleType = zlib
_INFLATE_ERRORS: tuple[type[Exception], ...] = (zlib.error,)
try:  # ISA-L inflates these photos' deflate streams ~1.5x faster than zlib; the same bytes, the same CRC
    from isal import isal_zlib

    _inflate_module = isal_zlib
    _INFLATE_ERRORS = (zlib.error, cast(type[Exception], isal_zlib.error))
except ImportError:  # pragma: no cover - a platform without an isal wheel keeps zlib
    pass

__all__ = ["FAST_MAX_BYTES", "read_member_fast"]

FAST_MAX_BYTES = 16 * 1024 * 1024
"""Members up to this size (compressed and not) take the one-read path; bigger ones stream via ``zipfile``."""

_HEADER = struct.Struct("<4s2B4HL2L2H")  # zipfile.structFileHeader
_SIGNATURE = b"PK\x03\x04"
_UNCLEAN_FLAGS = 0x01 | 0x20 | 0x40  # encrypted, compressed patched data, strong encryption
_UTF8_FLAG = 0x800
_SLACK = 512  # bytes read past the header for the name and extra field (more: a second read)


def read_member_fast(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | None:
    """The member's bytes when it can be read cleanly in one go, else ``None`` (read it with ``zipfile``)."""
    fp = archive.fp
    if (
        not isinstance(fp, io.BufferedReader | io.RawIOBase)  # a file, or joined pieces; not a member's stream
        or info.flag_bits & _UNCLEAN_FLAGS
        or info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        or info.compress_size > FAST_MAX_BYTES
        or info.file_size > FAST_MAX_BYTES
        or getattr(archive, "metadata_encoding", None) is not None
    ):
        return None
    try:
        buffer = _read_at(archive, fp, _HEADER.size + _SLACK + info.compress_size, info.header_offset)
    except (OSError, ValueError):
        return None
    if len(buffer) < _HEADER.size:
        return None
    header = _HEADER.unpack_from(buffer)
    flags, name_length, extra_length = header[3], header[10], header[11]
    start = _HEADER.size + name_length + extra_length
    if header[0] != _SIGNATURE or flags & _UNCLEAN_FLAGS:
        return None
    if len(buffer) < start + info.compress_size:
        try:
            buffer += _read_at(archive, fp, start + info.compress_size - len(buffer), info.header_offset + len(buffer))
        except (OSError, ValueError):
            return None
        if len(buffer) < start + info.compress_size:
            return None  # cut short: zipfile says how
    raw_name = buffer[_HEADER.size : _HEADER.size + name_length]
    try:
        name = raw_name.decode("utf-8") if flags & _UTF8_FLAG else raw_name.decode("cp437")
    except UnicodeDecodeError:
        return None
    if name != info.orig_filename:
        return None
    compressed = memoryview(buffer)[start : start + info.compress_size]  # a view: no copy of the member
    if info.compress_type == zipfile.ZIP_STORED:
        data = bytes(compressed)
    else:
        inflater = _inflate_module.decompressobj(-15)
        try:
            data = inflater.decompress(compressed, info.file_size + 1)
        except _INFLATE_ERRORS:
            return None
        if len(data) > info.file_size:  # zipfile stops at the declared size: what follows would go unread
            raise zipfile.BadZipFile(
                f"member {info.filename!r}: its data inflates past the declared {info.file_size:,} bytes "
                "(the directory's size lies)"
            )
        if inflater.eof and inflater.unused_data:
            raise zipfile.BadZipFile(f"member {info.filename!r}: bytes after the end of its compressed data")
        if not inflater.eof or inflater.unconsumed_tail:
            return None
    if len(data) != info.file_size or _inflate_module.crc32(data) != info.CRC:
        return None
    return data


def _read_at(archive: zipfile.ZipFile, fp: IO[bytes], size: int, offset: int) -> bytes | bytearray:
    """Up to ``size`` bytes of the archive at ``offset``: ``pread`` on a plain file (no seek, no lock); else a
    seek and a read under the archive's lock (``zipfile`` seeks its shared file before each of its own reads),
    so a :class:`~ingest.archives.ConcatFile`'s observer (the archive's one-pass hash) hears them."""
    if isinstance(fp, io.BufferedReader) and hasattr(os, "pread"):
        return os.pread(fp.fileno(), size, offset)
    lock: Any = getattr(archive, "_lock", None) or contextlib.nullcontext()
    buffer = bytearray(size)  # read into, not ``read``: RawIOBase.read copies what it read into new bytes
    with lock:
        fp.seek(offset)
        got = fp.readinto(buffer)  # type: ignore[attr-defined]
    del buffer[got or 0 :]
    return buffer
