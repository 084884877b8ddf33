"""Per-stage locks inside a run folder, so two processes working on the same run never write the same files.

The run id is derived from the input, so two ``kdata ingest`` of the same folder (or an ingest and a
retried Airflow task) share ``$KDATA_HOME/runs/<run_id>/``. Each stage that writes there holds an
exclusive ``flock`` on a lock file of its own (one per extracted archive, one for quality, one for
publishing): the second process waits, then finds the stage done and reuses its result. The kernel
releases a lock when its holder dies, even by SIGKILL, so a crashed run never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["run_lock"]


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed) for the ``with`` block; waits for a holder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock
