"""The source files of a split by stem, held compactly: a read-only mapping for label → source joins.

A reader looks each label's source up by stem (``KSNS_00000001`` → ``TS_1.zip!일상대화/KSNS_00000001.txt``).
A ``dict`` of those strings costs ~300 bytes per source file (two Python strings and a slot), so the
index of a split with a million source files took ~300 MiB for the whole extract stage. Here the
member names sit in one UTF-8 buffer with NumPy offsets, and lookups go through a sorted array of
stem hashes: ~60 bytes per source file. The first source with a stem wins (archive order, then name
order), as ``dict.setdefault`` over the sorted names did; where stems repeat (a folder per video of
``frame_0.jpg`` ...), :meth:`SourceIndex.get_near` picks the one in the label's own folder.
"""

from __future__ import annotations

import functools
from array import array
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np

from kcore.limits import DEFAULT_LIMITS, ArchiveLimits

__all__ = ["SourceIndex", "cached_index", "source_stem"]


def source_stem(name: str) -> str:
    """``일상대화/KSNS_00000001.txt`` → ``KSNS_00000001`` (the key labels are joined on)."""
    return name.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _shared_tail(folders: list[str], wanted: list[str]) -> int:
    """How many folders ``folders`` and ``wanted`` share, counted from the innermost."""
    shared = 0
    for have, want in zip(reversed(folders), reversed(wanted), strict=False):
        if have != want:
            break
        shared += 1
    return shared


def _encode(name: str) -> bytes:
    return name.encode("utf-8", "surrogatepass")


def _numpy(values: array[int], dtype: type[np.generic]) -> np.ndarray:
    return np.frombuffer(values, dtype=dtype).copy() if len(values) else np.zeros(0, dtype=dtype)


