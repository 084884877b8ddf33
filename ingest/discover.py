"""Find a dataset's archives by structure, not exact spelling.

AI Hub trees name the split (``1.Training``, ``Training``, ``_valid``) and the kind of archive
(``라벨링데이터``/``TL_``/``[라벨]`` for labels, ``원천데이터``/``TS_``/``[원천]`` for sources) in
several ways; the classifier looks at every path component and the file name.

Archives that arrive in pieces (``TS_1.zip.part0`` .. ``.partN``, or volumes ``TS_1.z01`` ..
``TS_1.zip``) are one logical archive, listed once under its ``.zip`` path with its pieces; a
missing piece is an error naming it (see :func:`ingest.archives.archive_pieces`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ingest.archives import archive_pieces, logical_archive_name
from ingest.limits import UnsafeArchive
from ingest.safety import check_inside
from kdata.errors import BadInput

__all__ = ["ArchiveRef", "classify", "discover_archives"]

Kind = Literal["label", "source"]

_SPLITS = (
    ("validation", re.compile(r"(^|[^a-z])(validation|valid|val)([^a-z]|$)|검증")),
    ("test", re.compile(r"(^|[^a-z])test([^a-z]|$)|시험")),
    ("train", re.compile(r"(^|[^a-z])(training|train)([^a-z]|$)|학습|훈련")),
)
_PREFIX = re.compile(r"^(?P<split>[TV])(?P<kind>[LS])_", re.IGNORECASE)
_LABEL = re.compile(r"라벨|label", re.IGNORECASE)
_SOURCE = re.compile(r"원천|source|raw", re.IGNORECASE)


@dataclass(frozen=True)
class ArchiveRef:
    """One (logical) archive of a dataset: where it is (relative, POSIX), its split and kind, its size
    and, when it arrived in pieces, the pieces in order (relative paths)."""

    path: str
    split: str
    kind: Kind
    size: int
    pieces: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


def classify(rel_path: str) -> tuple[str | None, Kind | None]:
    """Split and kind of an archive from its relative path; ``None`` where the path says nothing."""
    parts = rel_path.split("/")
    name = parts[-1]
    split: str | None = None
    kind: Kind | None = None
    prefix = _PREFIX.match(name)
    if prefix:
        split = "train" if prefix["split"].upper() == "T" else "validation"
        kind = "label" if prefix["kind"].upper() == "L" else "source"
    # The nearest path component that says something wins (file name first, then folders upwards).
    for part in reversed(parts):
        lowered = part.lower()
        if split is None:
            split = next((s for s, rx in _SPLITS if rx.search(lowered)), None)
        if kind is None:
            if _LABEL.search(part):
                kind = "label"
            elif _SOURCE.search(part):
                kind = "source"
    return split, kind


def _logical_archives(root: Path) -> list[str]:
    """Relative paths of the logical archives under ``root`` (pieces folded into their ``.zip``)."""
    found: set[str] = set()
    for path in root.rglob("*"):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        logical = logical_archive_name(path.name)
        if logical is not None:
            found.add(rel.rsplit("/", 1)[0] + "/" + logical if "/" in rel else logical)
    return sorted(found)


def discover_archives(root: Path) -> list[ArchiveRef]:
    """All zip archives under ``root``, classified, sorted by path.

    Raises :class:`BadInput` naming every archive whose split or kind cannot be told, or when
    there is no label archive at all.
    """
    if not root.is_dir():
        raise BadInput(f"{root}: not a dataset folder")
    refs: list[ArchiveRef] = []
    unknown: list[str] = []
    broken: list[str] = []
    first_broken: UnsafeArchive | None = None
    for rel in _logical_archives(root):
        try:
            pieces = archive_pieces(root / rel)
        except BadInput as error:
            code, detail = (error.code, error.detail) if isinstance(error, UnsafeArchive) else ("part_gap", str(error))
            broken.append(f"{rel}: {detail}")
            first_broken = first_broken or UnsafeArchive(code, rel, detail)
            continue
        for piece in pieces:
            check_inside(root, piece)  # a symlink to a file outside (or to /dev/zero) is never read
        split, kind = classify(rel)
        if split is None or kind is None:
            unknown.append(f"{rel} (split: {split or '?'}, kind: {kind or '?'})")
            continue
        size = sum(p.stat().st_size for p in pieces)
        names = tuple(p.relative_to(root).as_posix() for p in pieces) if len(pieces) > 1 else ()
        refs.append(ArchiveRef(rel, split, kind, size, names))
    if first_broken is not None:
        also = f" (also: {'; '.join(broken[1:])})" if len(broken) > 1 else ""
        raise UnsafeArchive(first_broken.code, first_broken.archive, first_broken.detail + also)
    if unknown:
        raise BadInput(f"{root}: cannot tell split or label/source of: " + "; ".join(unknown))
    if not any(r.kind == "label" for r in refs):
        raise BadInput(f"{root}: no label archive found (라벨링데이터, TL_*.zip, VL_*.zip)")
    return refs
