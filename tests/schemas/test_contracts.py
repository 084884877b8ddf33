"""The typed store documents: byte-identical round trips, one place for the format tag, clear refusals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from schemas.contracts import (
    SELECTION_FORMAT,
    VERSION_FORMAT,
    ContractError,
    Selection,
    UnknownFormat,
    VersionManifest,
)
from storage.fsck import fsck
from storage.local import LocalStore
from storage.publish import load_version_manifest


def _legacy_bytes(document: dict[str, Any]) -> bytes:
    """How the manifest was written before the model existed."""
    return (json.dumps(document, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def _manifest() -> dict[str, Any]:
    return {
        "format": VERSION_FORMAT,
        "dataset_id": "ds",
        "version": "1.0",
        "record_schema": None,
        "content_sha256": "c" * 64,
        "run_id": "run",
        "splits": {"train": {"rows": 3, "chunks": 1, "bytes": 10}},
        "chunks": [
            {
                "key": "train/part-000-00000.parquet",
                "split": "train",
                "rows": 3,
                "bytes": 10,
                "sha256": "s" * 64,
                "source_archive": "TL_1.zip",
                "ranges": {"dialogue_id": ["가나", "다라"], "turns": [1, 2**70]},
            }
        ],
        "quality": {"verdict": "passed", "run_id": "run", "warnings_failed": [], "report": "quality/summary.html"},
        "files": [{"key": "README.md", "bytes": 5, "sha256": "r" * 64}],
    }


def test_version_manifest_round_trip_is_byte_identical() -> None:
    document = _manifest()
    raw = _legacy_bytes(document)
    manifest = VersionManifest.read(raw, "ds/1.0/manifest.json")
    assert manifest.dump() == raw
    assert manifest.chunks[0].ranges == {"dialogue_id": ["가나", "다라"], "turns": [1, 2**70]}
    assert [f.key for f in manifest.version_files] == ["README.md"]
    # keys a version did not have stay absent (no card, no zone map), a newer writer's extra key stays
    del document["files"], document["chunks"][0]["ranges"], document["quality"]["report"]
    document["added_later"] = {"x": 1.5}
    assert VersionManifest.read(_legacy_bytes(document), "m").dump() == _legacy_bytes(document)


def test_the_tag_is_written_even_when_the_input_had_none() -> None:
    built = VersionManifest.parse({"dataset_id": "ds", "version": "1", "content_sha256": "c", "chunks": []})
    assert json.loads(built.dump())["format"] == VERSION_FORMAT


def test_unknown_or_newer_formats_are_refused_naming_the_file() -> None:
    newer = json.dumps({**_manifest(), "format": "kdata.version/2"}).encode()
    with pytest.raises(UnknownFormat, match=r"s3://b/ds/1.0/manifest.json: .*kdata.version/2.*newer.*upgrade"):
        VersionManifest.read(newer, "s3://b/ds/1.0/manifest.json")
    with pytest.raises(UnknownFormat, match=r"not a kdata\.version document"):
        VersionManifest.read(json.dumps({**_manifest(), "format": "kdata.audit-anchor/1"}).encode(), "m.json")
    with pytest.raises(ContractError, match=r"m.json: does not fit .*chunks.0.sha256"):
        broken = _manifest()
        del broken["chunks"][0]["sha256"]
        VersionManifest.read(json.dumps(broken).encode(), "m.json")
    with pytest.raises(ContractError, match=r"m\.json: not a JSON document"):
        VersionManifest.read(b"{", "m.json")


def test_store_readers_name_the_object(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    store.put_bytes_exclusive("ds/1.0/manifest.json", json.dumps({**_manifest(), "format": "kdata.version/9"}).encode())
    with pytest.raises(UnknownFormat, match=str(tmp_path / "store" / "ds" / "1.0" / "manifest.json")):
        load_version_manifest(store, "ds", "1.0")
    problems = fsck(store).damaged
    assert problems[0]["key"] == "manifest.json" and "kdata.version/9" in problems[0]["problem"]


def test_selection() -> None:
    document = {
        "format": SELECTION_FORMAT,
        "dataset_id": "ds",
        "version": "1.0",
        "version_content_sha256": "c",
        "columns": None,
        "where": "a < 1",
        "splits": {
            "train": {
                "file": "train.parquet",
                "rows": 1,
                "bytes": 2,
                "sha256": "s",
                "source_chunks": [{"key": "train/p.parquet", "sha256": "t"}],
                "skipped_chunks": [],
            }
        },
    }
    assert Selection.read(_legacy_bytes(document), "selection.json").dump() == _legacy_bytes(document)
    with pytest.raises(UnknownFormat):
        Selection.read(_legacy_bytes(_manifest()), "selection.json")
