"""kcore.atomic: the target is the old file or the whole new one, whatever happens mid-write; temporary files
are cleaned up on errors; fsync when asked (file and folder), not otherwise."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kcore import atomic
from kcore.atomic import atomic_path, write_atomic

ROOT = Path(__file__).resolve().parents[2]


def _temps(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.tmp"))


def test_write_atomic_replaces_the_file_and_makes_its_folder(tmp_path: Path) -> None:
    target = tmp_path / "deep" / "state.json"
    write_atomic(target, b"old")
    write_atomic(target, b"new", fsync=False)
    assert target.read_bytes() == b"new"
    assert not _temps(target.parent)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # as open(path, "w") would make it
    private = tmp_path / "private.bin"
    write_atomic(private, b"x", mode=0o600)
    assert stat.S_IMODE(private.stat().st_mode) == 0o600


def test_an_error_before_the_rename_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "card.md"
    target.write_bytes(b"old")

    def broken_replace(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new" * 1000)
    assert target.read_bytes() == b"old"
    assert not _temps(tmp_path)


def test_an_error_inside_the_block_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "subset.parquet"
    target.write_bytes(b"old")
    with pytest.raises(ValueError, match="rows"), atomic_path(target, fsync=False) as temp:
        temp.write_bytes(b"half of the new")
        raise ValueError("the written subset does not count its rows")
    assert target.read_bytes() == b"old"
    assert not _temps(tmp_path)
    with atomic_path(target) as temp:
        assert temp.parent == target.parent and temp.name.startswith(".subset.parquet.")
        temp.write_bytes(b"new")
        assert target.read_bytes() == b"old"  # readers see the old file until the block ends
    assert target.read_bytes() == b"new"
    assert not _temps(tmp_path)


def test_a_process_killed_mid_write_leaves_the_old_file(tmp_path: Path) -> None:
    """A crash cannot clean up: the half-written temporary stays (``.*.tmp``, what ``kdata fsck`` reports),
    the target keeps its old bytes."""
    target = tmp_path / "content.json"
    target.write_bytes(b"old")
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from kcore.atomic import atomic_path\n"
        "with atomic_path(Path(sys.argv[1])) as temp:\n"
        "    with open(temp, 'wb') as handle:\n"
        "        handle.write(b'half of the')\n"
        "        handle.flush()\n"
        "        os._exit(9)\n"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], cwd=ROOT, capture_output=True, check=False)
    assert done.returncode == 9, done.stderr
    assert target.read_bytes() == b"old"
    (left,) = _temps(tmp_path)
    assert left.read_bytes() == b"half of the"


def test_fsync_reaches_the_file_and_the_folder_only_when_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[int] = []
    real = os.fsync

    def counting(fd: int) -> None:
        synced.append(fd)
        real(fd)

    monkeypatch.setattr(atomic.os, "fsync", counting)
    write_atomic(tmp_path / "a", b"1", fsync=False)
    with atomic_path(tmp_path / "b", fsync=False) as temp:
        temp.write_bytes(b"2")
    assert synced == []
    write_atomic(tmp_path / "a", b"3")
    assert len(synced) == 2  # the file, then its folder
    with atomic_path(tmp_path / "b") as temp:
        temp.write_bytes(b"4")
    assert len(synced) == 4
    assert (tmp_path / "a").read_bytes() == b"3" and (tmp_path / "b").read_bytes() == b"4"


def test_threads_writing_one_target_never_share_a_temporary(tmp_path: Path) -> None:
    target = tmp_path / "ledger.json"
    values = {f"{n:02d}".encode() * 500 for n in range(8)}
    errors: list[BaseException] = []

    def write(value: bytes) -> None:
        try:
            for _ in range(25):
                write_atomic(target, value, fsync=False)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(v,)) for v in values]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert target.read_bytes() in values
    assert not _temps(tmp_path)
