"""Store maintenance: ``kdata fsck`` finds what crashed publishes left behind, ``kdata gc`` removes it.

What a store can hold besides complete versions:

- **staging** objects ``_staging/<run_id>/...`` of a run that crashed or was abandoned. Always safe to
  delete: a publish verifies every final object before it writes the manifest, so removing a live
  run's staging only makes that run fail and retry, never publishes a broken version.
- **incomplete** versions: chunk objects under ``<dataset>/<version>/`` without ``manifest.json``.
  Invisible to readers; a rerun of the ingest reuses them (found by key and sha256). ``kdata gc
  --incomplete`` removes them when every object is older than ``--min-age``.
- **run states** ``_runs/<run_id>/...``: what a run's stages leave for the next on a remote store
  (:mod:`kdata.run_state`: plan, unit records, quality summary and reports). Normal while a run is live and
  after it (lineage and reruns read them); not a fault. ``kdata gc`` removes a run's state and staging
  together once nothing of either changed for ``--min-age``.
- **temporary files** of the local store (``.<name>.<random>.tmp``) left by a killed writer.
- **damaged** versions: a manifest whose chunks are missing or have another size (or, with
  ``deep``, another sha256); a manifest that lists other chunks, sizes or sha256s than the catalog
  registered for the version (the catalog is what readers trust: a store writer who replaced a chunk and
  rewrote the manifest to match is found too, ``deep`` hashing the bytes against the catalog's sha256).
  Never deleted automatically; reported so an operator can republish.
- **stray** objects inside a complete version that its manifest does not list.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from schemas.contracts import ChunkEntry, ContractError, FileEntry, UnknownFormat, VersionManifest
from storage.base import ObjectInfo, ObjectStore
from storage.layout import CATALOG_PREFIX, QUALITY_PREFIX, RUN_STATE, STAGING, VERSION_MANIFEST

__all__ = ["FsckReport", "fsck", "gc"]


@dataclass
class FsckReport:
    """What :func:`fsck` found; ``to_dict`` is the ``--json`` document."""

    versions: int = 0
    staging: dict[str, list[ObjectInfo]] = field(default_factory=dict)
    run_states: dict[str, list[ObjectInfo]] = field(default_factory=dict)
    incomplete: dict[str, list[ObjectInfo]] = field(default_factory=dict)
    temp_files: list[ObjectInfo] = field(default_factory=list)
    damaged: list[dict[str, str]] = field(default_factory=list)
    stray: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.staging or self.incomplete or self.temp_files or self.damaged or self.stray)

    def to_dict(self) -> dict[str, Any]:
        def group(items: dict[str, list[ObjectInfo]]) -> dict[str, dict[str, Any]]:
            return {
                name: {"objects": len(infos), "bytes": sum(i.size for i in infos), "keys": [i.key for i in infos]}
                for name, infos in sorted(items.items())
            }

        return {
            "clean": self.clean,
            "versions": self.versions,
            "staging": group(self.staging),
            "run_states": {name: len(infos) for name, infos in sorted(self.run_states.items())},
            "incomplete_versions": group(self.incomplete),
            "temp_files": [i.key for i in self.temp_files],
            "damaged": self.damaged,
            "stray": self.stray,
        }


def _local_temp_files(store: ObjectStore) -> list[ObjectInfo]:
    root = store.local_path("")
    if root is None or not root.is_dir():
        return []
    found = []
    for path in root.rglob(".*.tmp"):
        stat = path.stat()
        found.append(ObjectInfo(path.relative_to(root).as_posix(), stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda info: info.key)


Registered = Mapping[str, tuple[int, str]]
"""Store key of each published chunk → (bytes, sha256) as the catalog registered it."""


def _check_version(
    store: ObjectStore,
    prefix: str,
    infos: list[ObjectInfo],
    deep: bool,
    report: FsckReport,
    registered: Registered | None = None,
) -> None:
    manifest_key = f"{prefix}/{VERSION_MANIFEST}"
    try:
        manifest = VersionManifest.read(store.get_bytes(manifest_key) or b"", store.uri(manifest_key))
    except UnknownFormat as error:  # written by a newer kdata: not damaged, but not checkable here
        report.damaged.append({"version": prefix, "key": VERSION_MANIFEST, "problem": str(error)})
        return
    except ContractError:
        report.damaged.append({"version": prefix, "key": VERSION_MANIFEST, "problem": "manifest unreadable"})
        return
    entries: list[ChunkEntry | FileEntry] = [*manifest.chunks, *manifest.version_files]
    chunks = {f"{prefix}/{c.key}": c for c in entries}
    expected = {key: (c.bytes, c.sha256) for key, c in chunks.items()}
    mine = {k: v for k, v in (registered or {}).items() if k.startswith(prefix + "/")}
    for key in sorted(mine):
        if key not in chunks:
            report.damaged.append(
                {"version": prefix, "key": key, "problem": "registered in the catalog, not in the manifest"}
            )
        elif expected[key] != mine[key]:
            report.damaged.append({"version": prefix, "key": key, "problem": "the manifest differs from the catalog"})
        expected[key] = mine[key]  # the catalog's word: what readers check against
    sizes = {i.key: i.size for i in infos}
    for key, (size, sha256) in sorted(expected.items()):
        if key not in sizes:
            report.damaged.append({"version": prefix, "key": key, "problem": "missing"})
        elif sizes[key] != size:
            report.damaged.append({"version": prefix, "key": key, "problem": f"size {sizes[key]} != {size}"})
        elif deep and store.content_sha256(key) != sha256:  # the bytes, not what metadata claims
            report.damaged.append({"version": prefix, "key": key, "problem": "sha256 differs"})
    reports = f"{prefix}/{QUALITY_PREFIX}/"  # the version's quality reports, uploaded before its manifest
    report.stray += sorted(
        k for k in sizes if k not in chunks and not k.endswith("/" + VERSION_MANIFEST) and not k.startswith(reports)
    )


def fsck(store: ObjectStore, *, deep: bool = False, registered: Registered | None = None) -> FsckReport:
    """Check the whole store against the publish protocol (``deep`` also compares sha256), and each version's
    manifest against the chunks the catalog ``registered`` for it."""
    report = FsckReport(temp_files=_local_temp_files(store))
    versions: dict[str, list[ObjectInfo]] = {}
    for info in store.list_info(""):
        parts = info.key.split("/")
        if parts[0] == STAGING and len(parts) > 2:
            report.staging.setdefault(parts[1], []).append(info)
        elif parts[0] == RUN_STATE and len(parts) > 2:
            report.run_states.setdefault(parts[1], []).append(info)
        elif parts[0] == CATALOG_PREFIX:
            continue  # the catalog's audit anchor
        elif len(parts) >= 3:
            versions.setdefault(f"{parts[0]}/{parts[1]}", []).append(info)
        else:
            report.stray.append(info.key)
    for prefix, infos in sorted(versions.items()):
        if any(i.key == f"{prefix}/{VERSION_MANIFEST}" for i in infos):
            report.versions += 1
            _check_version(store, prefix, infos, deep, report, registered)
        else:
            report.incomplete[prefix] = infos
    return report


def _delete(store: ObjectStore, infos: Iterable[ObjectInfo]) -> tuple[int, int]:
    count = size = 0
    for info in infos:
        store.delete(info.key)
        count += 1
        size += info.size
    return count, size


def gc(
    store: ObjectStore, *, min_age: float = 3600.0, incomplete: bool = False, now: float | None = None
) -> dict[str, Any]:
    """Delete staging leftovers and run states (and, with ``incomplete``, incomplete versions) whose objects
    are all older than ``min_age`` s (a run's staging and state count as one group: a live run keeps both)."""
    now = time.time() if now is None else now
    report = fsck(store)
    deleted = {"objects": 0, "bytes": 0}
    kept: list[str] = []
    runs: dict[str, list[ObjectInfo]] = {}
    for run_id, infos in [*report.staging.items(), *report.run_states.items()]:
        runs.setdefault(run_id, []).extend(infos)  # a run's staging and state go together, by the newest
    groups = list(runs.items()) + (list(report.incomplete.items()) if incomplete else [])
    for name, infos in groups:
        if all(now - i.modified >= min_age for i in infos):
            count, size = _delete(store, infos)
            deleted["objects"] += count
            deleted["bytes"] += size
        else:
            kept.append(name)
    root = store.local_path("")
    for info in report.temp_files:
        if root is not None and now - info.modified >= min_age:
            (root / info.key).unlink(missing_ok=True)
            deleted["objects"] += 1
            deleted["bytes"] += info.size
    return {**deleted, "kept_recent": sorted(kept), "after": fsck(store).to_dict()}
