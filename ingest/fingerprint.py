"""Read each archive once: a cheap fingerprint at plan time, the full sha256 while extraction reads it.

Until issue 18 the plan stage read every archive in full to hash it, then extraction read it again: on a
dataset of hundreds of GB that doubled the I/O. Now:

**Fingerprint (plan).** :func:`archive_fingerprint` identifies a logical archive (pieces ``.partN`` /
``.zNN`` joined, raw bytes, no overlay) by its size and a sha256 over a few byte ranges of it, in offset
order: the first 64 KiB, the last 64 KiB, and everything from the start of the central directory to the
end (directory, ZIP64 records, end record, comment). The central directory holds every member's name,
sizes and CRC-32, so changing any member's content changes the fingerprint (unless a forged CRC collides:
see the full hash below). A file that is not a zip (no end record) is fingerprinted whole up to 1 MiB,
else by its head and tail. The ranges are recorded with the fingerprint, so anyone can recompute it. No
mtime, no absolute path: the same input gives the same fingerprint on any machine, and the run id
derives from the fingerprints (see :mod:`kdata.pipeline`). Reads ≈ 128 KiB + the directory per archive.

**Full hash (extract).** :class:`ArchiveHasher` computes the archive's full sha256 (of the joined pieces,
the value :func:`ingest.archives.archive_sha256` gives) from the reads extraction makes anyway.
:func:`hashing` registers hashers; :func:`ingest.archives.open_zip` then reads those archives through a
:class:`~ingest.archives.ConcatFile` that reports every read (raw bytes, before any overlay) to the hasher:

- a read that continues where the hash stands is hashed from the caller's buffer (no second read);
- a read further ahead leaves a *gap*, which the hasher reads itself and hashes first (members skipped by
  a suffix filter, folder entries, local headers of members read out of order ...). A gap is at most the
  bytes between two reads, so even in the worst order (members read backwards) the archive is read at
  most twice; zip tools write members in name order and the readers read them in name order, so the
  usual case is one read plus the local headers and the directory;
- a read at or past the start of the central directory (read when the zip is opened) is not a gap: it is
  hashed at :meth:`ArchiveHasher.finish`, which reads whatever is left;
- reads behind the hash (the directory read again, a member read twice) are ignored.
  Several readers of one archive (two ``ZipFile`` objects, a helper thread) may report reads in any order;
  the hasher holds a lock and always hashes the file's bytes in offset order, so the result never depends
  on the access pattern, only the number of bytes the hasher reads itself does.

The hasher recomputes the fingerprint from the same bytes: :meth:`ArchiveHasher.finish` refuses
(:class:`~kcore.errors.BadInput`) an archive whose bytes no longer match the plan's fingerprint, so the
full hash is always the hash of the archive the run was planned for.

A source archive (images, audio) is read by the units of its split, possibly in several processes and in
parts. Its hasher is *opportunistic* (``gap_limit``): it fills only gaps up to 4 MiB and is finished only
when the unit's reads covered the archive up to its directory; otherwise the publish stage hashes the
archive in one pass (:func:`full_sha256`; e.g. audio sources extraction only lists). Either way each
archive is read about once, and the version's ``content_sha256`` is computed from full hashes.

**Ledger.** Each full hash is kept in ``$KDATA_HOME/runs/_archives/<fingerprint>.json``
(:func:`record_full_hash`). A later full hash of an archive with the same fingerprint and other bytes (a
change that kept the size, the directory and both ends: a forged CRC, or bytes outside any member) is
refused with :class:`~kcore.errors.BadInput` naming the archive and the record to delete if the new
content is intended. The limit of the design: a rerun of a finished run (same fingerprints, same run id)
reuses its units and reads nothing again, so a change that keeps the size, both ends and every member's
name, sizes and CRC-32 (forged on purpose) goes unseen until the archive is read again (a new run id, e.g.
other chunk settings, or the run folder removed); an accidental change (corruption, a re-zip, an edited
label) changes a CRC, hence the fingerprint and the run id.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ingest.archives import ConcatFile, archive_pieces, observe_archive
from kcore.atomic import write_atomic
from kcore.errors import BadInput

__all__ = [
    "EDGE_BYTES",
    "FINGERPRINT_FORMAT",
    "SOURCE_GAP_LIMIT",
    "ArchiveHasher",
    "archive_fingerprint",
    "full_sha256",
    "hashing",
    "record_full_hash",
]

FINGERPRINT_FORMAT = "kdata.fingerprint/1"
"""Changes when the definition changes (so does every run id)."""
EDGE_BYTES = 64 << 10
"""Bytes of the head and of the tail in a fingerprint."""
WHOLE_BYTES = 1 << 20
"""A file without a zip end record is fingerprinted whole up to this size."""
SOURCE_GAP_LIMIT = 4 << 20
"""Largest gap an opportunistic (source archive) hasher reads itself."""
_BLOCK = 1 << 20
_EOCD = b"PK\x05\x06"
_EOCD64_LOCATOR = b"PK\x06\x07"
_EOCD64 = b"PK\x06\x06"


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(r for r in ranges if r[1] > r[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], stop))
        else:
            merged.append((start, stop))
    return merged


def _directory_start(tail_at: int, tail: bytes, size: int) -> int | None:
    """Offset of the central directory (ZIP64 aware), from the end record in ``tail`` (the last bytes,
    from offset ``tail_at``); ``None`` when there is none."""
    at = tail.rfind(_EOCD)
    while at >= 0 and len(tail) - at < 22:
        at = tail.rfind(_EOCD, 0, at)
    if at < 0:
        return None
    size_cd = struct.unpack_from("<I", tail, at + 12)[0]
    end = tail_at + at
    locator = at - 20
    if (
        locator >= 56
        and tail[locator : locator + 4] == _EOCD64_LOCATOR
        and tail[locator - 56 : locator - 52] == _EOCD64
    ):
        size_cd = struct.unpack_from("<Q", tail, locator - 56 + 40)[0]
        end = tail_at + locator - 56
    return max(0, min(end - size_cd, size))


def _ranges(tail_at: int, tail: bytes, size: int) -> tuple[int, list[tuple[int, int]]]:
    """``(start of the directory, ranges)``; a file that is not a zip has its "directory" at its end."""
    start = _directory_start(tail_at, tail, size)
    if start is None:
        if size <= WHOLE_BYTES:
            return size, _merge([(0, size)])
        return size, _merge([(0, EDGE_BYTES), (size - EDGE_BYTES, size)])
    return start, _merge([(0, min(EDGE_BYTES, size)), (start, size), (max(0, size - EDGE_BYTES), size)])


class _RangeDigest:
    """sha256 of the format, the size, and each range's bounds and bytes, fed in offset order."""

    def __init__(self, size: int, ranges: list[tuple[int, int]]) -> None:
        self.size = size
        self.ranges = ranges
        self._digest = hashlib.sha256(f"{FINGERPRINT_FORMAT}\0{size}".encode())
        self._next = 0  # index of the first range not yet wholly fed
        self._started = False

    def update(self, pos: int, data: memoryview | bytes) -> None:
        """Bytes ``data`` at offset ``pos``; calls come in offset order without gaps or overlaps."""
        end = pos + len(data)
        while self._next < len(self.ranges):
            start, stop = self.ranges[self._next]
            if start >= end:
                return
            if not self._started:
                self._digest.update(f"\0{start}-{stop}\0".encode())
                self._started = True
            lo, hi = max(start, pos), min(stop, end)
            if lo < hi:
                self._digest.update(data[lo - pos : hi - pos])
            if stop > end:
                return
            self._next += 1
            self._started = False

    def hexdigest(self) -> str:
        return self._digest.hexdigest()


def archive_fingerprint(path: Path) -> dict[str, Any]:
    """``{"size", "directory", "ranges", "sha256"}`` of the logical archive ``path`` (reads only the
    ranges; ``directory`` is where the central directory starts, where member data ends)."""
    with ConcatFile(archive_pieces(path), random_access=True) as stream:  # no read-ahead: a few ranges
        size = stream.seek(0, os.SEEK_END)
        tail_at = max(0, size - (22 + 65535))  # where zipfile, too, looks for the end record
        stream.seek(tail_at)
        tail = stream.read(size - tail_at) or b""
        directory, ranges = _ranges(tail_at, tail, size)
        digest = _RangeDigest(size, ranges)
        for start, stop in ranges:
            stream.seek(start)
            at = start
            while at < stop:
                if at >= tail_at:  # read already
                    digest.update(at, memoryview(tail)[at - tail_at : stop - tail_at])
                    break
                block = stream.read(min(_BLOCK, stop - at, tail_at - at))
                if not block:
                    raise BadInput(f"{path}: shorter than its size while fingerprinting (changed?)")
                digest.update(at, block)
                at += len(block)
    return {"size": size, "directory": directory, "ranges": [list(r) for r in ranges], "sha256": digest.hexdigest()}


class ArchiveHasher:
    """The full sha256 of one logical archive, from the reads others make (see the module docstring).

    ``fingerprint`` is the plan's (:func:`archive_fingerprint`); ``gap_limit`` ``None`` fills any gap
    (a label archive), a number only gaps up to that many bytes (an opportunistic source hasher).
    """

    def __init__(self, path: Path, label: str, fingerprint: dict[str, Any], gap_limit: int | None = None) -> None:
        self.path = path
        self.label = label
        self.fingerprint = fingerprint
        self.size = int(fingerprint["size"])
        ranges = [(int(a), int(b)) for a, b in fingerprint["ranges"]]
        self._deferred = int(fingerprint["directory"])  # reads from here on (the directory) are hashed at finish()
        self._gap_limit = gap_limit
        self._sha = hashlib.sha256()
        self._fp = _RangeDigest(self.size, ranges)
        self._cursor = 0
        self._lock = threading.Lock()
        self._reader: ConcatFile | None = None
        self.observed = 0
        """Bytes hashed from the callers' reads."""
        self.filled = 0
        """Bytes the hasher read itself (gaps, the tail at the end)."""

    @property
    def covered(self) -> bool:
        """All member data (the bytes before the central directory) is hashed: finishing reads only the rest."""
        return self._cursor >= self._deferred

    def observe(self, pos: int, data: memoryview) -> None:
        """A read of ``data`` at offset ``pos`` (raw bytes of the joined pieces)."""
        end = pos + len(data)
        with self._lock:
            if end <= self._cursor:
                return
            if pos > self._cursor:
                if pos >= self._deferred:
                    return
                if self._gap_limit is not None and pos - self._cursor > self._gap_limit:
                    return
                self._fill(pos)
            take = data[self._cursor - pos :]
            self._feed(self._cursor, take)
            self.observed += len(take)

    def _feed(self, pos: int, data: memoryview | bytes) -> None:
        self._sha.update(data)
        self._fp.update(pos, data)
        self._cursor = pos + len(data)

    def _fill(self, stop: int) -> None:
        if self._reader is None:
            self._reader = ConcatFile(archive_pieces(self.path))
        self._reader.seek(self._cursor)
        while self._cursor < stop:
            block = self._reader.read(min(_BLOCK, stop - self._cursor))
            if not block:
                raise BadInput(f"{self.label}: the archive is shorter than planned ({self.size:,} bytes): changed")
            self.filled += len(block)
            self._feed(self._cursor, block)

    def finish(self) -> str:
        """Read what is left, check the fingerprint, return the full sha256 (hex)."""
        with self._lock:
            try:
                self._fill(self.size)
                if self._reader is not None and self._reader.read(1):
                    raise BadInput(f"{self.label}: the archive is longer than planned ({self.size:,} bytes): changed")
            finally:
                self.close()
            if self._fp.hexdigest() != self.fingerprint["sha256"]:
                raise BadInput(
                    f"{self.label}: archive changed since the run was planned (its fingerprint differs); ingest again"
                )
            return self._sha.hexdigest()

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
            self._reader = None


