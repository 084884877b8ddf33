"""Dataset folders on S3 as input: the landing-zone scan (:mod:`kdata.landing`) and ``kdata ingest s3://...``.

A dataset folder on S3 is a "directory" (a key prefix) holding ``dataset.yaml``. A folder counts only once
its ``dataset.yaml`` exists, so uploaders put it **last** (as AI Hub's own uploaders do with their
manifest): a folder still being uploaded is not seen.

- **Scan** (:func:`scan_prefix`): one listing of the landing prefix (paginated ``ListObjectsV2``) and one
  GET of each folder's ``dataset.yaml``. A folder's fingerprint is the sha256 of the manifest bytes and of
  the (key, size, ETag) of every object under it: archives are never downloaded for a scan, and any
  re-upload changes the ETag.
- **Ingest** (:func:`fetch_dataset`): the folder is copied to ``$KDATA_HOME/runs/_s3/<location>/<listing>/``
  (one copy per location and listing, so a run being extracted never sees its files replaced by a newer
  upload), every size and ETag checked, and the pipeline then reads the copy like a local folder. A rerun
  finds the copy complete and downloads nothing; objects unchanged since an earlier copy of the same
  location are hard-linked from it instead of downloaded again. A later stage on another host copies only
  what it reads (``only``: ``dataset.yaml`` and the archives it names, with their pieces) into the same
  place.

Object keys are untrusted input, like archive member names (:mod:`ingest.safety`): a key that would leave
the folder (``..``, an absolute path, a drive letter), holds a NUL byte or control characters, has empty or
``.`` components, or is both a file and a folder is refused as :class:`~ingest.limits.UnsafeArchive`
(exit 2, quarantined) before anything but ``dataset.yaml`` is downloaded. The limits of
:class:`~kcore.limits.ArchiveLimits` (``Settings.limits``) bound the download: at most ``KDATA_MAX_MEMBERS``
objects, none larger than ``KDATA_MAX_ARCHIVE_BYTES``, and the whole must fit on the local disk.

The client, its retries (botocore's ``standard`` mode: throttling, 5xx and connection errors) and the error
translation are :class:`~storage.s3.S3Store`'s. Credentials come from boto3's chain (``AWS_*``,
``AWS_ENDPOINT_URL``) and never reach a message, a plan file, XCom or the catalog.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from ingest.archives import logical_archive_name
from ingest.limits import UnsafeArchive
from ingest.safety import check_name
from kcore.atomic import write_atomic
from kcore.errors import BadInput, KDataError, TransientError
from kcore.limits import ArchiveLimits
from schemas.manifest import DATASET_YAML
from storage.s3 import S3Store, _error_code, _translated, parse_s3_url

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kcore.config import Settings

__all__ = [
    "MAX_MANIFEST_BYTES",
    "FolderObject",
    "LandingFolder",
    "canonical_location",
    "fetch_dataset",
    "key_problem",
    "local_copy",
    "scan_prefix",
]

MAX_MANIFEST_BYTES = 1024 * 1024
"""A ``dataset.yaml`` larger than this is not read by the scan (real ones are a few KiB)."""

_LANDING = "KDATA_LANDING"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DATASET_PATH = "the dataset path"


@dataclass(frozen=True)
class FolderObject:
    """One object of a dataset folder: its key relative to the folder, full key, size and ETag (no quotes)."""

    rel: str
    key: str
    size: int
    etag: str


@dataclass(frozen=True)
class LandingFolder:
    """A dataset folder found by :func:`scan_prefix`: its manifest and fingerprint, or why it cannot be used."""

    uri: str
    manifest: bytes | None = None
    fingerprint: str | None = None
    problem: str | None = None


def canonical_location(uri: str) -> str:
    """``s3://bucket/prefix`` without trailing slashes (:class:`BadInput` when malformed)."""
    bucket, prefix = parse_s3_url(uri)
    return f"s3://{bucket}/{prefix}" if prefix else f"s3://{bucket}"


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def key_problem(rel: str) -> tuple[str, str] | None:
    """``(code, detail)`` when an object key (relative to its dataset folder) cannot name a file inside it."""
    found = check_name(rel, rel)
    if found:
        return found
    parts = rel.split("/")
    if any(part in ("", ".") for part in parts):
        return "path_traversal", f"empty or '.' path component in {rel!r}"
    if any(len(part.encode()) > 255 for part in parts):
        return "unsafe_name", f"a path component of {rel!r} is longer than 255 bytes"
    return None


