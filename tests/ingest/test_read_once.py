"""Each archive is read once (issue 18): a cheap fingerprint at plan time, the full sha256 from extraction's reads.

See :mod:`ingest.fingerprint`. The full hash must equal :func:`ingest.archives.archive_sha256` whatever the
order of the reads (sequential, backwards, two threads, pieces); the plan must read a small part of the
input; a whole ingest about one copy of it; and a changed archive is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

from ingest.archives import OpenArchive, archive_sha256, iter_members, list_member_names
from ingest.fingerprint import ArchiveHasher, archive_fingerprint, full_sha256, hashing, record_full_hash
from kcore.config import load_settings
from kcore.errors import BadInput
from kdata import pipeline
from kdata.run_input import load_plan
from kdata.samples.layout import span_volumes, split_parts, write_zip

MEMBERS = {f"폴더/파일_{n:03d}.json": os.urandom(2000 + 37 * n) for n in range(120)}


def _zip(path: Path, members: dict[str, bytes] = MEMBERS) -> Path:
    write_zip(path, members)
    return path


def _hash_while(path: Path, read: object) -> ArchiveHasher:
    hasher = ArchiveHasher(path, path.name, archive_fingerprint(path))
    with hashing([hasher]):
        read()  # type: ignore[operator]
    return hasher


def test_fingerprint_reads_ends_and_directory_only(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip")
    found = archive_fingerprint(path)
    size = path.stat().st_size
    assert found["size"] == size > 200_000
    read = sum(b - a for a, b in found["ranges"])
    assert read < 64 * 1024 * 2 + (size - found["directory"]) + 1
    assert found["ranges"][0] == [0, 65536] and found["ranges"][-1][1] == size
    copy = tmp_path / "elsewhere" / "TL_1.zip"
    copy.parent.mkdir()
    shutil.copy2(path, copy)
    os.utime(copy, (1, 1))
    assert archive_fingerprint(copy) == found  # no path, no mtime: the same input on any machine


def test_a_changed_member_changes_the_fingerprint(tmp_path: Path) -> None:
    """Same size, one byte of one member changed in the middle of the archive: its CRC-32 in the
    central directory changes, so the fingerprint does (the head and tail are the same bytes)."""
    path = _zip(tmp_path / "a.zip", {k: v for k, v in MEMBERS.items()})
    before = archive_fingerprint(path)
    changed = dict(MEMBERS)
    name = sorted(MEMBERS)[60]
    changed[name] = bytes([changed[name][0] ^ 1]) + changed[name][1:]
    _zip(path, changed)
    assert path.stat().st_size == before["size"]
    assert archive_fingerprint(path)["sha256"] != before["sha256"]


def test_the_full_hash_comes_from_the_reads_made(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip")
    hasher = _hash_while(path, lambda: [m for m in iter_members(path)])
    assert hasher.finish() == archive_sha256(path)
    size = path.stat().st_size
    assert hasher.observed > 0.9 * size  # the members' reads, not a second pass
    assert hasher.filled < size - hasher.observed + 1  # itself: the directory and the end, nothing twice


def test_any_read_order_gives_the_same_hash(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip")
    expected = archive_sha256(path)

    def backwards() -> None:
        with OpenArchive(path) as archive:
            for name in reversed(archive.names()):
                archive.read(name)

    def some() -> None:
        with OpenArchive(path) as archive:
            for name in archive.names()[::7]:
                archive.read(name)

    def threads() -> None:
        with OpenArchive(path) as archive:
            names = archive.names()
            workers = [threading.Thread(target=lambda n=names[i::2]: [archive.read(x) for x in n]) for i in range(2)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()

    for read in (backwards, some, threads, lambda: list_member_names(path)):
        hasher = _hash_while(path, read)
        assert hasher.finish() == expected
        assert hasher.filled + hasher.observed <= 2 * path.stat().st_size
    assert full_sha256(path, "TL_1.zip", archive_fingerprint(path)) == expected  # nothing read by others


@pytest.mark.parametrize("kind", ["parts", "spanned", "spanned64"])
def test_pieces_hash_as_the_joined_file(tmp_path: Path, kind: str) -> None:
    path = _zip(tmp_path / "TS_1.zip")
    whole = hashlib.sha256(path.read_bytes()).hexdigest()
    if kind == "parts":
        split_parts(path, 5)
    else:
        span_volumes(path, 4, zip64=kind == "spanned64")
    if kind == "parts":
        assert archive_sha256(path) == whole
    expected = archive_sha256(path)  # raw bytes of the pieces joined (no overlay)
    hasher = _hash_while(path, lambda: [m for m in iter_members(path)])
    assert hasher.finish() == expected
    assert hasher.observed > 0.9 * archive_fingerprint(path)["size"]


def test_an_archive_changed_under_the_hasher_is_refused(tmp_path: Path) -> None:
    path = _zip(tmp_path / "TL_1.zip")
    found = archive_fingerprint(path)
    changed = dict(MEMBERS)
    name = sorted(MEMBERS)[3]
    changed[name] = b"x" * len(changed[name])
    _zip(path, changed)
    with pytest.raises(BadInput, match=r"TL_1\.zip: .*changed"):  # shorter, longer, or other bytes
        full_sha256(path, "TL_1.zip", found)


def test_the_ledger_refuses_other_bytes_for_one_fingerprint(tmp_path: Path) -> None:
    found = {"size": 10, "sha256": "f" * 64}
    record_full_hash(tmp_path, "TL_1.zip", found, "a" * 64)
    record_full_hash(tmp_path, "TL_1.zip", found, "a" * 64)  # the same again: fine
    with pytest.raises(BadInput, match=r"TL_1\.zip: its content .* differs from an earlier read"):
        record_full_hash(tmp_path, "TL_1.zip", found, "b" * 64)


# -- through the pipeline --------------------------------------------------------------------------------


def test_run_id_and_content_hash_are_those_of_the_input(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A copy of the dataset elsewhere (other mtimes) plans to the same run id; content_sha256 is the
    sha256 over the full hashes, as when the plan hashed every archive in full; every unit records its
    label archive's full hash."""
    dataset = sample_factory(items=60, seed=18)
    copy = tmp_path / "copy"
    shutil.copytree(dataset, copy)
    for path in copy.rglob("*"):
        os.utime(path, (1, 1))
    settings = load_settings()
    first = pipeline.plan_run(settings, str(dataset))
    assert pipeline.plan_run(settings, str(copy))["run_id"] == first["run_id"]
    run_id = first["run_id"]
    for index in range(first["units"]):
        pipeline.extract_unit(settings, run_id, index)
    plan = load_plan(settings, run_id)
    assert plan.content_sha256 is None and plan.archive_sha256 is None
    digest = hashlib.sha256(
        b"manifest\0" + hashlib.sha256((dataset / "dataset.yaml").read_bytes()).hexdigest().encode()
    )
    for rel in plan.archives:
        digest.update(f"\0{rel}\0{archive_sha256(dataset / rel)}".encode())
    for unit in plan.units:
        done = json.loads((settings.runs_dir / run_id / "units" / f"{unit.index:04d}.json").read_text())
        assert done["archive_sha256"][unit.archive] == archive_sha256(dataset / unit.archive)
    assert pipeline.content_sha256(settings, plan) == digest.hexdigest()


