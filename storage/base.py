"""The object-store interface every backend implements (:mod:`storage.stores` picks one for a location)."""

from __future__ import annotations

import builtins
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from kcore.errors import KDataError

if TYPE_CHECKING:
    import duckdb

__all__ = ["MissingObject", "ObjectInfo", "ObjectStore"]


class MissingObject(KDataError):
    """The store has no object under a key the caller expected (a published chunk deleted from the store)."""


@dataclass(frozen=True)
class ObjectInfo:
    """One listed object: key, size in bytes, last modification (POSIX seconds)."""

    key: str
    size: int
    modified: float


class ObjectStore(ABC):
    """Keys are POSIX-style relative paths (``korean-sns/1.0/train/part-000-00000.parquet``).

    Use cases (``kdata download``, ``kdata sql``, the web app) work over this interface only: how DuckDB
    reads the store (:meth:`root_uri`, :meth:`duckdb_source`, :meth:`enable_duckdb`) and whether it hands
    out time-limited links (:attr:`supports_presign`, :meth:`presign`) are answered by the backend.
    """

    supports_presign: bool = False
    """Whether :meth:`presign` returns time-limited URLs (S3); a store without them answers ``None``."""

    @abstractmethod
    def uri(self, key: str) -> str:
        """Where a key lives, as a URI users and DuckDB understand."""

    @abstractmethod
    def put_file(self, local: Path, key: str) -> None:
        """Upload a file; readers never see a partial object."""

    def put_immutable(self, local: Path, key: str) -> bool:
        """Upload a file its writer never changes again (a finished chunk). A store on the same file system
        may hard-link it instead of copying. ``True`` when the object is that very file: nothing was
        transferred, so nothing can differ from what the caller checked."""
        self.put_file(local, key)
        return False

    @abstractmethod
    def put_bytes_exclusive(self, key: str, data: bytes) -> bool:
        """Create ``key`` only if absent; ``False`` when it already existed (nothing written)."""

    @abstractmethod
    def get_bytes(self, key: str) -> bytes | None:
        """The object's content, ``None`` when absent."""

    @abstractmethod
    def size(self, key: str) -> int | None:
        """Size in bytes, ``None`` when absent."""

    @abstractmethod
    def sha256(self, key: str) -> str | None:
        """Hex sha256 of the object's bytes, ``None`` when absent."""

    @abstractmethod
    def copy(self, src: str, dst: str) -> bool:
        """Server-side copy. ``True`` when ``dst`` is ``src``'s very file (a hard link in a local store): nothing
        was transferred, so nothing can differ."""

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove a key (absent is fine)."""

    @abstractmethod
    def list(self, prefix: str) -> list[str]:
        """Keys under a prefix, sorted."""

    @abstractmethod
    def download(self, key: str, local: Path) -> None:
        """Copy an object to a local file."""

    def local_path(self, key: str) -> Path | None:
        """A local filesystem path for the key when the backend has one (for DuckDB views)."""
        return None

    @abstractmethod
    def root_uri(self) -> str:
        """The whole store as DuckDB names it: a folder, or ``s3://bucket/prefix/`` (its allowed root)."""

    def duckdb_source(self, key: str) -> str:
        """How DuckDB reads ``key``: its local path when the backend has one, else its URI."""
        local = self.local_path(key)
        return str(local) if local is not None else self.uri(key)

    def enable_duckdb(self, con: duckdb.DuckDBPyConnection) -> None:  # noqa: B027 - local files need nothing
        """Let ``con`` read this store's objects, and no more of the backend than the store (call before the
        connection's configuration is locked). Local files need nothing."""

    def presign(self, key: str, expires: int) -> str | None:
        """A GET URL for ``key`` valid ``expires`` seconds, ``None`` when the backend has no such links
        (:attr:`supports_presign`). Signed URLs are for the user: never log, audit or store them."""
        return None

    # The defaults below serve backends with local paths; remote backends override them.

    def _local(self, key: str) -> Path:
        path = self.local_path(key)
        if path is None:
            raise NotImplementedError(f"{type(self).__name__} must implement ranged reads")
        return path

    def read_range(self, key: str, start: int, length: int) -> bytes:
        """``length`` bytes from offset ``start`` (fewer at the end of the object)."""
        with self._local(key).open("rb") as handle:
            handle.seek(start)
            return handle.read(max(length, 0))

    def iter_bytes(self, key: str, start: int, block: int = 1 << 20) -> Iterator[bytes]:
        """The object's bytes from offset ``start`` on, in blocks (resumed downloads); :class:`MissingObject`
        when there is no such object."""
        try:
            handle = self._local(key).open("rb")
        except FileNotFoundError:
            raise MissingObject(f"{self.uri(key)}: no such object in the store") from None
        with handle:
            handle.seek(start)
            while data := handle.read(block):
                yield data

    def file_etag(self, path: Path) -> str | None:
        """The ETag an upload of the local file ``path`` gets in this store (``None``: the store has none)."""
        return None

    def registered_identity(self, size: int, etag: str) -> str | None:
        """The :meth:`identity` of an object of ``size`` bytes whose ETag is ``etag`` (``None``: no ETags)."""
        return None

    def content_sha256(self, key: str) -> str | None:
        """:meth:`sha256` of the stored bytes themselves, never of metadata a writer could set (``None``: absent)."""
        return self.sha256(key)

    def identity(self, key: str) -> str | None:
        """What changes whenever the object's bytes may have (``None``: absent): a local file's device, inode,
        size, mtime and ctime (a write or a replacement changes the ctime, which no user can set back)."""
        try:
            stat = os.stat(self._local(key))
        except FileNotFoundError:
            return None
        return f"{stat.st_dev}:{stat.st_ino}:{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ctime_ns}"

    def list_info(self, prefix: str) -> builtins.list[ObjectInfo]:
        """Like :meth:`list`, with sizes and modification times (store maintenance)."""
        infos = []
        for key in self.list(prefix):
            stat = self._local(key).stat()
            infos.append(ObjectInfo(key, stat.st_size, stat.st_mtime))
        return infos