def _printable(text: str) -> str:
    """Control characters (and NUL) escaped, Hangul kept: a key as it may appear in a message or a row."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}", text)


def _check_keys(location: str, objects: list[FolderObject]) -> None:
    """Refuse the first unsafe key, and keys that are a file and a folder at once (``a`` and ``a/b``)."""
    for obj in objects:
        problem = key_problem(obj.rel)
        if problem:
            detail = f"object key {obj.key!r} under {location}: {problem[1]}"
            raise UnsafeArchive(problem[0], _printable(obj.rel), detail)
    names = {obj.rel for obj in objects}
    for obj in objects:
        parts = obj.rel.split("/")
        for n in range(1, len(parts)):
            parent = "/".join(parts[:n])
            if parent in names:
                detail = f"object key {obj.key!r} under {location}: {parent!r} is both a file and a folder"
                raise UnsafeArchive("duplicate_name", parent, detail)


def _list(store: S3Store, prefix: str, location: str, setting: str) -> list[FolderObject]:
    """Every object under ``prefix/`` (the whole bucket for an empty prefix), sorted by key."""
    start = f"{prefix}/" if prefix else ""
    found: list[FolderObject] = []
    with _translated("list", f"{location}/", setting):
        for page in store.client.get_paginator("list_objects_v2").paginate(Bucket=store.bucket, Prefix=start):
            for item in page.get("Contents", []):
                key = str(item["Key"])
                found.append(
                    FolderObject(key[len(start) :], key, int(item["Size"]), str(item.get("ETag", "")).strip('"'))
                )
    return sorted(found, key=lambda obj: obj.key)


def _under(objects: list[FolderObject], keys: list[str], folder: str) -> list[FolderObject]:
    """The objects of ``folder`` (a full key prefix; ``""`` is the bucket), ``rel`` relative to it.
    Zero-byte "folder marker" keys ending in ``/`` (made by some upload tools) are left out."""
    start = f"{folder}/" if folder else ""
    first = bisect.bisect_left(keys, start)
    found = []
    for obj in objects[first:]:
        if not obj.key.startswith(start):
            break
        rel = obj.key[len(start) :]
        if rel.endswith("/") and obj.size == 0:
            continue
        found.append(FolderObject(rel, obj.key, obj.size, obj.etag))
    return found


def fingerprint(manifest: bytes, objects: list[FolderObject]) -> str:
    """Content fingerprint of a dataset folder on S3: manifest bytes + (key, size, ETag) of every object."""
    digest = hashlib.sha256(manifest)
    for obj in sorted(objects, key=lambda o: o.rel):
        if obj.rel != DATASET_YAML and not _hidden(obj.rel):
            digest.update(f"\0{obj.rel}\0{obj.size}\0{obj.etag}".encode())
    return digest.hexdigest()


def _get_small(store: S3Store, key: str, uri: str, setting: str) -> bytes | None:
    """An object's bytes, ``None`` when it vanished since the listing."""
    with _translated("read", uri, setting):
        try:
            response = store.client.get_object(Bucket=store.bucket, Key=key)
        except ClientError as error:
            code, status = _error_code(error)
            if code in ("404", "NoSuchKey", "NotFound") or status == 404:
                return None
            raise
        return bytes(response["Body"].read(MAX_MANIFEST_BYTES + 1))


def scan_prefix(landing: str) -> list[LandingFolder]:
    """Every dataset folder (a prefix holding ``dataset.yaml``) under the landing prefix ``s3://bucket/prefix``."""
    bucket, prefix = parse_s3_url(landing)
    location = canonical_location(landing)
    store = S3Store(bucket, prefix)
    everything = _list(store, prefix, location, _LANDING)
    keys = [obj.key for obj in everything]
    found: list[LandingFolder] = []
    for obj in everything:
        if obj.rel != DATASET_YAML and not obj.rel.endswith(f"/{DATASET_YAML}"):
            continue
        cut = len(DATASET_YAML) + 1  # "/dataset.yaml"
        folder, where = (prefix, "") if obj.rel == DATASET_YAML else (obj.key[:-cut], obj.rel[:-cut])
        uri = f"s3://{bucket}/{folder}" if folder else f"s3://{bucket}"
        problem = key_problem(where) if where else None
        if problem:
            found.append(LandingFolder(uri, problem=f"unsafe folder name {obj.key!r}: {problem[1]}"))
            continue
        objects = _under(everything, keys, folder)
        try:
            _check_keys(uri, objects)
        except UnsafeArchive as error:
            found.append(LandingFolder(uri, problem=str(error)))
            continue
        if obj.size > MAX_MANIFEST_BYTES:
            found.append(
                LandingFolder(uri, problem=f"{DATASET_YAML} has {obj.size:,} bytes (over {MAX_MANIFEST_BYTES:,})")
            )
            continue
        manifest = _get_small(store, obj.key, f"{uri}/{DATASET_YAML}", _LANDING)
        if manifest is None:
            continue  # deleted (or being replaced) since the listing: the next scan sees it
        found.append(LandingFolder(uri, manifest, fingerprint(manifest, objects)))
    return found