def test_an_archive_changed_after_the_plan_is_refused(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=30, seed=19, copy_to=tmp_path / "ds")
    settings = load_settings()
    planned = pipeline.plan_run(settings, str(dataset))
    plan = load_plan(settings, planned["run_id"])
    archive = dataset / plan.units[0].archive
    with zipfile.ZipFile(archive) as old:
        infos = old.infolist()
        members = [(i, old.read(i)) for i in infos]
    size = archive.stat().st_size
    with zipfile.ZipFile(archive, "w") as new:  # one member's bytes changed (same length), same method
        for number, (info, data) in enumerate(members):
            if number == 0:
                data = data[:-2] + (b"]}" if data[-2:] != b"]}" else b"}]")
            new.writestr(info, data)
    if archive.stat().st_size == size:  # usually; a different deflate length is a change too
        assert archive_fingerprint(archive) != plan.archive_fingerprint[plan.units[0].archive]
    with pytest.raises(BadInput, match="archive changed since the run was planned"):
        pipeline.extract_unit(settings, planned["run_id"], 0)


def test_a_full_hash_unlike_an_earlier_one_is_refused(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    """Bytes that changed without changing the fingerprint (here: the ledger says an earlier read of
    this fingerprint saw other bytes) are refused, naming the archive; nothing is kept of the unit."""
    dataset = sample_factory(items=30, seed=20)
    settings = load_settings()
    planned = pipeline.plan_run(settings, str(dataset))
    plan = load_plan(settings, planned["run_id"])
    label = plan.units[0].archive
    record_full_hash(settings.runs_dir / "_archives", label, plan.archive_fingerprint[label], "0" * 64)
    with pytest.raises(BadInput, match=rf"{label}: its content .* differs from an earlier read"):
        pipeline.extract_unit(settings, planned["run_id"], 0)
    assert not (settings.runs_dir / planned["run_id"] / "units" / "0000.json").exists()


class _CountingRaw(io.RawIOBase):
    """A file's raw reads counted (what the buffered layer asks the OS for: ``rchar`` of this file)."""

    def __init__(self, path: str, counter: dict[str, int]) -> None:
        super().__init__()
        self._raw = _REAL_OPEN(path, "rb", buffering=0)
        self._counter = counter
        self.name = path

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return int(self._raw.seek(offset, whence))

    def tell(self) -> int:
        return int(self._raw.tell())

    def readinto(self, buffer: Any) -> int:
        got = self._raw.readinto(buffer) or 0
        self._counter["bytes"] += got
        return got

    def close(self) -> None:
        self._raw.close()
        super().close()


_REAL_OPEN = io.open


def _count_reads(monkeypatch: pytest.MonkeyPatch, root: Path) -> dict[str, int]:
    """Count every byte read from files under ``root`` (``zipfile``, ``Path.open`` and ``open`` all go
    through ``io.open``)."""
    counter = {"bytes": 0}
    prefix = str(root)

    def counting_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        name = str(file) if isinstance(file, str | os.PathLike) else ""
        if mode == "rb" and name.startswith(prefix) and name.lower().endswith(ARCHIVE_SUFFIXES):
            return io.BufferedReader(_CountingRaw(name, counter))
        return _REAL_OPEN(file, mode, *args, **kwargs)

    monkeypatch.setattr(io, "open", counting_open)
    return counter


ARCHIVE_SUFFIXES = (".zip", *tuple(f".part{n}" for n in range(10)), *tuple(f".z{n:02d}" for n in range(1, 10)))


def test_plan_reads_little_and_the_whole_input_is_read_about_once(  # type: ignore[no-untyped-def]
    kdata_home: Path, sample_factory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bytes read from the input archives: the plan's identification (fingerprints) reads a small part
    of them, beside the safety check's walk of the local headers (unchanged by issue 18); extraction reads
    the label archives about once, hashing included; the full hashes of the sources cost one pass."""
    from ingest.discover import discover_layout
    from ingest.safety import check_archives
    from schemas.manifest import load_manifest

    dataset = sample_factory(items=3000, seed=21)
    archives = sorted(dataset.rglob("*.zip"))
    total = sum(p.stat().st_size for p in archives)
    labels = sum(p.stat().st_size for p in archives if "라벨링" in p.as_posix())
    assert total > 1_000_000
    settings = load_settings()
    pipeline.plan_run(settings, str(dataset))  # imports and caches warmed
    counter = _count_reads(monkeypatch, dataset)

    refs, _ = discover_layout(dataset, load_manifest(dataset).layout)
    check_archives(dataset, [ref.path for ref in refs])
    check = counter["bytes"]
    planned = pipeline.plan_run(settings, str(dataset))
    plan = counter["bytes"] - check
    for index in range(planned["units"]):
        pipeline.extract_unit(settings, planned["run_id"], index)
    extract = counter["bytes"] - check - plan
    pipeline.content_sha256(settings, load_plan(settings, planned["run_id"]))
    content = counter["bytes"] - check - plan - extract
    plan_data = load_plan(settings, planned["run_id"])
    ranges = {rel: sum(b - a for a, b in found["ranges"]) for rel, found in plan_data.archive_fingerprint.items()}
    directories = {rel: found["size"] - found["directory"] for rel, found in plan_data.archive_fingerprint.items()}
    label_rels = {unit.archive for unit in plan_data.units}
    figures = {"total": total, "labels": labels, "check": check, "plan": plan, "extract": extract, "content": content}
    # The plan: the safety check plus the fingerprints' ranges (ends and directory), no pass over the data.
    # Before issue 18 it read every archive in full on top of the check.
    assert plan - check <= 1.02 * sum(ranges.values()) + 65536, figures
    assert sum(ranges.values()) < 0.6 * total  # 64 KiB ends weigh on archives of ~200 KB; ≪ 1 on real sizes
    # Extraction: each label archive once (hash included), its fingerprint checked again, the sources'
    # directories listed. Before: twice (a full hash before reading).
    extra = sum(ranges[rel] for rel in label_rels) + sum(d for rel, d in directories.items() if rel not in label_rels)
    assert extract <= 1.05 * labels + extra, figures
    # The full hashes of the sources no extraction read: one pass each.
    assert content <= 1.02 * (total - labels), figures
    assert plan - check + extract + content < 1.75 * total, figures  # before issue 18: > 2.4 * total here
