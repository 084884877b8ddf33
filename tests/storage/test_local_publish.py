from __future__ import annotations

from pathlib import Path

import pytest

from kcore.errors import BadInput, Conflict
from schemas.contracts import VersionManifest
from storage.local import LocalStore
from storage.publish import load_version_manifest, publish_version
from storage.s3 import S3Store
from storage.stores import open_store
from tests.storage.conftest import write_chunks


def _chunks(root: Path, n: int = 3) -> list[dict[str, object]]:
    return write_chunks(root, n)  # real Parquet: staged objects must have a readable footer


def _manifest(chunks: list[dict[str, object]], content: str = "abc") -> VersionManifest:
    return VersionManifest.model_validate(
        {"dataset_id": "ds", "version": "1.0", "content_sha256": content, "chunks": chunks}
    )


def test_publish_then_rerun_is_a_noop(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = _chunks(tmp_path / "run")
    first = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert first.created and first.uploaded == 3
    assert store.list("ds/1.0") == sorted(["ds/1.0/manifest.json"] + [f"ds/1.0/{c['key']}" for c in chunks])
    for chunk in chunks:
        assert store.sha256(f"ds/1.0/{chunk['key']}") == chunk["sha256"]
    assert store.list("_staging") == []  # staging cleaned after commit
    again = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert not again.created and again.uploaded == 0


def test_same_version_other_content_is_a_conflict(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = _chunks(tmp_path / "run")
    publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    with pytest.raises(Conflict, match="already published with other content"):
        publish_version(store, _manifest(chunks, content="other"), tmp_path / "run", "run-2")
    assert load_version_manifest(store, "ds", "1.0").content_sha256 == "abc"  # type: ignore[union-attr]


def test_crash_before_manifest_leaves_nothing_visible_and_rerun_completes(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = _chunks(tmp_path / "run")
    # A crashed run: one chunk staged, one already copied, no manifest.
    store.put_file(tmp_path / "run" / chunks[0]["key"], f"_staging/run-1/{chunks[0]['key']}")  # type: ignore[str-format]
    store.put_file(tmp_path / "run" / chunks[1]["key"], f"ds/1.0/{chunks[1]['key']}")  # type: ignore[str-format]
    assert load_version_manifest(store, "ds", "1.0") is None
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert result.created
    assert result.uploaded == 1  # chunk 0 was staged, chunk 1 already final: only chunk 2 uploaded
    assert len(store.list("ds/1.0")) == 4


def test_corrupt_final_object_is_replaced(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = _chunks(tmp_path / "run", 1)
    (tmp_path / "store" / "ds" / "1.0" / "train").mkdir(parents=True)
    (tmp_path / "store" / "ds" / "1.0" / chunks[0]["key"]).write_bytes(b"half")  # type: ignore[operator]
    publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert store.sha256(f"ds/1.0/{chunks[0]['key']}") == chunks[0]["sha256"]


def test_exclusive_create(tmp_path: Path) -> None:
    store = LocalStore(tmp_path)
    assert store.put_bytes_exclusive("a/m.json", b"1")
    assert not store.put_bytes_exclusive("a/m.json", b"2")
    assert store.get_bytes("a/m.json") == b"1"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["m.json"]  # no temp files left


def test_keys_cannot_escape_the_store(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="escapes"):
        LocalStore(tmp_path / "s").put_bytes_exclusive("../evil", b"x")


def test_open_store_choices(tmp_path: Path) -> None:
    assert isinstance(open_store(str(tmp_path)), LocalStore)
    s3 = open_store("s3://bucket/some/prefix")
    assert isinstance(s3, S3Store) and s3.uri("ds/1.0/manifest.json") == "s3://bucket/some/prefix/ds/1.0/manifest.json"
    with pytest.raises(BadInput, match="expected s3://bucket/prefix"):
        open_store("s3:///no-bucket")
    with pytest.raises(BadInput, match="expected a local path"):
        open_store("ftp://x")
