"""Writing a sample dataset the way AI Hub ships one: folder layouts, deterministic zips, and the
archive realities readers must survive (CP949 member names, BOM/CP949 label text, ``.partN``
pieces, multi-volume ``.z01`` spans).

Layouts (``layout=``), for split Training (T) / Validation (V), label (L) / source (S):

- ``classic``:  ``01.데이터/1.Training/라벨링데이터/TL_1.<group>.zip``, ``.../원천데이터/TS_1.<group>.zip``
- ``modern``:   ``01-1.정식개방데이터/Training/02.라벨링데이터/TL_01.<group>.zip`` with the source split
  over ``01.원천데이터/TS_01.<group>_1.zip`` .. ``_5.zip``
- ``open``:     ``3.개방데이터/1.데이터/Training/02.라벨링데이터/TL_<group>.zip``, ``01.원천데이터/TS_<group>.zip``
- ``bracket``:  ``[라벨]<group>_train.zip``, ``[원천]<group>_train.zip``, ``[라벨]<group>_valid.zip`` (top level)
- ``noprefix``: ``Training/라벨링데이터/<n>.<group>.zip`` and ``Training/원천데이터/<n>.<group>.zip``

Every zip is byte-identical for the same input: members sorted, fixed timestamps and attributes.
"""

from __future__ import annotations

import math
import os
import shutil
import struct
import tempfile
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Literal

import yaml

from schemas.manifest import DATASET_YAML, ManifestError, parse_manifest

__all__ = [
    "LAYOUTS",
    "ArchiveOptions",
    "GroupFiles",
    "SampleError",
    "ZipWriter",
    "check_layout",
    "check_out_dir",
    "finish_source_archive",
    "label_archive_path",
    "source_archive_paths",
    "span_volumes",
    "split_parts",
    "typo_group",
    "validate_manifest",
    "validation_count",
    "write_group_streamed",
    "write_groups",
    "write_manifest",
    "write_zip",
]

LAYOUTS: tuple[str, ...] = ("classic", "modern", "bracket", "open", "noprefix")
"""Folder layouts of real AI Hub trees the generators can write."""

_ZIP_DATE = (2024, 1, 1, 0, 0, 0)
_ZIP_ATTR = 0o100644 << 16  # regular file, rw-r--r--
_SPLIT_DIRS = {"classic": ("1.Training", "2.Validation")}
_SPLIT_WORDS = ("Training", "Validation")
_SPLIT_SHORT = ("train", "valid")
_SPLIT_LETTER = ("T", "V")
_MODERN_SOURCE_ZIPS = 5


class SampleError(ValueError):
    """Bad arguments for a sample generator (unknown layout or fault, too few items, ...)."""


@dataclass(frozen=True)
class ArchiveOptions:
    """Archive realities to reproduce (defaults: a clean, modern UTF-8 archive)."""

    member_names: Literal["utf-8", "cp949"] = "utf-8"
    """``cp949``: member names stored as CP949 bytes without the UTF-8 flag (old Korean tools)."""
    label_encoding: Literal["utf-8", "utf-8-sig", "cp949"] = "utf-8"
    """Encoding of label text (JSON, transcripts)."""
    source_pieces: Literal["parts", "volumes"] | None = None
    """Split every source archive into ``.zip.partN`` pieces or ``.z01``.. ``.zip`` volumes."""
    pieces: int = 3
    """How many pieces or volumes (about; at least 2)."""
    typo: bool = False
    """Name the second group's Validation label archive with the real double dot (``VL_02..실외.zip``)."""


@dataclass
class GroupFiles:
    """The members of one archive group (a label archive and its source archive(s)) of one split."""

    split: int  # 0 Training, 1 Validation
    number: int
    name: str
    labels: dict[str, str | bytes] = field(default_factory=dict)  # str is encoded with label_encoding
    sources: dict[str, bytes] = field(default_factory=dict)


