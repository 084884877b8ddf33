"""Published chunks checked before a reader serves their rows: ``kdata sql`` views, ``kdata download --where``
subsets and the web app's sample rows.

A whole download checks each chunk's sha256 as it arrives; the other readers let DuckDB or Arrow read the
store directly, so a chunk replaced in the store (valid Parquet, other rows) was served as the dataset
(attack trial). Each chunk a reader is about to open is checked against the catalog's size and sha256 once
per host and per stored object: the check is remembered in ``memo`` (under ``KDATA_HOME``) beside the
object's identity (:meth:`storage.base.ObjectStore.identity`: a local file's device, inode, size, mtime and
ctime, which no write can keep; an S3 object's size and ETag). A later read whose object still has that
identity costs a ``stat`` (or a ``HEAD``); a changed object is hashed again. On S3 an object whose ETag is the
one the catalog registered (the ETag of the bytes the run wrote) needs no hash; any other is downloaded and
hashed once. The ``sha256`` in an object's metadata is never trusted here: the bucket's writer sets it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from kcore.atomic import write_atomic
from kcore.errors import KDataError
from storage.base import ObjectStore

__all__ = ["ChunkRef", "Damaged", "check_chunks", "store_key", "verified_memo"]


class Damaged(KDataError):
    """A published object that is not what the catalog registered (missing, another size or sha256)."""


@dataclass(frozen=True)
class ChunkRef:
    """A published chunk as the catalog registered it: store key (``<dataset>/<version>/<chunk key>``),
    size in bytes and sha256."""

    key: str
    size: int
    sha256: str
    etag: str | None = None
    """The ETag the catalog registered (S3: the ETag of the run's bytes); ``None``: none registered."""


def store_key(store: ObjectStore, location: str) -> str | None:
    """The key of the object at ``location`` (a catalog ``content_url``: a local path or an ``s3://`` URL),
    ``None`` when it is not in ``store``."""
    root = store.root_uri().rstrip("/")
    if "://" in root:
        return location[len(root) + 1 :] if location.startswith(root + "/") else None
    real_root, real = os.path.realpath(root), os.path.realpath(location)
    if os.path.commonpath([real_root, real]) != real_root or real == real_root:
        return None
    return Path(os.path.relpath(real, real_root)).as_posix()


def verified_memo(home: Path) -> Path:
    """Where a host remembers the published objects it has checked (under its ``KDATA_HOME``)."""
    return home / "cache" / "verified"


def check_chunks(store: ObjectStore, chunks: Iterable[ChunkRef], memo: Path) -> None:
    """Raise :class:`Damaged` naming the first chunk whose stored object is missing or differs from the
    catalog; remember the ones that match (``memo``: a folder of small files, one per object)."""
    for chunk in chunks:
        identity = store.identity(chunk.key)
        if identity is None:
            raise Damaged(f"{store.uri(chunk.key)}: a published chunk is missing; run `kdata fsck`")
        mark = memo / hashlib.sha256(f"{store.root_uri()}\0{chunk.key}".encode()).hexdigest()
        expected = f"{identity}\n{chunk.size}\n{chunk.sha256}\n"
        try:
            if mark.read_text(encoding="utf-8") == expected:
                continue
        except (FileNotFoundError, UnicodeDecodeError):
            pass
        registered = store.registered_identity(chunk.size, chunk.etag) if chunk.etag else None
        # an S3 object whose ETag is the one of the run's bytes holds them (S3 computes it from what it stores);
        # else its bytes are hashed: never the sha256 its metadata claims, which the bucket's writer sets
        proven = registered is not None and identity == registered
        if not proven and (store.size(chunk.key) != chunk.size or store.content_sha256(chunk.key) != chunk.sha256):
            raise Damaged(
                f"{store.uri(chunk.key)}: differs from what the catalog registered (size or sha256); its rows "
                "are not served (손상된 청크 damaged chunk) — run `kdata fsck`"
            )
        memo.mkdir(parents=True, exist_ok=True)
        write_atomic(mark, expected.encode("utf-8"), fsync=False)
