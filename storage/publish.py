"""Publish = stage → verify → commit. Readers trust only the version manifest, written last.

The same protocol on every backend (local filesystem, S3):

1. Each chunk is uploaded to ``_staging/<run_id>/`` (skipped when already there with the right sha256).
2. Each staged object is verified: its Parquet footer is readable and counts the rows the chunk writer
   recorded, and size and sha256 equal the manifest's (on S3 the sha256 comes from object metadata
   when the server's ETag proves it, else from a download; see :mod:`storage.s3`).
3. It is copied to the immutable version prefix ``<dataset>/<version>/`` (skipped when already there
   with the right size and sha256) and verified again.
   The version's other files (``files``: the dataset card ``README.md``) go the same way,
   checked by size and sha256 (no Parquet footer).
4. ``<dataset>/<version>/manifest.json`` is created only if absent (exclusive create locally,
   ``IfNoneMatch="*"`` on S3). If it exists with the same content hash the version is already published
   (a rerun is a no-op that only clears its staging leftovers); otherwise it is a conflict.
5. The run's staging objects are deleted.

A crash at any step leaves either no manifest (nothing visible; a rerun reuses what is already staged
or copied, found by key and sha256) or a complete version. Leftovers of a run that never comes back are
listed by ``kdata fsck`` and removed by ``kdata gc``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ingest.chunks import sha256_file
from kcore.errors import BadInput, Conflict, TransientError
from kcore.faults import fault_point
from schemas.contracts import ChunkEntry, FileEntry, VersionManifest
from storage.base import ObjectStore
from storage.layout import STAGING, VERSION_MANIFEST, version_prefix

__all__ = [
    "FileCheck",
    "PublishResult",
    "check_files",
    "clear_staging",
    "footer_rows",
    "load_version_manifest",
    "publish_version",
    "staging_prefix",
    "verify_object",
]

_TAIL = 64 * 1024


@dataclass(frozen=True)
class PublishResult:
    manifest_key: str
    manifest_uri: str
    created: bool  # False: the same version was already published (idempotent rerun)
    uploaded: int  # chunks actually uploaded by this call


def staging_prefix(run_id: str) -> str:
    """Where a run stages its chunks before they are verified and copied."""
    return f"{STAGING}/{run_id}"


def load_version_manifest(store: ObjectStore, dataset_id: str, version: str) -> VersionManifest | None:
    """The published version's manifest, ``None`` when there is none; :class:`~schemas.contracts.ContractError`
    (naming the object) when it is unreadable or of a format this code does not read."""
    key = f"{version_prefix(dataset_id, version)}/{VERSION_MANIFEST}"
    data = store.get_bytes(key)
    return None if data is None else VersionManifest.read(data, store.uri(key))


def footer_rows(store: ObjectStore, key: str, size: int) -> int | None:
    """Rows counted by the Parquet footer of an object (two small ranged reads), ``None`` if unreadable."""
    if size < 12:
        return None
    tail = store.read_range(key, max(0, size - _TAIL), min(size, _TAIL))
    if len(tail) < 8 or tail[-4:] != b"PAR1":
        return None
    length = int.from_bytes(tail[-8:-4], "little")
    if length + 12 > size:
        return None
    if length + 8 > len(tail):
        tail = store.read_range(key, size - length - 8, length + 8)
    try:
        return int(pq.read_metadata(pa.BufferReader(b"PAR1" + tail[-(length + 8) :])).num_rows)
    except (pa.ArrowException, OSError):
        return None


def verify_object(store: ObjectStore, key: str, entry: ChunkEntry | FileEntry, *, footer: bool = False) -> bool:
    """The object exists with the entry's size and sha256 (and, with ``footer``, a footer counting the
    chunk's rows)."""
    if store.size(key) != entry.bytes or store.sha256(key) != entry.sha256:
        return False
    return not footer or (isinstance(entry, ChunkEntry) and footer_rows(store, key, entry.bytes) == entry.rows)


FileCheck = tuple[tuple[int, int, int, int], str]
"""A file's identity (inode, size, mtime and ctime in ns) when it was read, and the sha256 of what was read."""


def _identity(path: Path) -> tuple[int, int, int, int] | None:
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns, found.st_ctime_ns


_RACY_NS = 100_000_000
"""A file written this recently (mtime or ctime) is not vouched for by its identity: file times come from a
coarse clock (one tick, 1-10 ms), so a write in the same tick as the check could leave them as they were."""


def check_files(paths: list[Path]) -> dict[str, FileCheck]:
    """Each file's identity and sha256, for :func:`publish_version`'s ``checked`` (a check done ahead, e.g. in
    a forked child while the quality stage runs). A file is left out (publish reads it itself) when its
    identity changed while it was read, or it was written within :data:`_RACY_NS` of the check."""
    import time

    started = time.time_ns()
    out: dict[str, FileCheck] = {}
    for path in paths:
        before = _identity(path)
        if before is None or started - max(before[2], before[3]) < _RACY_NS:
            continue
        sha = sha256_file(path)
        if _identity(path) == before:
            out[str(path)] = (before, sha)
    return out