def validation_count(items: int) -> int:
    """20 % for Validation, at least 1 when there are 2 or more items."""
    return 0 if items < 2 else max(1, items // 5)


def check_out_dir(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SampleError(f"{out} must be an empty folder or not exist yet")


def check_layout(layout: str) -> None:
    if layout not in LAYOUTS:
        raise SampleError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")


# -- paths -----------------------------------------------------------------------------------------


def label_archive_path(layout: str, split: int, number: int, name: str, *, typo: bool = False) -> str:
    """Relative path of a group's label archive in ``layout``."""
    letter, word = _SPLIT_LETTER[split], _SPLIT_WORDS[split]
    dot = ".." if typo else "."
    if layout == "classic":
        return f"01.데이터/{_SPLIT_DIRS['classic'][split]}/라벨링데이터/{letter}L_{number}{dot}{name}.zip"
    if layout == "modern":
        return f"01-1.정식개방데이터/{word}/02.라벨링데이터/{letter}L_{number:02d}{dot}{name}.zip"
    if layout == "open":
        return f"3.개방데이터/1.데이터/{word}/02.라벨링데이터/{letter}L_{name}.zip"
    if layout == "bracket":
        return f"[라벨]{name}_{_SPLIT_SHORT[split]}.zip"
    if layout == "noprefix":
        return f"{word}/라벨링데이터/{number}.{name}.zip"
    raise SampleError(f"unknown layout {layout!r}")


def source_archive_paths(layout: str, split: int, number: int, name: str, members: int) -> list[str]:
    """Relative paths of a group's source archive(s): several only in the ``modern`` layout."""
    letter, word = _SPLIT_LETTER[split], _SPLIT_WORDS[split]
    if layout == "classic":
        return [f"01.데이터/{_SPLIT_DIRS['classic'][split]}/원천데이터/{letter}S_{number}.{name}.zip"]
    if layout == "modern":
        folder = f"01-1.정식개방데이터/{word}/01.원천데이터"
        count = max(1, min(_MODERN_SOURCE_ZIPS, members))
        return [f"{folder}/{letter}S_{number:02d}.{name}_{k}.zip" for k in range(1, count + 1)]
    if layout == "open":
        return [f"3.개방데이터/1.데이터/{word}/01.원천데이터/{letter}S_{name}.zip"]
    if layout == "bracket":
        return [f"[원천]{name}_{_SPLIT_SHORT[split]}.zip"]
    if layout == "noprefix":
        return [f"{word}/원천데이터/{number}.{name}.zip"]
    raise SampleError(f"unknown layout {layout!r}")


# -- zips ------------------------------------------------------------------------------------------


class _Cp949Info(zipfile.ZipInfo):
    """A member whose name is stored as CP949 bytes without the UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:
        return self.filename.encode("cp949"), self.flag_bits & ~0x800


class ZipWriter:
    """A deterministic zip written member by member: fixed time and attributes, deflated.

    The caller adds members in sorted name order (as :func:`write_zip` does). :meth:`add_file`
    streams a member from a file, so a label of several GB never sits in memory; the bytes are the
    same as :meth:`add` with the file's content (the size is known before the header is written,
    so ZIP64 is chosen the same way).
    """

    def __init__(self, path: Path, *, cp949_names: bool = False) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
        self._info_type = _Cp949Info if cp949_names else zipfile.ZipInfo

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = self._info_type(name, date_time=_ZIP_DATE)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3
        info.external_attr = _ZIP_ATTR
        return info

    def add(self, name: str, data: bytes) -> None:
        self._zip.writestr(self._info(name), data)

    def add_file(self, name: str, source: Path, block: int = 1 << 20) -> None:
        info = self._info(name)
        info.file_size = source.stat().st_size  # as writestr sets it: decides ZIP64 the same way
        with source.open("rb") as src, self._zip.open(info, "w") as dest:
            shutil.copyfileobj(src, dest, block)

    def close(self) -> None:
        self._zip.close()

    def __enter__(self) -> ZipWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()


def write_zip(path: Path, members: dict[str, bytes], *, cp949_names: bool = False) -> None:
    """A deterministic zip: members sorted, fixed time and attributes, deflated."""
    with ZipWriter(path, cp949_names=cp949_names) as zf:
        for name in sorted(members):
            zf.add(name, members[name])


def split_parts(path: Path, count: int) -> list[Path]:
    """Cut ``path`` into ``<name>.part0`` .. ``.part<count-1>`` (plain byte pieces) and remove it."""
    data = path.read_bytes()
    size = max(1, math.ceil(len(data) / max(2, count)))
    pieces = []
    for n, start in enumerate(range(0, len(data), size)):
        piece = path.with_name(f"{path.name}.part{n}")
        piece.write_bytes(data[start : start + size])
        pieces.append(piece)
    path.unlink()
    return pieces


def _central_records(data: bytes, start: int, count: int) -> list[tuple[int, bytearray]]:
    """``(local header offset, record)`` of each central directory record."""
    records = []
    at = start
    for _ in range(count):
        name_len, extra_len, comment_len = struct.unpack("<HHH", data[at + 28 : at + 34])
        size = 46 + name_len + extra_len + comment_len
        record = bytearray(data[at : at + size])
        records.append((struct.unpack("<I", record[42:46])[0], record))
        at += size
    return records


def span_volumes(path: Path, count: int, *, zip64: bool = False) -> list[Path]:
    """Turn the (small, single-disk) zip ``path`` into a spanned archive ``.z01`` .. ``.zip`` as
    Info-ZIP's ``zip -s`` writes it: a split signature first, central directory offsets relative to
    the volume each header is on, and (``zip64``) ZIP64 end records naming the disks."""
    data = path.read_bytes()
    eocd = data.rfind(b"PK\x05\x06")
    entries, cd_size, cd_offset = struct.unpack("<HII", data[eocd + 10 : eocd + 20])
    body = b"PK\x07\x08" + data[:cd_offset]  # spanning signature, then the local entries
    records = _central_records(data, cd_offset, entries)
    tail = 22 + (76 if zip64 else 0)
    end_at = len(body) + cd_size  # where the end records start
    volume = max(64, math.ceil((end_at + tail) / max(2, count)))
    disks = end_at // volume + 1

    def where(offset: int) -> tuple[int, int]:
        return min(offset // volume, disks - 1), offset - min(offset // volume, disks - 1) * volume

    directory = bytearray()
    for local, record in records:
        disk, relative = where(local + 4)
        record[34:36] = struct.pack("<H", disk)
        record[42:46] = struct.pack("<I", relative)
        directory += record
    cd_disk, cd_rel = where(len(body))
    last = disks - 1
    on_last = sum(1 for local, _ in records if where(local + 4)[0] == last)
    ends = b""
    if zip64:
        eocd64_rel = where(end_at)[1]
        ends += struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, last, cd_disk, on_last, entries, cd_size, cd_rel)
        ends += struct.pack("<4sIQI", b"PK\x06\x07", last, eocd64_rel, disks)
        ends += struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF, cd_size, 0xFFFFFFFF, 0)
    else:
        ends += struct.pack("<4sHHHHIIH", b"PK\x05\x06", last, cd_disk, on_last, entries, cd_size, cd_rel, 0)
    stream = body + bytes(directory) + ends
    stem = path.name[: -len(".zip")]
    volumes = []
    for disk in range(disks):
        chunk = stream[disk * volume : (disk + 1) * volume] if disk < last else stream[disk * volume :]
        target = path if disk == last else path.with_name(f"{stem}.z{disk + 1:02d}")
        target.write_bytes(chunk)
        volumes.append(target)
    return volumes


# -- the dataset folder ----------------------------------------------------------------------------


def _encode(text: str | bytes, encoding: str) -> bytes:
    return text if isinstance(text, bytes) else text.encode(encoding)


def _split_sources(sources: dict[str, bytes], paths: list[str]) -> list[dict[str, bytes]]:
    names = sorted(sources)
    per = math.ceil(len(names) / len(paths)) if names else 1
    return [{n: sources[n] for n in names[i * per : (i + 1) * per]} for i in range(len(paths))]


def write_groups(out: Path, groups: list[GroupFiles], layout: str, options: ArchiveOptions) -> list[Path]:
    """Write every group's label and source archives in ``layout``; returns the files written."""
    check_layout(layout)
    written: list[Path] = []
    cp949 = options.member_names == "cp949"
    typo = typo_group([(g.split, g.number) for g in groups]) if options.typo else -1
    for index, group in enumerate(groups):
        label_path = out / label_archive_path(layout, group.split, group.number, group.name, typo=index == typo)
        labels = {name: _encode(text, options.label_encoding) for name, text in group.labels.items()}
        write_zip(label_path, labels, cp949_names=cp949)
        written.append(label_path)
        paths = source_archive_paths(layout, group.split, group.number, group.name, len(group.sources))
        if not group.sources:  # labels only (text corpora): no empty source archive
            paths = []
        for rel, members in zip(paths, _split_sources(group.sources, paths), strict=True):
            target = out / rel
            write_zip(target, members, cp949_names=cp949)
            written.extend(finish_source_archive(target, options))
    return written


class _Spool:
    """Members kept in a temporary file until they can be zipped in name order (memory: the names)."""

    def __init__(self, folder: Path) -> None:
        self._file = tempfile.TemporaryFile(dir=folder)  # noqa: SIM115 (closed by close())
        self._where: dict[str, tuple[int, int]] = {}

    def add(self, name: str, data: bytes) -> None:
        offset = self._file.seek(0, os.SEEK_END)
        self._file.write(data)
        self._where[name] = (offset, len(data))  # a name given twice keeps the last, as a dict does

    def names(self) -> list[str]:
        return sorted(self._where)

    def read(self, name: str) -> bytes:
        offset, size = self._where[name]
        self._file.seek(offset)
        return self._file.read(size)

    def close(self) -> None:
        self._file.close()


def write_group_streamed(
    out: Path,
    group: GroupFiles,
    members: Iterable[tuple[bool, str, str | bytes]],
    layout: str,
    options: ArchiveOptions,
    *,
    typo: bool = False,
) -> list[Path]:
    """:func:`write_groups` for one group whose ``members`` (``(is_label, name, content)``) come one at a
    time: they wait in temporary files (beside ``out``'s archives), never all in memory. Same bytes."""
    cp949 = options.member_names == "cp949"
    labels, sources = _Spool(out), _Spool(out)
    try:
        for is_label, name, content in members:
            if is_label:
                labels.add(name, _encode(content, options.label_encoding))
            else:
                sources.add(name, _encode(content, "utf-8"))
        label_path = out / label_archive_path(layout, group.split, group.number, group.name, typo=typo)
        with ZipWriter(label_path, cp949_names=cp949) as zf:
            for name in labels.names():
                zf.add(name, labels.read(name))
        written = [label_path]
        names = sources.names()
        paths = source_archive_paths(layout, group.split, group.number, group.name, len(names)) if names else []
        per = math.ceil(len(names) / len(paths)) if names else 1  # as _split_sources
        for index, rel in enumerate(paths):
            with ZipWriter(out / rel, cp949_names=cp949) as zf:
                for name in names[index * per : (index + 1) * per]:
                    zf.add(name, sources.read(name))
            written.extend(finish_source_archive(out / rel, options))
        return written
    finally:
        labels.close()
        sources.close()


def typo_group(groups: Sequence[tuple[int, int]]) -> int:
    """Index of the group (``(split, number)`` each) whose label archive gets the typo: the first
    Validation group numbered 2; -1 when there is none."""
    return next((i for i, (split, number) in enumerate(groups) if split == 1 and number == 2), -1)


def finish_source_archive(target: Path, options: ArchiveOptions) -> list[Path]:
    """Cut a written source archive into pieces or volumes if ``options`` ask; the files it became."""
    if options.source_pieces == "parts":
        return split_parts(target, options.pieces)
    if options.source_pieces == "volumes":
        return span_volumes(target, options.pieces)
    return [target]


def validate_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """:class:`SampleError` when the manifest the generator would write is invalid."""
    try:
        parse_manifest(manifest, out / DATASET_YAML)
    except ManifestError as error:
        raise SampleError(f"dataset_id/version give an invalid manifest: {'; '.join(error.problems)}") from None


def write_manifest(out: Path, manifest: dict[str, Any]) -> None:
    """Validate and write ``dataset.yaml`` (:class:`SampleError` when the manifest is invalid)."""
    validate_manifest(out, manifest)
    out.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(manifest, sort_keys=False, allow_unicode=True, width=1000)
    (out / DATASET_YAML).write_bytes(text.encode("utf-8"))
