"""Files the web app hands out: quality reports (only under ``$KDATA_HOME/reports``) and verified chunks.

Report paths come from the URL, so they are resolved (``..`` and symbolic links included) and must
stay inside the reports folder. Chunk downloads never take a path from the URL: the dataset, version
and key are looked up in the catalog, the store key is built from them, and the bytes are checked
against the catalog's sha256 and size before the first byte is sent (the same open file is then
streamed, so a file swapped in between is not what gets sent).
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import duckdb

from kcore.errors import KDataError, NotAllowed
from storage.base import ObjectStore
from storage.layout import version_prefix
from storage.verify import ChunkRef as VerifiedRef
from storage.verify import Damaged, check_chunks

__all__ = [
    "ChunkMismatch",
    "ChunkRef",
    "find_chunk",
    "iter_file",
    "media_type",
    "open_verified",
    "presigned_url",
    "report_file",
    "report_href",
]

BLOCK = 1 << 20


class ChunkMismatch(KDataError):
    """The stored chunk differs from the catalog (size or sha256): nothing is sent."""


@dataclass(frozen=True)
class ChunkRef:
    """One published chunk as the catalog records it."""

    dataset_id: str
    version: str
    split: str
    key: str
    sha256: str
    size: int
    rows: int
    etag: str | None = None
    """The ETag the catalog registered (S3: the ETag of the run's bytes), ``None`` when none."""

    @property
    def store_key(self) -> str:
        return f"{version_prefix(self.dataset_id, self.version)}/{self.key}"

    @property
    def filename(self) -> str:
        return f"{self.dataset_id}-{self.version}-{self.key.replace('/', '-')}"


def report_file(reports_dir: Path, relative: str) -> Path:
    """The file a ``/reports/<relative>`` URL names; :class:`NotAllowed` outside the reports folder."""
    if "\x00" in relative or "\\" in relative:
        raise NotAllowed("보고서 폴더 밖의 경로는 열 수 없습니다 (path refused: outside the reports folder)")
    root = reports_dir.resolve()
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise NotAllowed("보고서 폴더 밖의 경로는 열 수 없습니다 (path refused: outside the reports folder)")
    if candidate.is_dir():
        candidate = candidate / "index.html"
    if not candidate.is_file():
        raise FileNotFoundError(relative)
    return candidate


def report_href(path: str | None, reports_dir: Path) -> str | None:
    """The path of a report file relative to the reports folder (for ``/reports/...``), or ``None``."""
    if not path:
        return None
    try:
        return Path(path).resolve().relative_to(reports_dir.resolve()).as_posix()
    except ValueError:
        return None


def media_type(path: Path) -> str:
    """Content type by file name; HTML and text are UTF-8."""
    guessed = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if guessed.startswith("text/") or guessed in ("application/json", "application/javascript"):
        return f"{guessed}; charset=utf-8"
    return guessed


def find_chunk(con: duckdb.DuckDBPyConnection, dataset_id: str, version: str, key: str) -> ChunkRef | None:
    """The catalog's record of one chunk, ``None`` when the catalog has no such chunk."""
    row = con.execute(
        "SELECT split, key, sha256, content_size, record_count, etag FROM chunks WHERE dataset_id = ? "
        "AND version = ? AND key = ?",
        [dataset_id, version, key],
    ).fetchone()
    if row is None:
        return None
    etag = None if row[5] is None else str(row[5])
    return ChunkRef(dataset_id, version, str(row[0]), str(row[1]), str(row[2]), int(row[3]), int(row[4]), etag)


def _hash_handle(handle: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    while block := handle.read(BLOCK):
        digest.update(block)
        size += len(block)
    return digest.hexdigest(), size


def open_verified(store: ObjectStore, ref: ChunkRef) -> IO[bytes]:
    """The local chunk file opened for reading, after its size and sha256 matched the catalog."""
    path = store.local_path(ref.store_key)
    if path is None:
        raise KDataError(f"{store.uri(ref.store_key)}: not a local file")
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise ChunkMismatch(f"{ref.store_key}: missing from the store; run `kdata fsck`") from None
    try:
        digest, size = _hash_handle(handle)
        if size != ref.size or digest != ref.sha256:
            raise ChunkMismatch(
                f"{ref.store_key}: 저장본이 카탈로그와 다릅니다 (stored chunk differs from the catalog: "
                f"size {size} vs {ref.size}, sha256 mismatch={digest != ref.sha256}); run `kdata fsck`"
            )
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle


def iter_file(handle: IO[bytes]) -> Iterator[bytes]:
    """The file's bytes in blocks; closes it at the end."""
    try:
        while block := handle.read(BLOCK):
            yield block
    finally:
        handle.close()


def presigned_url(store: ObjectStore, ref: ChunkRef, memo: Path, expires: int = 300) -> str | None:
    """A short-lived presigned GET URL when the store offers one (S3), after the check every reader makes
    (:func:`storage.verify.check_chunks`: the registered ETag, else the bytes hashed; remembered in ``memo``)."""
    if not store.supports_presign:
        return None
    try:
        check_chunks(store, [VerifiedRef(ref.store_key, ref.size, ref.sha256, ref.etag)], memo)
    except Damaged as error:
        raise ChunkMismatch(str(error)) from None
    return store.presign(ref.store_key, expires)
