"""A local store publishes a run's finished chunks by hard link (no copy, no second hash), and copies where
the file system refuses links; either way the published bytes are the chunk's, checked once."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path

import pytest

from ingest.chunks import sha256_file
from kcore.errors import BadInput
from schemas.contracts import VersionManifest
from storage.local import LocalStore
from storage.publish import check_files, publish_version
from tests.storage.conftest import write_chunks


def _manifest(chunks: list[dict[str, object]]) -> VersionManifest:
    return VersionManifest.parse({"dataset_id": "ds", "version": "1.0", "content_sha256": "abc", "chunks": chunks})


def test_published_chunks_are_the_run_files_linked(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = write_chunks(tmp_path / "run", 2)
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert result.created and result.uploaded == 2
    for chunk in chunks:
        run_file = tmp_path / "run" / str(chunk["key"])
        published = tmp_path / "store" / "ds" / "1.0" / str(chunk["key"])
        assert published.samefile(run_file)  # one file, two names: nothing copied
        assert sha256_file(published) == chunk["sha256"]
    assert store.list("_staging") == []
    # removing the run folder (kdata gc) leaves the published objects whole
    for chunk in chunks:
        (tmp_path / "run" / str(chunk["key"])).unlink()
    for chunk in chunks:
        assert store.sha256(f"ds/1.0/{chunk['key']}") == chunk["sha256"]


def test_a_file_system_without_links_gets_copies(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_link = os.link

    def refuse(source: str, target: str) -> None:  # chunks cross a device; the manifest's exclusive create does not
        if str(target).endswith(".tmp"):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_link(source, target)

    monkeypatch.setattr(os, "link", refuse)
    store = LocalStore(tmp_path / "store")
    chunks = write_chunks(tmp_path / "run", 2)
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert result.created and result.uploaded == 2
    for chunk in chunks:
        published = tmp_path / "store" / "ds" / "1.0" / str(chunk["key"])
        assert not published.samefile(tmp_path / "run" / str(chunk["key"]))
        assert sha256_file(published) == chunk["sha256"]
    assert [p.name for p in (tmp_path / "store").rglob("*.tmp")] == []  # no temporary file left behind


def test_a_changed_run_chunk_is_refused_before_linking(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    chunks = write_chunks(tmp_path / "run", 1)
    path = tmp_path / "run" / str(chunks[0]["key"])
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match="changed since it was written"):
        publish_version(store, _manifest(chunks), tmp_path / "run", "run-1")
    assert store.list("ds") == []  # nothing published, nothing linked


def test_copy_inside_the_store_links(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "store")
    source = tmp_path / "x.bin"
    source.write_bytes(b"chunk bytes")
    store.put_file(source, "a/x.bin")  # put_file copies: the caller may change its file later
    assert not (tmp_path / "store" / "a" / "x.bin").samefile(source)
    assert store.copy("a/x.bin", "b/x.bin") is True
    assert (tmp_path / "store" / "b" / "x.bin").samefile(tmp_path / "store" / "a" / "x.bin")
    store.delete("a/x.bin")
    assert store.get_bytes("b/x.bin") == b"chunk bytes"


def test_chunks_checked_ahead_are_taken_only_while_they_are_the_files_checked(tmp_path: Path) -> None:
    """Publish takes a hash checked ahead (``check_files``: the warm job hashes the chunks while the quality
    stage runs) for a file that is still the one checked, and reads a file again once it was written since."""
    store = LocalStore(tmp_path / "store")
    chunks = write_chunks(tmp_path / "run", 2)
    paths = [tmp_path / "run" / str(chunk["key"]) for chunk in chunks]
    assert check_files(paths) == {}  # just written: their times cannot vouch for them yet (a coarse clock)
    time.sleep(0.15)
    checked = check_files(paths)
    assert [checked[str(p)][1] for p in paths] == [chunk["sha256"] for chunk in chunks]
    # taken as it is: a check that (falsely) found other bytes refuses the chunk without reading it again
    lying = {**checked, str(paths[0]): (checked[str(paths[0])][0], "0" * 64)}
    with pytest.raises(BadInput, match="changed since it was written"):
        publish_version(store, _manifest(chunks), tmp_path / "run", "run-1", checked=lying)
    assert store.list("ds") == []
    # the same file written again (same bytes, so the version is still right): its check no longer counts
    paths[0].write_bytes(paths[0].read_bytes())
    result = publish_version(store, _manifest(chunks), tmp_path / "run", "run-1", checked=lying)
    assert result.created and result.uploaded == 2
    # a file changed after its check is refused, whatever the check said
    store2 = LocalStore(tmp_path / "store2")
    data = bytearray(paths[1].read_bytes())
    data[10] ^= 0xFF
    paths[1].write_bytes(bytes(data))
    with pytest.raises(BadInput, match="changed since it was written"):
        publish_version(store2, _manifest(chunks), tmp_path / "run", "run-2", checked=checked)
