"""The publish protocol on both backends (local files, S3 over HTTP): crashes, reruns, fsck and gc."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import storage.publish
from kcore.config import load_settings
from kcore.errors import Conflict
from kdata.cli import app
from schemas.contracts import ChunkEntry, VersionManifest
from storage.base import ObjectStore
from storage.publish import load_version_manifest, publish_version, verify_object
from storage.stores import open_store

runner = CliRunner()


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest, kdata_home: Path) -> ObjectStore:
    """The store KDATA_STORE selects: the local default, or a fresh bucket on the local S3 server."""
    if request.param == "s3":
        request.getfixturevalue("s3_env")
    return open_store(load_settings().store)


def _manifest(chunks: list[dict[str, Any]], content: str = "abc") -> VersionManifest:
    return VersionManifest.model_validate(
        {"dataset_id": "ds", "version": "1.0", "content_sha256": content, "chunks": chunks}
    )


def _cli_json(*args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def _complete(store: ObjectStore, chunks: list[dict[str, Any]]) -> bool:
    manifest = load_version_manifest(store, "ds", "1.0")
    entries = [ChunkEntry.model_validate(c) for c in chunks]
    return manifest is not None and all(verify_object(store, f"ds/1.0/{c.key}", c, footer=True) for c in entries)


def test_publish_rerun_and_conflict(store: ObjectStore, tmp_path: Path, make_chunks) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run")
    first = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert first.created and first.uploaded == 3
    assert store.list("ds/1.0") == sorted(["ds/1.0/manifest.json"] + [f"ds/1.0/{c['key']}" for c in chunks])
    assert _complete(store, chunks)
    assert store.list("_staging") == []
    assert getattr(store, "downloads_for_hash", 0) == 0  # S3: verified by metadata + ETag, never downloaded
    again = publish_version(store, _manifest(chunks), tmp_path / "run", "run-2")
    assert not again.created and again.uploaded == 0
    with pytest.raises(Conflict, match="already published with other content"):
        publish_version(store, _manifest(chunks, content="other"), tmp_path / "run", "run-3")
    assert load_version_manifest(store, "ds", "1.0").content_sha256 == "abc"  # type: ignore[union-attr]


def test_crash_during_copy_leaves_nothing_visible_and_rerun_completes(
    store: ObjectStore, tmp_path: Path, make_chunks, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run")
    real_copy = store.copy
    calls: list[str] = []

    def crash_on_second_copy(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise RuntimeError("simulated crash")
        real_copy(src, dst)

    monkeypatch.setattr(store, "copy", crash_on_second_copy)
    with pytest.raises(RuntimeError, match="simulated crash"):
        publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert load_version_manifest(store, "ds", "1.0") is None  # readers see nothing
    code, report = _cli_json("fsck")
    assert code == 0 and not report["clean"]
    assert report["staging"]["run-1"]["objects"] == 2  # chunks 0 and 1 staged
    assert report["incomplete_versions"]["ds/1.0"]["objects"] == 1  # chunk 0 copied, no manifest
    assert report["versions"] == 0
    monkeypatch.setattr(store, "copy", real_copy)
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert result.created and result.uploaded == 1  # chunk 0 final, chunk 1 staged: only chunk 2 uploaded
    assert len(store.list("ds/1.0")) == 4 and _complete(store, chunks)
    code, report = _cli_json("fsck", "--deep")
    assert code == 0 and report["clean"] and report["versions"] == 1


def test_crash_after_manifest_leaves_a_complete_version_and_gc_removes_leftovers(
    store: ObjectStore, tmp_path: Path, make_chunks, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run")

    def crash(store: ObjectStore, run_id: str) -> None:
        raise RuntimeError("simulated crash before the staging clean-up")

    monkeypatch.setattr(storage.publish, "_clear_staging", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert _complete(store, chunks)  # the manifest was written last: the version is whole
    code, report = _cli_json("fsck")
    assert code == 0 and report["versions"] == 1 and report["damaged"] == []
    assert sorted(report["staging"]["run-1"]["keys"]) == [f"_staging/run-1/{c['key']}" for c in chunks]
    code, kept = _cli_json("gc")  # default --min-age 3600: a run this recent may still be working
    assert code == 0 and kept["objects"] == 0 and kept["kept_recent"] == ["run-1"]
    code, removed = _cli_json("gc", "--min-age", "0")
    assert code == 0 and removed["objects"] == 3 and removed["bytes"] == sum(c["bytes"] for c in chunks)
    assert removed["after"]["clean"] and _complete(store, chunks)


def test_rerun_after_a_late_crash_clears_its_staging(
    store: ObjectStore, tmp_path: Path, make_chunks, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run")
    real = storage.publish._clear_staging
    monkeypatch.setattr(storage.publish, "_clear_staging", lambda s, r: (_ for _ in ()).throw(RuntimeError("crash")))
    with pytest.raises(RuntimeError):
        publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    monkeypatch.setattr(storage.publish, "_clear_staging", real)
    again = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert not again.created and again.uploaded == 0
    assert store.list("_staging") == [] and _complete(store, chunks)


def test_corrupt_staged_object_is_uploaded_again(store: ObjectStore, tmp_path: Path, make_chunks) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run", 1)
    (tmp_path / "half").write_bytes((tmp_path / "run" / chunks[0]["key"]).read_bytes()[:100])
    store.put_file(tmp_path / "half", f"_staging/run-1/{chunks[0]['key']}")  # a truncated earlier upload
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert result.uploaded == 1 and _complete(store, chunks)


def test_damaged_version_is_reported_and_never_collected(store: ObjectStore, tmp_path: Path, make_chunks) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run")
    publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    store.delete(f"ds/1.0/{chunks[1]['key']}")
    code, report = _cli_json("fsck")
    assert code == 1
    assert report["damaged"] == [{"version": "ds/1.0", "key": f"ds/1.0/{chunks[1]['key']}", "problem": "missing"}]
    code, _ = _cli_json("gc", "--min-age", "0", "--incomplete")
    assert code == 0 and len(store.list("ds/1.0")) == 3  # gc leaves published versions alone


def test_fsck_repair_removes_incomplete_versions_only_when_asked(
    store: ObjectStore, tmp_path: Path, make_chunks
) -> None:  # type: ignore[no-untyped-def]
    chunks = make_chunks(tmp_path / "run", 2)
    store.put_file(tmp_path / "run" / chunks[0]["key"], f"_staging/run-9/{chunks[0]['key']}")
    store.put_file(tmp_path / "run" / chunks[1]["key"], f"ds/2.0/{chunks[1]['key']}")
    code, report = _cli_json("fsck", "--repair", "--min-age", "0")
    assert code == 0 and report["repair"]["objects"] == 1  # staging only
    assert report["repair"]["after"]["incomplete_versions"]["ds/2.0"]["objects"] == 1
    code, result = _cli_json("gc", "--min-age", "0", "--incomplete")
    assert code == 0 and result["objects"] == 1 and result["after"]["clean"]
