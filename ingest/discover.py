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
from kcore.errors import BadInput
from kcore.text import UNSAFE_CHARS, printable, unsafe_chars
from schemas.labels import LayoutSpec, glob_match

__all__ = [
    "ArchiveRef",
    "Skipped",
    "classify",
    "discover_archives",
    "discover_layout",
    "loose_labels_hint",
    "split_disagreement",
]

Kind = Literal["label", "source", "mixed"]
"""``mixed``: labels and sources in one archive (KsponSpeech's ``KsponSpeech_01.zip``: ``.pcm`` beside ``.txt``)."""

_TOOLS = re.compile(r"저작\s*도구|설치\s*파일|매뉴얼|가이드|사용\s*설명서|활용\s*가이드")
_TOOL_NAMES = frozenset({"manual", "manuals", "guide", "guides", "tool", "tools", "docs", "documents", "installer"})
_DOCUMENTS = frozenset(
    {
        ".pdf",
        ".hwp",
        ".hwpx",
        ".doc",
        ".docx",
        ".xls",
        ".xlsx",
        ".ppt",
        ".pptx",
        ".exe",
        ".msi",
        ".txt",
        ".md",
        ".html",
        ".csv",
        ".json",
    }
)

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


def split_disagreement(rel_path: str) -> str | None:
    """The split the folders name when it is not the one the archive's ``TL_``/``VL_`` prefix gives (which wins:
    ``Validation/02.라벨링데이터/TL_1.zip`` is read as train), else ``None``; inspect notes it (a typo in the tree
    or in the name: real trees have both)."""
    folders, _, name = rel_path.rpartition("/")
    if not _PREFIX.match(name) or not folders:
        return None
    named, folder = classify(rel_path)[0], classify(f"{folders}/_")[0]  # "_": a name that says nothing
    return folder if folder is not None and folder != named else None


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


def _walk(root: Path) -> tuple[list[str], list[Skipped]]:
    """One walk of ``root``: the logical archives (pieces folded into their ``.zip``), and the other files
    that are not data (manuals, tools, spreadsheets: reported, never read)."""
    found: set[str] = set()
    others: list[Skipped] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in rel.split("/")) or not path.is_file():
            continue
        logical = logical_archive_name(path.name)
        if logical is not None:
            found.add(rel.rsplit("/", 1)[0] + "/" + logical if "/" in rel else logical)
        elif rel != "dataset.yaml":
            kind = "document or tool" if path.suffix.lower() in _DOCUMENTS else "not an archive"
            others.append(Skipped(rel, f"{kind}: only zip archives are read (비데이터 파일)"))
    return sorted(found), others


@dataclass(frozen=True)
class Skipped:
    """A file of the dataset folder that is not data, and why (listed in the plan and the report)."""

    path: str
    reason: str


def _tool_folder(rel: str) -> bool:
    """Under an annotation-tool, installer, manual or guide folder (저작도구, 설치 파일, 매뉴얼, 가이드)."""
    for part in rel.split("/")[:-1]:
        bare = re.sub(r"^[\d._\-\s]+", "", part).strip().lower()
        if _TOOLS.search(part) or bare in _TOOL_NAMES:
            return True
    return False


def discover_archives(root: Path) -> list[ArchiveRef]:
    """All data archives under ``root`` with the default layout rules (see :func:`discover_layout`)."""
    return discover_layout(root)[0]