def _local_sha256(paths: list[Path], checked: Mapping[str, FileCheck]) -> dict[Path, str | None]:
    """sha256 of each file (``None``: not a file): from ``checked`` where the file is the one checked there
    (same inode, size, mtime and ctime), else read here, two at a time (hashlib hashes without the GIL, so
    a version's chunks are checked in about half the time on two cores)."""
    from concurrent.futures import ThreadPoolExecutor

    found: dict[Path, str | None] = {}
    for path in paths:
        ahead = checked.get(str(path))
        if ahead is not None and ahead[0] == _identity(path):
            found[path] = ahead[1]

    def one(path: Path) -> str | None:
        return sha256_file(path) if path.is_file() else None

    rest = [path for path in paths if path not in found]
    if len(rest) < 2:
        return {**found, **{path: one(path) for path in rest}}
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="kdata-publish-hash") as pool:
        return {**found, **dict(zip(rest, pool.map(one, rest), strict=True))}


def _stage(
    store: ObjectStore, entry: ChunkEntry | FileEntry, root: Path, staged_key: str, local_sha256: str | None
) -> bool:
    """Upload one chunk (footer checked) or another version file to staging unless it is already there
    intact; ``True`` when uploaded. ``local_sha256``: of the local file now (``None``: no such file)."""
    footer = isinstance(entry, ChunkEntry)
    if verify_object(store, staged_key, entry, footer=footer):
        return False
    local = root / entry.key
    if local_sha256 != entry.sha256:
        raise BadInput(f"{local}: the run's chunk is missing or changed since it was written; ingest again")
    if store.put_immutable(local, staged_key):
        return True  # the staged object is the file just checked (a local store's hard link)
    if not verify_object(store, staged_key, entry, footer=footer):
        store.delete(staged_key)
        raise TransientError(f"{store.uri(staged_key)}: footer, size or sha256 differs after upload; try again")
    return True


def _commit_chunk(store: ObjectStore, entry: ChunkEntry | FileEntry, staged_key: str, final_key: str) -> None:
    if store.copy(staged_key, final_key):
        return  # the final object is the staged file itself (a hard link): checked when staged
    if not verify_object(store, final_key, entry):
        raise TransientError(f"{store.uri(final_key)}: size or sha256 differs after copy; try again")


def proven_etags(store: ObjectStore, prefix: str, chunks: Iterable[ChunkEntry], chunk_dir: Path) -> dict[str, str]:
    """Per published chunk (under ``prefix``), the ETag of the run's own bytes (``chunk_dir``) where the stored
    object has it: what the catalog registers for readers to compare instead of hashing (S3 computes the ETag
    from the bytes it stores; the sha256 in an object's metadata is only the uploader's word). None on a store
    without ETags, or where the run's chunks are not on this host (a reader then hashes the object once)."""
    found: dict[str, str] = {}
    for chunk in chunks:
        local = chunk_dir / chunk.key
        etag = store.file_etag(local) if local.is_file() else None
        if etag is not None and store.identity(f"{prefix}/{chunk.key}") == store.registered_identity(chunk.bytes, etag):
            found[chunk.key] = etag
    return found


def clear_staging(store: ObjectStore, run_id: str) -> None:
    """Delete what a run staged (chunks before they are verified and copied, a remote store's extract output)."""
    for key in store.list(staging_prefix(run_id)):
        store.delete(key)


_clear_staging = clear_staging  # publish's own calls (a test interrupts them here)


def publish_version(
    store: ObjectStore,
    manifest: VersionManifest,
    chunk_root: Path,
    run_id: str,
    *,
    file_root: Path | None = None,
    checked: Mapping[str, FileCheck] | None = None,
) -> PublishResult:
    """Publish the manifest's chunks (files under ``chunk_root``) and its other files (under ``file_root``,
    default ``chunk_root``), then the manifest. ``checked``: hashes of those files taken ahead
    (:func:`check_files`), used for each file that is still the one checked."""
    dataset_id, version = manifest.dataset_id, manifest.version
    prefix = version_prefix(dataset_id, version)
    manifest_key = f"{prefix}/{VERSION_MANIFEST}"
    existing = load_version_manifest(store, dataset_id, version)
    if existing is not None:
        return _already(store, existing, manifest, manifest_key, run_id)
    uploaded = 0
    entries: list[tuple[ChunkEntry | FileEntry, Path]] = [(c, chunk_root) for c in manifest.chunks]
    entries += [(f, file_root or chunk_root) for f in manifest.version_files]
    entries = [(entry, root) for entry, root in entries if not verify_object(store, f"{prefix}/{entry.key}", entry)]
    local = _local_sha256([root / entry.key for entry, root in entries], checked or {})  # checked before upload
    for entry, root in entries:
        final_key = f"{prefix}/{entry.key}"
        staged_key = f"{staging_prefix(run_id)}/{entry.key}"
        uploaded += _stage(store, entry, root, staged_key, local[root / entry.key])
        fault_point("publish_staged")
        _commit_chunk(store, entry, staged_key, final_key)
    fault_point("publish_copied")
    created = store.put_bytes_exclusive(manifest_key, manifest.dump())
    if not created:  # another run won the race
        other = load_version_manifest(store, dataset_id, version)
        assert other is not None
        return _already(store, other, manifest, manifest_key, run_id)
    fault_point("publish_manifest")
    _clear_staging(store, run_id)
    return PublishResult(manifest_key, store.uri(manifest_key), True, uploaded)


def _already(
    store: ObjectStore, existing: VersionManifest, manifest: VersionManifest, key: str, run_id: str
) -> PublishResult:
    if existing.content_sha256 != manifest.content_sha256:
        raise Conflict(
            f"{manifest.dataset_id} version {manifest.version} is already published with other content "
            f"({store.uri(key)}); give the new data a new version in dataset.yaml"
        )
    _clear_staging(store, run_id)  # a crash after the manifest and before the clean-up left these
    return PublishResult(key, store.uri(key), False, 0)
