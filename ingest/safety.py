"""Archive safety: inspect every archive's central directory before anything is read.

``plan_run`` calls :func:`check_archives` for every label and source archive of a dataset, so a
hostile archive is refused before any record is written. Nothing is ever extracted to disk (members
are read as streams), but the names are still checked: they end up in records, reports and
downloads, and a name that escapes is a sign of a hostile archive. The check reads the central
directory and each member's 30-byte local header, never member data:

- names: ``..`` components, absolute paths (``/x``, ``\\\\server``), drive letters (``C:\\x``),
  with ``\\`` taken as a separator → ``path_traversal``; NUL bytes or control characters →
  ``unsafe_name``; two members with one name, also after ``\\``→``/`` and Unicode NFC
  normalisation (Hangul stored as NFD by macOS next to NFC) → ``duplicate_name``;
- entry types from the Unix mode bits: symbolic links → ``symlink``; devices, pipes, sockets →
  ``special_file``. Zip has no hard links: two entries sharing data are ``overlapping_entries``;
- flags and methods: encrypted (flag bit 0x1 or 0x40) → ``encrypted``; any compression method but
  stored and deflate → ``unsupported_method``: Deflate64, PPMd, AES ``zipfile`` cannot read, and
  bzip2/LZMA, which it inflates without a bound per read;
- sizes: compressed data larger than the declared size (a lying header) → ``corrupt_archive``;
- sizes: members, bytes and ratios against :class:`~kcore.limits.ArchiveLimits` →
  ``too_many_members``, ``zip_bomb_size``, ``zip_bomb_ratio``;
- layout: local headers that are not where the directory says, or data that runs past the
  directory (truncation, pieces joined in the wrong order) → ``corrupt_archive``; entries whose data
  overlaps the next entry (the "non-recursive" zip bomb; Python 3.11.7 has no such check) →
  ``overlapping_entries``;
- archives inside the archive (``.zip``, ``.zNN``, ``.partN``, ``.7z``, ``.rar``, ``.tar``,
  ``.tgz``, ``.alz``, ``.egg`` ...) → ``nested_archive``;
- the dataset folder itself: an archive (or a piece, or ``dataset.yaml``) that is a symlink resolving
  outside the folder is refused before it is opened or hashed (:func:`check_inside`) → ``symlink``.

While reading, :mod:`ingest.archives` keeps the promise for what the directory cannot show:
members are read in 1 MiB blocks (``ZipFile.read`` would ask the decompressor for up to 2 GiB at
once), ``zipfile`` stops a member at its declared size and checks its CRC-32 at the end, streamed
or not → ``bad_crc``; corrupt or truncated data → ``corrupt_archive``.

Which exit code: a defect of the *container* (everything above, and a missing piece →
``part_gap``) is :class:`~ingest.limits.UnsafeArchive`, exit 2, quarantined, nothing published.
A readable archive whose *labels* are bad (invalid JSON, nesting too deep, numbers too large,
wrong encoding, a schema of another domain, images that do not decode or are not the stated size,
audio with a bad header) yields problems naming archive and member, counted per label; the quality
gate decides (exit 3 when critical checks fail) and quarantines the run.

Manifest URLs (``source.url``, ``license.url``) are shown, never fetched. Should remote sources
ever be read, :func:`check_remote_url` refuses private, loopback and link-local addresses after DNS
resolution (SSRF).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import stat
import struct
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

from ingest.archives import (
    advise_random,
    archive_pieces,
    member_name,
    open_zip,
    remember_member_names,
    remembered_member_names,
)
from ingest.limits import REASONS, UnsafeArchive
from kcore.errors import BadInput
from kcore.forked import Forked
from kcore.limits import DEFAULT_LIMITS, ArchiveLimits
from kcore.text import UNSAFE_CHARS

__all__ = [
    "REASONS",
    "ArchiveSummary",
    "UnsafeArchive",
    "check_archive",
    "check_archives",
    "check_inside",
    "check_name",
    "check_remote_url",
]

_ENCRYPTED = 0x1 | 0x40
_PATCHED = 0x20  # "compressed patched data": zipfile cannot read it
_UTF8 = 0x800
_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflate"}
# bzip2 (12) and LZMA (14) are refused although zipfile reads them: it inflates each block read
# without a bound (bzip2 turns 40 bytes into 45 MB), so a lying size cannot be stopped in time.
_LOCAL = b"PK\x03\x04"
_SPARSE_HEADERS = 256 << 10
"""Average compressed bytes per member above which the local headers are read without read-ahead
(images, audio, big label files); below it they are dense and read-ahead helps the walk."""
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_NESTED = re.compile(
    r"\.(zip|z\d{2,}|7z|rar|tar|tgz|tbz2?|txz|alz|egg|cab|jar|iso|zip\.part\d+|tar\.(gz|bz2|xz|zst))$", re.IGNORECASE
)


@dataclass(frozen=True)
class ArchiveSummary:
    """What the check saw in one archive (for the plan and for tests)."""

    archive: str
    members: int
    compressed_bytes: int
    uncompressed_bytes: int


def check_name(raw: str, name: str) -> tuple[str, str] | None:
    """``(code, detail)`` when a member name is unsafe, else ``None``.

    ``raw`` is the name as stored (``zipfile`` cuts it at a NUL byte: ``ZipInfo.orig_filename``
    keeps it), ``name`` the decoded one.
    """
    if "\x00" in raw or _CONTROL.search(name) or UNSAFE_CHARS.search(name):
        # control characters, and the bidirectional overrides that make "a\u202enosj.exe" read "aexe.json"
        return "unsafe_name", f"name {raw!r} holds a NUL byte, control characters or direction overrides"
    path = name.replace("\\", "/")
    if path.startswith("/"):
        return "path_traversal", f"absolute path {name!r}"
    if _DRIVE.match(path):
        return "path_traversal", f"drive letter in {name!r}"
    if ".." in path.split("/"):
        return "path_traversal", f"'..' in {name!r}"
    return None


def _entry_type(info: zipfile.ZipInfo) -> tuple[str, str] | None:
    mode = info.external_attr >> 16
    kind = stat.S_IFMT(mode)
    if kind == stat.S_IFLNK:
        return "symlink", "symbolic link entry (Unix mode bits S_IFLNK)"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "special_file", f"entry of type {oct(kind)} (device, pipe or socket)"
    return None


def _sizes(info: zipfile.ZipInfo, limits: ArchiveLimits) -> tuple[str, str] | None:
    if info.compress_size > info.file_size + info.file_size // 1000 + 64:
        # deflate grows incompressible data by 5 bytes per 64 KiB at most; stored data not at all
        detail = f"{info.compress_size:,} compressed bytes for a declared {info.file_size:,}: the declared size lies"
        return "corrupt_archive", detail
    if info.file_size > limits.max_member_bytes:
        limit = limits.max_member_bytes
        return "zip_bomb_size", f"declares {info.file_size:,} bytes, over KDATA_MAX_MEMBER_BYTES={limit:,}"
    if info.file_size > limits.ratio_floor_bytes:
        ratio = info.file_size / info.compress_size if info.compress_size else float("inf")
        if ratio > limits.max_ratio:
            return "zip_bomb_ratio", (
                f"{info.compress_size:,} bytes inflate to {info.file_size:,} ({ratio:,.0f}:1, "
                f"over KDATA_MAX_RATIO={limits.max_ratio:g})"
            )
    return None


def _member_problem(info: zipfile.ZipInfo, name: str, limits: ArchiveLimits) -> tuple[str, str] | None:
    """The first defect of one central directory entry, from its fields alone."""
    found = check_name(info.orig_filename, name) or _entry_type(info)
    if found:
        return found
    if info.flag_bits & _ENCRYPTED:
        return "encrypted", f"encrypted member (flags {info.flag_bits:#06x})"
    if info.flag_bits & _PATCHED:
        return "unsupported_method", "compressed patched data (flag bit 5)"
    if info.compress_type not in _METHODS:
        detail = f"compression method {info.compress_type}; accepted: 0 stored, 8 deflate (re-zip the archive)"
        return "unsupported_method", detail
    if not info.is_dir() and not limits.allow_nested_archives and _NESTED.search(name):
        return "nested_archive", "an archive inside the archive (set KDATA_ALLOW_NESTED_ARCHIVES=1 to accept)"
    return None if info.is_dir() else _sizes(info, limits)


def _entries(label: str, infos: Iterable[zipfile.ZipInfo], limits: ArchiveLimits) -> list[tuple[str, zipfile.ZipInfo]]:
    """Check every entry on its own and for duplicate names; ``(name, info)`` in directory order."""
    seen: dict[str, str] = {}
    checked = []
    for info in infos:
        name = member_name(info)
        problem = _member_problem(info, name, limits)
        if problem:
            raise UnsafeArchive(problem[0], label, problem[1], name)
        if not info.is_dir():
            key = unicodedata.normalize("NFC", name.replace("\\", "/"))
            if key in seen:
                same = "identical" if seen[key] == name else "equal after NFC and '/' normalisation"
                detail = f"same name as {seen[key]!r} ({same})"
                raise UnsafeArchive("duplicate_name", label, detail, name)
            seen[key] = name
        checked.append((name, info))
    if len(checked) > limits.max_members:
        detail = f"{len(checked):,} members, more than KDATA_MAX_MEMBERS={limits.max_members:,}"
        raise UnsafeArchive("too_many_members", label, detail)
    return checked


def _totals(label: str, infos: list[zipfile.ZipInfo], limits: ArchiveLimits) -> tuple[int, int]:
    packed = sum(i.compress_size for i in infos)
    total = sum(i.file_size for i in infos)
    if total > limits.max_archive_bytes:
        detail = f"members declare {total:,} bytes in all, over KDATA_MAX_ARCHIVE_BYTES={limits.max_archive_bytes:,}"
        raise UnsafeArchive("zip_bomb_size", label, detail)
    if total > limits.ratio_floor_bytes and (not packed or total / packed > limits.max_ratio):
        ratio = total / packed if packed else float("inf")
        detail = (
            f"{packed:,} bytes inflate to {total:,} in all ({ratio:,.0f}:1, over KDATA_MAX_RATIO={limits.max_ratio:g})"
        )
        raise UnsafeArchive("zip_bomb_ratio", label, detail)
    return packed, total


def _local_name(raw: bytes, flags: int) -> str | None:
    """A local header's name decoded as ``zipfile`` does (``None`` when it cannot be)."""
    try:
        return raw.decode("utf-8" if flags & _UTF8 else "cp437")
    except UnicodeDecodeError:
        return None


def _data_start(fp: IO[bytes], label: str, name: str, info: zipfile.ZipInfo) -> int:
    """Offset of a member's data, from its local header; the header must be where the directory
    says, and name the same member (``zipfile`` refuses a mismatch only when it reads it)."""
    header = b""
    if info.header_offset >= 0:
        fp.seek(info.header_offset)
        header = fp.read(30)
    if len(header) < 30 or header[:4] != _LOCAL:
        detail = f"no local header at offset {info.header_offset:,} (truncated, or pieces joined in the wrong order)"
        raise UnsafeArchive("corrupt_archive", label, detail, name)
    flags, names, extra = struct.unpack("<H", header[6:8])[0], *struct.unpack("<HH", header[26:30])
    local = _local_name(fp.read(names), flags)
    if local != info.orig_filename:
        detail = f"the local header names {local!r}, the directory {info.orig_filename!r}"
        raise UnsafeArchive("corrupt_archive", label, detail, name)
    return int(info.header_offset) + 30 + names + extra


def _layout(archive: zipfile.ZipFile, label: str, entries: list[tuple[str, zipfile.ZipInfo]]) -> None:
    """Each member's data must end before the next local header and before the central directory."""
    fp = archive.fp
    assert fp is not None
    end_of_entries = int(getattr(archive, "start_dir", 0))
    ordered = sorted(entries, key=lambda e: e[1].header_offset)
    for n, (name, info) in enumerate(ordered):
        data_end = _data_start(fp, label, name, info) + info.compress_size
        if n + 1 < len(ordered):
            following, next_info = ordered[n + 1]
            if data_end > next_info.header_offset:
                detail = (
                    f"its data ({info.header_offset:,}..{data_end:,}) overlaps the entry {following!r} "
                    f"at {next_info.header_offset:,} (entries sharing data: a zip bomb)"
                )
                raise UnsafeArchive("overlapping_entries", label, detail, name)
        elif data_end > end_of_entries:
            detail = f"its data ends at {data_end:,}, past the central directory at {end_of_entries:,} (truncated?)"
            raise UnsafeArchive("corrupt_archive", label, detail, name)


def check_archive(path: Path, label: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> ArchiveSummary:
    """Inspect one (logical) archive without reading member data; :class:`UnsafeArchive` naming
    ``label`` (the archive's path relative to the dataset) and the member at fault."""
    try:
        archive = open_zip(path, limits)
    except UnsafeArchive as error:
        raise UnsafeArchive(error.code, label, error.detail, error.member) from None
    with archive:
        entries = _entries(label, archive.infolist(), limits)
        files = [info for _, info in entries if not info.is_dir()]
        packed, total = _totals(label, files, limits)
        if packed > _SPARSE_HEADERS * max(len(files), 1):
            advise_random(archive.fp)  # local headers far apart: read each alone, not what follows it
        _layout(archive, label, entries)
    remember_member_names(path, [name for name, info in entries if not info.is_dir()])  # for the source index
    return ArchiveSummary(label, len(files), packed, total)


def check_inside(root: Path, path: Path) -> None:
    """A file of the dataset must resolve inside the dataset folder (no symlink pointing outside)."""
    resolved = path.resolve()
    if not resolved.is_relative_to(root.resolve()):
        rel = path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)
        raise UnsafeArchive("symlink", rel, f"links outside the dataset folder (to {resolved})")


def checked_pieces(root: Path, rel: str) -> list[Path]:
    """The files of archive ``rel`` (pieces ``.partN``/``.zNN`` in order), each inside ``root``; a gap or a
    piece linking outside raises :class:`UnsafeArchive` naming ``rel``. Nothing of them is read."""
    try:
        pieces = archive_pieces(root / rel)
    except UnsafeArchive as error:
        raise UnsafeArchive(error.code, rel, error.detail, error.member) from None
    for piece in pieces:
        check_inside(root, piece)
    return pieces


def check_archives(
    root: Path,
    archives: Iterable[str],
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    run_id: str | None = None,
    hashes: dict[str, str] | None = None,
    fork: bool = False,
    weights: Mapping[str, int] | None = None,
) -> list[ArchiveSummary]:
    """Check every archive of a dataset (paths relative to ``root``), each piece inside ``root``.

    The :class:`UnsafeArchive` raised carries ``run_id`` and the archive's sha256 (from ``hashes``)
    for the quarantine record. ``fork``: this process may fork (:mod:`kcore.forked`): about half the
    archives (by ``weights``) are checked in a forked child meanwhile; the same summaries and errors.
    """
    archives = list(archives)
    if fork and len(archives) > 1:
        summaries = _check_in_two(root, archives, limits, weights or {})
        if summaries is not None:
            return summaries
    summaries = []
    for rel in archives:
        try:
            checked_pieces(root, rel)
            summaries.append(check_archive(root / rel, rel, limits))
        except UnsafeArchive as error:
            error.run_id, error.archive_sha256 = run_id, (hashes or {}).get(rel)
            raise
    return summaries


def _check_group(
    root: Path, archives: list[str], limits: ArchiveLimits
) -> list[tuple[ArchiveSummary, list[str] | None]]:
    """Check ``archives`` in order; each summary with the member names listed (for the source index)."""
    found = []
    for rel in archives:
        checked_pieces(root, rel)
        found.append((check_archive(root / rel, rel, limits), remembered_member_names(root / rel)))
    return found


def _check_in_two(
    root: Path, archives: list[str], limits: ArchiveLimits, weights: Mapping[str, int]
) -> list[ArchiveSummary] | None:
    """:func:`check_archives` of half the work here and half in a forked child (``weights``: each archive's
    central directory bytes, what the check's time goes with). ``None`` when either half finds anything
    or fails: the caller then checks them all in order, so that the problem reported is the first in
    archive order, as without the fork."""
    halves: tuple[list[str], list[str]] = ([], [])  # here, in the child: the heaviest first to the lighter
    loads = [0, 0]
    for rel in sorted(archives, key=lambda a: -weights.get(a, 0)):
        side = 0 if loads[0] <= loads[1] else 1
        halves[side].append(rel)
        loads[side] += weights.get(rel, 0)
    mine, theirs = halves
    try:
        with Forked(_check_group, root, theirs, limits) as child:
            here = _check_group(root, mine, limits)
            there = child.result()
    except Exception:  # deliberately broad: checked again in order, which raises what it finds
        return None
    for rel, (_, names) in zip(theirs, there, strict=True):
        if names is not None:  # the source index reuses the names the check listed
            remember_member_names(root / rel, names)
    summaries = {summary.archive: summary for summary, _ in [*here, *there]}
    return [summaries[rel] for rel in archives]


Resolver = Callable[[str, Any], list[tuple[Any, ...]]]


def _resolve(host: str, port: Any) -> list[tuple[Any, ...]]:
    return socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)


def check_remote_url(url: str, resolve: Resolver = _resolve) -> list[str]:
    """For a future remote source: only ``http(s)``/``s3`` URLs whose host resolves to public
    addresses; returns the addresses. :class:`BadInput` for private, loopback, link-local,
    multicast, reserved or unspecified ones (SSRF: cloud metadata at 169.254.169.254, services on
    127.0.0.1 or the internal network). Connect to the returned addresses, not the name, so a
    second DNS answer cannot differ."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https", "s3") or not parts.hostname:
        raise BadInput(f"{url!r}: only http, https or s3 URLs with a host are allowed")
    try:
        found = resolve(parts.hostname, parts.port or 443)
    except (OSError, UnicodeError) as error:
        raise BadInput(f"{url!r}: cannot resolve {parts.hostname!r} ({error})") from None
    addresses = sorted({str(entry[4][0]) for entry in found})
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise BadInput(f"{url!r}: {parts.hostname} resolves to {address}, not a public address (refused: SSRF)")
    if not addresses:
        raise BadInput(f"{url!r}: {parts.hostname} resolves to no address")
    return addresses
