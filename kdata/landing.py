"""Landing-zone discovery: find dataset folders that are new or changed since they were last triggered.

A dataset folder is any folder holding a ``dataset.yaml``. Its fingerprint is the sha256 of the
manifest bytes and, per archive, the relative path, the size and the sha256 of the first and last
MiB (cheap on 50 GB archives, and any re-upload changes it). Triggered fingerprints are kept in
``$KDATA_HOME/landing/state.json``; the DAG also derives the triggered run id from the fingerprint,
so even with the state file lost a rescan cannot start the same ingest twice.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from schemas.manifest import MANIFEST_NAME, ManifestError, load_manifest

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
    digest = hashlib.sha256((folder / MANIFEST_NAME).read_bytes())
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST_NAME):
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


def scan_landing(landing: Path, kdata_home: Path, domains_with_dags: set[str]) -> dict[str, list[dict[str, Any]]]:
    """New or changed dataset folders under ``landing`` (``ready``), and folders that cannot be ingested
    (``problems``: bad manifest, or a domain without an ingest DAG), each named by path."""
    state = _load_state(state_path(kdata_home))["triggered"]
    ready: list[dict[str, Any]] = []
    problems: list[dict[str, Any]] = []
    if not landing.is_dir():
        return {"ready": [], "problems": [{"path": str(landing), "error": "landing zone does not exist"}]}
    for manifest_file in sorted(landing.rglob(MANIFEST_NAME)):
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
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temp.write_text(json.dumps(state, ensure_ascii=False, sort_keys=True, indent=2), encoding="utf-8")
    os.replace(temp, path)
