"""Landing-zone discovery: find dataset folders that are new or changed since they were last triggered.

A dataset folder is any folder holding a ``dataset.yaml``. Its fingerprint is the sha256 of the
manifest bytes and, per archive, the relative path, the size and the sha256 of the first and last
MiB (cheap on 50 GB archives, and any re-upload changes it). Triggered fingerprints are kept in
``$KDATA_HOME/landing/state.json``; the DAG also derives the triggered run id from the fingerprint,
so even with the state file lost a rescan cannot start the same ingest twice.

The landing zone may also be an S3 prefix (``s3://bucket/prefix``): a dataset folder is then a
"directory" under it holding ``dataset.yaml``, fingerprinted from the manifest bytes and the (key, size,
ETag) of every object under it, without downloading anything else (:mod:`storage.s3_input`). Only
folders whose ``dataset.yaml`` exists are seen, so uploaders put it last. Same state file, same rules.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from kcore.atomic import write_atomic
from schemas.manifest import (
    DATASET_YAML,
    DatasetManifest,
    ManifestError,
    load_manifest,
    manifest_data,
    parse_manifest,
)

__all__ = ["fingerprint", "mark_triggered", "scan_landing", "state_path"]

_EDGE = 1 << 20


def state_path(kdata_home: Path) -> Path:
    return kdata_home / "landing" / "state.json"


def _edges_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    size = path.stat().st_size
    with path.open("rb") as handle:
        digest.update(handle.read(_EDGE))
        if size > 2 * _EDGE:
            handle.seek(size - _EDGE)
            digest.update(handle.read(_EDGE))
    return digest.hexdigest()


def fingerprint(folder: Path) -> str:
    """Content fingerprint of a dataset folder (manifest + archives)."""
    digest = hashlib.sha256((folder / DATASET_YAML).read_bytes())
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != DATASET_YAML):
        rel = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in rel.split("/")):
            continue
        digest.update(f"\0{rel}\0{path.stat().st_size}\0{_edges_sha256(path)}".encode())
    return digest.hexdigest()


def _load_state(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {"triggered": {}}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _manifest_from_bytes(raw: bytes, where: str) -> DatasetManifest:
    """Parse a manifest read from S3 as :func:`load_manifest` parses a file; errors name ``where``."""
    try:
        return parse_manifest(manifest_data(raw, Path(DATASET_YAML)), Path(DATASET_YAML))
    except ManifestError as error:
        problems = "\n".join(f"  - {p}" for p in error.problems)
        raise ValueError(f"{where}: invalid dataset manifest:\n{problems}") from None


def _scan_s3(landing: str, state: dict[str, str], domains_with_dags: set[str]) -> dict[str, list[dict[str, Any]]]:
    from storage.s3_input import scan_prefix

    ready: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    for folder in scan_prefix(landing):
        if folder.problem is not None or folder.manifest is None or folder.fingerprint is None:
            problems.append({"path": folder.uri, "error": folder.problem or "unreadable"})
            continue
        try:
            manifest = _manifest_from_bytes(folder.manifest, f"{folder.uri}/{DATASET_YAML}")
        except ValueError as error:
            problems.append({"path": folder.uri, "error": str(error)})
            continue
        if manifest.domain not in domains_with_dags:
            problems.append({"path": folder.uri, "error": f"no ingest DAG for domain {manifest.domain!r}"})
            continue
        if state.get(folder.uri) == folder.fingerprint:
            continue
        ready.append(
            {
                "dataset_path": folder.uri,
                "dataset_id": manifest.id,
                "version": manifest.version,
                "domain": manifest.domain,
                "fingerprint": folder.fingerprint,
            }
        )
    return {"ready": ready, "problems": problems}


def scan_landing(landing: Path | str, kdata_home: Path, domains_with_dags: set[str]) -> dict[str, list[dict[str, Any]]]:
    """New or changed dataset folders under ``landing`` (``ready``), and folders that cannot be ingested
    (``problems``: bad manifest, unsafe object keys, or a domain without an ingest DAG), each named by path.

    ``landing`` is a local folder or an S3 prefix ``s3://bucket/prefix`` (then each path is an ``s3://`` URI).
    """
    state = _load_state(state_path(kdata_home))["triggered"]
    if isinstance(landing, str) and landing.startswith("s3://"):
        return _scan_s3(landing, state, domains_with_dags)
    landing = Path(landing)
    ready: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    if not landing.is_dir():
        return {"ready": [], "problems": [{"path": str(landing), "error": "landing zone does not exist"}]}
    for manifest_file in sorted(landing.rglob(DATASET_YAML)):
        folder = manifest_file.parent
        try:
            manifest = load_manifest(folder)
        except ManifestError as error:
            problems.append({"path": str(folder), "error": str(error)})
            continue
        if manifest.domain not in domains_with_dags:
            problems.append({"path": str(folder), "error": f"no ingest DAG for domain {manifest.domain!r}"})
            continue
        fp = fingerprint(folder)
        if state.get(str(folder)) == fp:
            continue
        ready.append(
            {
                "dataset_path": str(folder),
                "dataset_id": manifest.id,
                "version": manifest.version,
                "domain": manifest.domain,
                "fingerprint": fp,
            }
        )
    return {"ready": ready, "problems": problems}


def mark_triggered(kdata_home: Path, items: list[dict[str, Any]]) -> None:
    """Remember the fingerprints that were triggered (atomic write)."""
    path = state_path(kdata_home)
    state = _load_state(path)
    for item in items:
        state["triggered"][item["dataset_path"]] = item["fingerprint"]
    write_atomic(path, json.dumps(state, ensure_ascii=False, sort_keys=True, indent=2).encode(), fsync=False)