class SourceIndex(Mapping[str, str]):
    """stem → ``"<archive>!<member>"`` over the members of ``archives`` (paths relative to the dataset).

    Built by :meth:`build` from the archives' central directories; immutable. Hashes are Python's own
    ``hash`` (salted per process): an index is used in the process that built it, never stored.
    """

    def __init__(
        self, archives: list[str], names: bytes, offsets: np.ndarray, owners: np.ndarray, hashes: np.ndarray
    ) -> None:
        self._archives = list(archives)
        self._names = names
        self._offsets = offsets  # int64, n + 1 of them: name i is names[offsets[i]:offsets[i + 1]]
        self._owners = owners  # int32: archive (index into archives) of name i
        self._order = np.argsort(hashes, kind="stable")  # equal hashes keep archive/name order
        self._hashes = hashes[self._order]  # int64: hash of the stem of name order[k], ascending
        self._len: int | None = None
        self._repeats: bool | None = None

    @classmethod
    def build(
        cls,
        root: Path,
        archives: list[str],
        labels_in: Mapping[str, tuple[str, ...]] | None = None,
        limits: ArchiveLimits = DEFAULT_LIMITS,
    ) -> SourceIndex:
        """The index of the file members of ``archives`` (each opened in turn, central directory only).

        ``labels_in``: archives that hold labels beside their sources (mixed), with the label files'
        suffixes; those members are labels, not sources, and stay out of the index."""
        from ingest.archives import list_member_names

        names = bytearray()
        offsets = array("q", [0])
        owners = array("i")
        hashes = array("q")
        labels_in = labels_in or {}
        for number, archive in enumerate(archives):
            skip = tuple(s.lower() for s in labels_in.get(archive, ()))
            for name in list_member_names(root / archive, limits):
                if skip and name.lower().endswith(skip):
                    continue
                names += _encode(name)
                offsets.append(len(names))
                owners.append(number)
                hashes.append(hash(source_stem(name)))
        return cls(
            archives, bytes(names), _numpy(offsets, np.int64), _numpy(owners, np.int32), _numpy(hashes, np.int64)
        )

    @property
    def archives(self) -> list[str]:
        """The source archives indexed (paths relative to the dataset), in build order."""
        return list(self._archives)

    def names(self, archive: int) -> list[str]:
        """The member names of ``archives[archive]``, as :func:`ingest.archives.list_member_names` gave them."""
        start, stop = np.searchsorted(self._owners, [archive, archive + 1]).tolist()
        return [self._name(i) for i in range(start, stop)]

    def _name(self, i: int) -> str:
        return self._names[int(self._offsets[i]) : int(self._offsets[i + 1])].decode("utf-8", "surrogatepass")

    def _find(self, stem: str) -> int | None:
        """Position (in build order) of the first member with ``stem``, or ``None``."""
        target = hash(stem)
        at = int(np.searchsorted(self._hashes, target))
        while at < len(self._hashes) and self._hashes[at] == target:
            i = int(self._order[at])
            if source_stem(self._name(i)) == stem:
                return i
            at += 1
        return None

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        i = self._find(key) if isinstance(key, str) else None
        if i is None:
            return default
        return f"{self._archives[int(self._owners[i])]}!{self._name(i)}"

    @property
    def repeats_stems(self) -> bool:
        """Whether two members may share a stem (frames named alike in a folder per video): then a join asks
        :meth:`get_near` which of them is meant (a hash collision counts too: the careful path, no harm)."""
        if self._repeats is None:
            self._repeats = bool(len(self._hashes) > 1 and np.any(self._hashes[1:] == self._hashes[:-1]))
        return self._repeats

    def get_near(self, key: str, near: str) -> str | None:
        """The member with stem ``key`` whose folders end most like ``near`` (the label's folder, or a folder
        the label names): ``pig03/frame_0.json`` joins ``원천/pig03/frame_0.jpg``, not the first video's
        ``frame_0.jpg``. Ties keep archive and name order (:meth:`get`). Where several files have the stem and
        none of their folders ends like ``near``, none is the label's (``None``: a missing source, reported):
        a transcript of session S000011, whose audio is missing, was joined to session S000009's
        ``000002.wav`` and published (shape trial)."""
        if not isinstance(key, str):
            return None
        target = hash(key)
        at = int(np.searchsorted(self._hashes, target))
        wanted = [part for part in near.split("/") if part]
        best, best_score, candidates = None, -1, 0
        while at < len(self._hashes) and self._hashes[at] == target:
            i = int(self._order[at])
            name = self._name(i)
            if source_stem(name) == key:
                candidates += 1
                score = _shared_tail(name.split("/")[:-1], wanted)
                if score > best_score:
                    best, best_score = i, score
            at += 1
        if best is None or (candidates > 1 and best_score == 0):
            return None
        return f"{self._archives[int(self._owners[best])]}!{self._name(best)}"

    def get_many(self, keys: list[str]) -> list[str | None]:
        """``[self.get(k) for k in keys]``, the hash search and the index arithmetic done by NumPy for all
        keys at once; a key whose first candidate is another stem (a hash collision) is searched alone."""
        if not keys:
            return []
        if not len(self._hashes):
            return [None] * len(keys)
        targets = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=len(keys))
        at = np.minimum(np.searchsorted(self._hashes, targets), len(self._hashes) - 1)
        hit = (self._hashes[at] == targets).tolist()
        first = self._order[at]
        starts, stops = self._offsets[first].tolist(), self._offsets[first + 1].tolist()
        owners, names, archives = self._owners[first].tolist(), self._names, self._archives
        found: list[str | None] = []
        for key, is_hit, start, stop, owner in zip(keys, hit, starts, stops, owners, strict=True):
            if not is_hit:
                found.append(None)
                continue
            name = names[start:stop].decode("utf-8", "surrogatepass")
            found.append(f"{archives[owner]}!{name}" if source_stem(name) == key else self.get(key))
        return found

    def __getitem__(self, key: str) -> str:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key) is not None

    def __iter__(self) -> Iterator[str]:
        """Stems in the order their first source appears."""
        for i in range(len(self._owners)):
            stem = source_stem(self._name(i))
            if self._find(stem) == i:
                yield stem

    def __len__(self) -> int:
        if self._len is None:
            self._len = sum(1 for _ in self)
        return self._len

    @property
    def nbytes(self) -> int:
        """Bytes held (buffers and arrays), for the record."""
        arrays = (self._offsets, self._owners, self._order, self._hashes)
        return len(self._names) + sum(int(a.nbytes) for a in arrays)


def cached_index(
    root: Path,
    archives: list[str],
    labels_in: Mapping[str, tuple[str, ...]] | None = None,
    limits: ArchiveLimits = DEFAULT_LIMITS,
) -> SourceIndex:
    """:meth:`SourceIndex.build`, built once per process and reused while the archives are unchanged
    (same size and mtime): every label archive of a split needs the same index, and the quality
    stage lists the same source members again. Read-only and compact, so callers share it."""
    from ingest.archives import file_stamp

    stamps = tuple(file_stamp(root / archive) for archive in archives)
    labels = tuple(sorted((a, tuple(s)) for a, s in (labels_in or {}).items() if a in archives))
    return _cached(str(root), tuple(archives), stamps, labels, limits)


@functools.lru_cache(maxsize=8)
def _cached(
    root: str,
    archives: tuple[str, ...],
    _stamps: tuple[object, ...],
    labels: tuple[tuple[str, tuple[str, ...]], ...],
    limits: ArchiveLimits,
) -> SourceIndex:
    return SourceIndex.build(Path(root), list(archives), dict(labels), limits)
