"""Atomic file writes: a reader, or the next run after a crash, finds the old file or the whole new one.

One home for "write a temporary file beside the target, optionally fsync, ``os.replace``". It lives in
the bottom package ``kcore`` because every layer writes files (``ingest``, ``quality``, ``storage``, the
``kdata`` application) and none may import a layer above it. Standard library only, so the fast
command-line paths may import it.

The temporary file is ``.<name>.<pid>.<random>.tmp`` in the target's folder (one file system, so the rename
is atomic; the ``.*.tmp`` shape ``kdata fsck`` reports as left by a killed writer), unique per call (threads
and processes writing the same target never share one), created like ``open(path, "w")`` creates a file
(mode 0o666 less the umask) unless ``mode`` says otherwise. On any error it is removed and the target is
left as it was. ``fsync``: the file's bytes reach the disk before the rename and the rename itself after it
(the folder is fsynced too); without it the rename is atomic for readers but a power cut may lose it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["atomic_path", "write_atomic"]


def write_atomic(path: Path, data: bytes, *, fsync: bool = True, mode: int = 0o666) -> None:
    """Replace ``path`` (its folder made if missing) by a file holding ``data``, atomically."""
    with atomic_path(path, fsync=fsync, mode=mode) as temp, open(temp, "wb") as handle:
        handle.write(data)


@contextmanager
def atomic_path(path: Path, *, fsync: bool = True, mode: int = 0o666) -> Iterator[Path]:
    """A temporary path beside ``path`` for a writer that wants a file name (``shutil.copyfile``, a Parquet
    writer): on a clean exit from the ``with`` block it replaces ``path`` (fsynced first with ``fsync``); an
    exception (a failed check included) removes it and leaves ``path`` as it was."""
    temp = _create_temp(path, mode)
    try:
        yield temp
        if fsync:
            fd = os.open(temp, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    if fsync:
        _fsync_folder(path.parent)


def _create_temp(path: Path, mode: int) -> Path:
    """A new empty file beside ``path``, ours alone (``O_EXCL``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        temp = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}.tmp")
        try:
            os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))
        except FileExistsError:  # 32 random bits taken already: draw again
            continue
        return temp


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