@contextmanager
def hashing(hashers: Iterable[ArchiveHasher]) -> Iterator[None]:
    """Within the block, :func:`~ingest.archives.open_zip` reports the reads of these archives to them."""
    hashers = list(hashers)
    with observe_archive({str(h.path): h.observe for h in hashers}):
        try:
            yield
        finally:
            for hasher in hashers:
                hasher.close()


def full_sha256(path: Path, label: str, fingerprint: dict[str, Any]) -> str:
    """The full sha256 of an archive no extraction read, in one pass, checked against its fingerprint."""
    return ArchiveHasher(path, label, fingerprint).finish()


def record_full_hash(ledger: Path, label: str, fingerprint: dict[str, Any], sha256: str) -> None:
    """Keep ``sha256`` for ``fingerprint`` in ``ledger`` (a folder); :class:`BadInput` when an earlier full
    hash of an archive with this fingerprint differs (the archive changed without changing its fingerprint)."""
    record = ledger / f"{fingerprint['sha256']}.json"
    if record.is_file():
        try:
            known = json.loads(record.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            known = None  # a torn record (never written so: replaced atomically) is rewritten
        if isinstance(known, dict) and known.get("sha256") not in (None, sha256):
            raise BadInput(
                f"{label}: its content (sha256 {sha256}) differs from an earlier read of this archive with the same "
                f"size, central directory and ends (sha256 {known['sha256']}, recorded in {record}): it changed "
                f"without changing its fingerprint. Refused; if the new content is intended, delete {record} and "
                f"ingest again"
            )
        if isinstance(known, dict):
            return
    data = {"archive": label, "size": fingerprint["size"], "fingerprint": fingerprint["sha256"], "sha256": sha256}
    write_atomic(record, (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode(), fsync=False)