# -- the local copy for an ingest ------------------------------------------------------------------


def _copy_path(settings: Settings, location: str, objects: list[FolderObject]) -> Path:
    """``$KDATA_HOME/runs/_s3/<sha of location>/<sha of listing>``: one copy per location and content."""
    listing = hashlib.sha256()
    for obj in objects:
        listing.update(f"{obj.rel}\0{obj.size}\0{obj.etag}\n".encode())
    place = hashlib.sha256(location.encode()).hexdigest()[:16]
    return settings.runs_dir / "_s3" / place / listing.hexdigest()[:16]


def _folder_objects(store: S3Store, prefix: str, location: str) -> list[FolderObject]:
    objects = _list(store, prefix, location, _DATASET_PATH)
    return [o for o in objects if not (o.rel.endswith("/") and o.size == 0)]


def local_copy(settings: Settings, uri: str) -> Path | None:
    """Where :func:`fetch_dataset` puts (or put) the current content of ``uri``; ``None`` when it cannot be listed."""
    try:
        bucket, prefix = parse_s3_url(uri)
        location = canonical_location(uri)
        return _copy_path(settings, location, _folder_objects(S3Store(bucket, prefix), prefix, location))
    except KDataError:
        return None


def _linkable(parent: Path, own: str) -> dict[tuple[str, int, str], Path]:
    """Files of earlier complete copies of the same location, by (key, size, ETag)."""
    found: dict[tuple[str, int, str], Path] = {}
    for record_path in sorted(parent.glob("*.json")):
        if record_path.stem == own:
            continue
        try:
            record = json.loads(record_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        for rel, info in record.get("objects", {}).items():
            path = parent / record_path.stem / rel
            if not key_problem(rel) and path.is_file() and path.stat().st_size == info["size"]:
                found[(rel, int(info["size"]), str(info["etag"]))] = path
    return found


def _complete(path: Path, size: int) -> bool:
    return path.is_file() and not path.is_symlink() and path.stat().st_size == size


def _download(store: S3Store, obj: FolderObject, location: str, partial: Path, dest: Path) -> None:
    """Download one object to ``dest`` through ``partial``; its size and ETag must be the listed ones."""
    uri = f"{location}/{obj.rel}"
    temp = partial / obj.rel
    temp.parent.mkdir(parents=True, exist_ok=True)
    with _translated("download", uri, _DATASET_PATH):
        store.client.download_file(store.bucket, obj.key, str(temp), Config=store.transfer)
        head = store.client.head_object(Bucket=store.bucket, Key=obj.key)
    got = temp.stat().st_size
    etag = str(head.get("ETag", "")).strip('"')
    if got != obj.size or int(head["ContentLength"]) != obj.size or etag != obj.etag:
        temp.unlink(missing_ok=True)
        raise TransientError(
            f"{uri}: the object changed while it was downloaded (listed {obj.size:,} bytes, ETag {obj.etag}; "
            f"got {got:,} bytes, ETag now {etag}); try again"
        )
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(temp, dest)  # not kcore.atomic: boto writes into the .partial tree, checked before the rename


def _pieces(objects: list[FolderObject], archive: str, location: str) -> list[FolderObject]:
    """The objects of archive ``archive`` (relative to the folder): the file itself, or its pieces
    (``a.zip.partN``, ``a.zNN`` and ``a.zip``; :func:`ingest.archives.logical_archive_name`)."""
    folder, _, name = archive.rpartition("/")
    found = []
    for obj in objects:
        parent, _, own = obj.rel.rpartition("/")
        logical = logical_archive_name(own)
        if obj.rel == archive or (parent == folder and logical is not None and logical.lower() == name.lower()):
            found.append(obj)
    if not found:
        raise BadInput(f"{location}/{archive}: no such object (the folder changed since the run was planned)")
    return found


def _fetch(
    store: S3Store,
    location: str,
    objects: list[FolderObject],
    target: Path,
    limits: ArchiveLimits,
    only: Iterable[str] | None = None,
) -> None:
    record_path = target.with_name(f"{target.name}.json")
    wanted: dict[str, dict[str, Any]] = {o.rel: {"size": o.size, "etag": o.etag} for o in objects if not _hidden(o.rel)}
    manifest = next(o for o in objects if o.rel == DATASET_YAML)
    if (
        record_path.is_file()
        and all(_complete(target / rel, i["size"]) for rel, i in wanted.items())
        and json.loads(record_path.read_text(encoding="utf-8")).get("objects") == wanted
    ):
        return  # a complete copy of exactly this listing: nothing to download
    partial = target.with_name(f"{target.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)  # leftovers of a killed download
    if not _complete(target / DATASET_YAML, manifest.size):
        _download(store, manifest, location, partial, target / DATASET_YAML)  # first: names the dataset
    _check_keys(location, objects)
    files = [o for o in objects if not _hidden(o.rel)]
    if only is not None:  # a stage's part of the folder: the manifest and these archives
        chosen = {o.rel: o for archive in only for o in _pieces(files, archive, location)}
        files = [manifest, *(o for rel, o in sorted(chosen.items()) if rel != DATASET_YAML)]
    if len(files) > limits.max_members:
        raise BadInput(f"{location}: {len(files):,} objects, over KDATA_MAX_MEMBERS={limits.max_members:,}")
    for obj in files:
        if obj.size > limits.max_archive_bytes:
            raise BadInput(
                f"{location}/{obj.rel}: {obj.size:,} bytes, over KDATA_MAX_ARCHIVE_BYTES={limits.max_archive_bytes:,}"
            )
    linkable = _linkable(target.parent, target.name)
    missing = [o for o in files if not _complete(target / o.rel, o.size)]
    needed = sum(o.size for o in missing if (o.rel, o.size, o.etag) not in linkable)
    free = shutil.disk_usage(target).free
    if needed > free:
        raise KDataError(f"{location}: the copy needs {needed:,} bytes under {target.parent}, only {free:,} free")
    for obj in missing:
        dest = target / obj.rel
        earlier = linkable.get((obj.rel, obj.size, obj.etag))
        if earlier is not None:
            temp = partial / obj.rel
            temp.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(earlier, temp)  # a hard link to an earlier copy, renamed into place: not kcore.atomic
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(temp, dest)
                continue
            except OSError:
                temp.unlink(missing_ok=True)
        _download(store, obj, location, partial, dest)
    shutil.rmtree(partial, ignore_errors=True)
    if only is not None:
        return  # a part: the record below marks a complete copy only
    record: dict[str, Any] = {"source": location, "objects": wanted}
    write_atomic(record_path, json.dumps(record, ensure_ascii=False, sort_keys=True, indent=2).encode(), fsync=False)


def fetch_dataset(settings: Settings, uri: str, only: Iterable[str] | None = None) -> Path:
    """Copy the dataset folder at ``s3://bucket/prefix`` into ``$KDATA_HOME/runs/_s3/`` and return the copy.

    ``only`` (archive paths relative to the folder): copy ``dataset.yaml`` and these archives (their pieces
    too) and nothing else, into the same place a whole copy of this listing goes (what a stage on another
    host reads); :class:`BadInput` when one of them is not in the folder.

    :class:`BadInput` (exit 2) naming the location when it holds no objects or no ``dataset.yaml``;
    :class:`~ingest.limits.UnsafeArchive` naming the key when a key is unsafe (nothing else downloaded).
    Idempotent: a complete copy of the same listing is reused as it is; files already copied are kept.
    """
    from kcore.runlock import run_lock

    bucket, prefix = parse_s3_url(uri)
    location = canonical_location(uri)
    store = S3Store(bucket, prefix)
    objects = _folder_objects(store, prefix, location)
    if not objects:
        raise BadInput(f"{location}: no such dataset folder (no objects under this prefix)")
    if not any(o.rel == DATASET_YAML for o in objects):
        raise BadInput(
            f"{location}: no {DATASET_YAML} in this folder: not a dataset folder, or still being uploaded "
            f"(uploaders put {DATASET_YAML} last)"
        )
    target = _copy_path(settings, location, objects)
    target.mkdir(parents=True, exist_ok=True)
    with run_lock(target.with_name(f"{target.name}.lock")):  # one download per copy; a second process waits
        _fetch(store, location, objects, target, settings.limits, only)
    return target
