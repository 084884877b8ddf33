"""Publish = stage → verify → commit. Readers trust only the version manifest, written last.

1. Each chunk is uploaded to ``_staging/<run_id>/`` (skipped when already there with the right sha256).
2. Each staged object is verified: size and sha256 equal what the chunk writer recorded.
3. It is copied to the immutable version prefix ``<dataset>/<version>/`` (skipped when already there).
4. ``<dataset>/<version>/manifest.json`` is created only if absent. If it exists with the same
   content hash the version is already published (a rerun is a no-op); otherwise it is a conflict.
A crash at any step leaves either no manifest (nothing visible) or a complete version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kdata.errors import Conflict
from storage.base import ObjectStore

__all__ = ["PublishResult", "manifest_bytes", "publish_version", "read_version_manifest", "version_prefix"]


@dataclass(frozen=True)
class PublishResult:
    manifest_key: str
    manifest_uri: str
    created: bool  # False: the same version was already published (idempotent rerun)
    uploaded: int  # chunks actually uploaded by this call


def version_prefix(dataset_id: str, version: str) -> str:
    return f"{dataset_id}/{version}"


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """Canonical JSON bytes: sorted keys, UTF-8, trailing newline."""
    return (json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def read_version_manifest(store: ObjectStore, dataset_id: str, version: str) -> dict[str, Any] | None:
    data = store.get_bytes(f"{version_prefix(dataset_id, version)}/manifest.json")
    return None if data is None else json.loads(data)


def _verify(store: ObjectStore, key: str, size: int, sha256: str) -> bool:
    return store.size(key) == size and store.sha256(key) == sha256


def publish_version(store: ObjectStore, manifest: dict[str, Any], chunk_root: Path, run_id: str) -> PublishResult:
    """Publish the chunks listed in ``manifest["chunks"]`` (files under ``chunk_root``), then the manifest."""
    dataset_id, version = manifest["dataset_id"], manifest["version"]
    prefix = version_prefix(dataset_id, version)
    manifest_key = f"{prefix}/manifest.json"
    existing = read_version_manifest(store, dataset_id, version)
    if existing is not None:
        return _already(store, existing, manifest, manifest_key)
    staging = f"_staging/{run_id}"
    uploaded = 0
    for chunk in manifest["chunks"]:
        final_key = f"{prefix}/{chunk['key']}"
        if _verify(store, final_key, chunk["bytes"], chunk["sha256"]):
            continue
        staged_key = f"{staging}/{chunk['key']}"
        if not _verify(store, staged_key, chunk["bytes"], chunk["sha256"]):
            store.put_file(chunk_root / chunk["key"], staged_key)
            uploaded += 1
            if not _verify(store, staged_key, chunk["bytes"], chunk["sha256"]):
                raise OSError(f"{store.uri(staged_key)}: size or sha256 differs after upload")
        store.copy(staged_key, final_key)
        if not _verify(store, final_key, chunk["bytes"], chunk["sha256"]):
            raise OSError(f"{store.uri(final_key)}: size or sha256 differs after copy")
    created = store.put_bytes_exclusive(manifest_key, manifest_bytes(manifest))
    if not created:  # another run won the race
        other = read_version_manifest(store, dataset_id, version)
        assert other is not None
        return _already(store, other, manifest, manifest_key)
    for key in store.list(staging):
        store.delete(key)
    return PublishResult(manifest_key, store.uri(manifest_key), True, uploaded)


def _already(store: ObjectStore, existing: dict[str, Any], manifest: dict[str, Any], key: str) -> PublishResult:
    if existing.get("content_sha256") != manifest.get("content_sha256"):
        raise Conflict(
            f"{manifest['dataset_id']} version {manifest['version']} is already published with other content "
            f"({store.uri(key)}); give the new data a new version in dataset.yaml"
        )
    return PublishResult(key, store.uri(key), False, 0)