def discover_layout(
    root: Path, layout: LayoutSpec | None = None, *, allow_mixed: bool = False
) -> tuple[list[ArchiveRef], list[Skipped]]:
    """The data archives under ``root``, classified and sorted by path, and what was skipped and why.

    ``layout`` (``dataset.yaml``'s ``layout:``) narrows the archives (include/exclude globs) and names
    split and kind where names do not; annotation tools and manuals are skipped unless it says not to.
    An archive whose kind no name tells is ``mixed`` when ``allow_mixed`` (the mapping engine reads
    labels and sources out of one archive). When no archive names a split, all are ``train``.
    Raises :class:`BadInput` naming every archive whose split or kind cannot be told, or when there
    is no label archive at all.
    """
    if not root.is_dir():
        raise BadInput(f"{root}: not a dataset folder")
    layout = layout or LayoutSpec()
    refs: list[ArchiveRef] = []
    unknown: list[str] = []
    no_split: list[tuple[str, Kind, int, tuple[str, ...]]] = []
    logical, skipped = _walk(root)
    broken: list[str] = []
    first_broken: UnsafeArchive | None = None
    for rel in logical:
        if UNSAFE_CHARS.search(rel):  # its name reaches terminals and reports (a terminal escape, an override)
            shown = printable(rel)
            raise UnsafeArchive("unsafe_name", shown, f"the archive's path holds {', '.join(unsafe_chars(rel))}")
        reason = _skip_reason(rel, layout)
        if reason is not None:
            skipped.append(Skipped(rel, reason))
            continue
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
        rule = next((r for r in layout.rules if glob_match(r.match, rel)), None)
        if rule is not None:
            split, kind = rule.split or split, rule.kind or kind
        if kind is None and allow_mixed:
            kind = "mixed"
        size = sum(p.stat().st_size for p in pieces)
        names = tuple(p.relative_to(root).as_posix() for p in pieces) if len(pieces) > 1 else ()
        if kind is None:
            unknown.append(f"{rel} (split: {split or '?'}, kind: ?)")
        elif split is None:
            no_split.append((rel, kind, size, names))
        else:
            refs.append(ArchiveRef(rel, split, kind, size, names))
    if first_broken is not None:
        also = f" (also: {'; '.join(broken[1:])})" if len(broken) > 1 else ""
        raise UnsafeArchive(first_broken.code, first_broken.archive, first_broken.detail + also)
    if no_split and not refs:  # no archive names a split: one split, train
        refs = [ArchiveRef(rel, "train", kind, size, names) for rel, kind, size, names in no_split]
    elif no_split:
        unknown.extend(f"{rel} (split: ?, kind: {kind})" for rel, kind, _, _ in no_split)
    if unknown:
        raise BadInput(
            f"{root}: cannot tell split or label/source of: "
            + "; ".join(unknown)
            + " (name them in dataset.yaml layout.rules, or exclude them in layout.exclude)"
        )
    if not any(r.kind in ("label", "mixed") for r in refs):
        raise BadInput(f"{root}: no label archive found (라벨링데이터, TL_*.zip, VL_*.zip){loose_labels_hint(skipped)}")
    return sorted(refs, key=lambda r: r.path), skipped


_LOOSE_LABELS = frozenset({".csv", ".tsv", ".json", ".jsonl", ".xlsx", ".xml", ".txt"})


def loose_labels_hint(skipped: list[Skipped]) -> str:
    """``"; loose label files are not read ..."`` when files that look like labels lie outside the archives (AI
    Hub ships some datasets' labels as a loose CSV beside zips of WAVs), else ``""``."""
    loose = [s.path for s in skipped if Path(s.path).suffix.lower() in _LOOSE_LABELS and not _tool_folder(s.path)]
    if not loose:
        return ""
    shown = ", ".join(loose[:3]) + (f" (+{len(loose) - 3})" if len(loose) > 3 else "")
    stem = Path(loose[0]).stem
    return (
        f"; label files outside the archives are not read (only zip archives are): {shown}: zip them into a "
        f"label archive beside the sources (e.g. [라벨]{stem}.zip holding {Path(loose[0]).name})"
    )


def _skip_reason(rel: str, layout: LayoutSpec) -> str | None:
    if layout.include and not any(glob_match(p, rel) for p in layout.include):
        return "not in layout.include"
    if any(glob_match(p, rel) for p in layout.exclude):
        return "layout.exclude"
    if layout.skip_tools and _tool_folder(rel):
        return "annotation tool, installer or manual (저작도구·설치 파일·매뉴얼), not data"
    return None
