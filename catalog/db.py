"""Open the DuckDB catalog: migrations, the offline FTS extension, bounded retries on the file lock.

DuckDB allows one read-write process per file, and while it is open any other process, even a
reader, gets a lock error. Writers keep transactions short and retry the open for up to
``lock_timeout`` seconds, then fail with a clear message.

Readers never wait for the writer: when a writer's connection closes after its work succeeded, it
checkpoints and publishes a read-only copy, ``catalog.snapshot.duckdb`` (copied to a temporary file
in the same folder, then ``os.replace``), and ``connect(read_only=True)`` opens that copy. A reader
holding the old copy open keeps reading the old inode; the next reader sees the new one. The
snapshot is at most one write behind a writer that crashed mid-way (the next write republishes).

Access decisions (licence status, approvals, roles) never come from the snapshot, which is only a
copy readers can be handed: ``connect(read_only=True, live=True)`` opens ``catalog.duckdb`` itself
read-only for the moment a decision takes (it waits, like a writer, while one writes).

Every writer connection also replaces the token in ``catalog_generation`` before its work, so a
token names one state of what search reads: readers (the in-process search index of
:mod:`catalog.search_index`) cache by it and notice a new snapshot whatever file they opened. Writers
that only append to the audit log (downloads) keep the token: search reads nothing they write.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from catalog.recovery import check_wal, raise_if_damaged
from kcore.config import Settings
from kcore.errors import TransientError
from schemas.domains import DOMAINS

__all__ = [
    "SCHEMA_VERSION",
    "SNAPSHOT_NAME",
    "CatalogMissing",
    "connect",
    "extension_directory",
    "latest_migration",
    "migrate",
    "publish_snapshot",
    "snapshot_path",
    "transaction",
]

SCHEMA_VERSION = 1

SNAPSHOT_NAME = "catalog.snapshot.duckdb"
"""The read-only copy readers open, beside ``catalog.duckdb``."""


class CatalogMissing(FileNotFoundError):
    """No catalog yet: nothing has been ingested."""


def extension_directory() -> str:
    """Where the PyPI ``duckdb-ext-*`` packages put their binaries (no download at run time)."""
    spec = importlib.util.find_spec("duckdb_ext")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("duckdb-ext-fts is not installed: run `make install`")
    return str(Path(next(iter(spec.submodule_search_locations))) / "extensions")


def _config() -> dict[str, str | bool | int | float | list[str]]:
    return {
        "extension_directory": extension_directory(),
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }


def _open(path: Path, read_only: bool, timeout: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only, config=_config())
            con.execute("SET enable_progress_bar = false")  # drawn on stdout after 2 s: corrupts `--format json`
            break
        except duckdb.Error as error:
            if not (isinstance(error, duckdb.IOException) and "lock" in str(error).lower()):
                raise_if_damaged(path, error)  # corrupt file or WAL: alarm, delete nothing
                raise
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"{path}: the catalog is busy (another process is writing) and stayed busy for "
                    f"{timeout:g} s; try again shortly"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    return con


T = TypeVar("T")


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """Run ``work()`` in one transaction: COMMIT when it returns, ROLLBACK when it raises."""
    con.execute("BEGIN")
    try:
        result = work()
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    return result


def snapshot_path(settings: Settings) -> Path:
    """``$KDATA_HOME/catalog.snapshot.duckdb``: the published read-only copy of the catalog."""
    return settings.catalog_path.with_name(SNAPSHOT_NAME)


def publish_snapshot(con: duckdb.DuckDBPyConnection, settings: Settings, source_fd: int | None = None) -> Path:
    """Checkpoint the writer's database and atomically replace the snapshot with a copy of it.

    Call with the write connection still open (and idle), so no other writer can change the file
    while it is copied. Pass ``source_fd``, a descriptor of the catalog opened *after* DuckDB opened
    it and closed only after the connection: DuckDB's lock is a POSIX ``fcntl`` lock, which the
    kernel drops as soon as the process closes *any* descriptor of the file, so copying through a
    fresh ``open()`` would let another writer in while this connection is still open.
    """
    con.execute("CHECKPOINT")
    target = snapshot_path(settings)
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if source_fd is None:
            shutil.copyfile(settings.catalog_path, temp)
        else:
            _copy_from_fd(source_fd, temp)
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    return target


def _copy_from_fd(source_fd: int, target: Path) -> None:
    """Copy a whole file from an open descriptor (positional reads: the descriptor stays open)."""
    with open(target, "wb") as out:
        offset = 0
        while block := os.pread(source_fd, 1 << 20, offset):
            out.write(block)
            offset += len(block)


def _schema_version(con: duckdb.DuckDBPyConnection) -> int:
    try:
        row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row else 0


@functools.cache
def latest_migration() -> int:
    """The number of the newest migration this code knows."""
    return max(number for number, _, _ in _migrations())


def _open_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """The snapshot when it is current; otherwise migrate and publish it once (older catalogs)."""
    path, snapshot = settings.catalog_path, snapshot_path(settings)
    if not path.exists():
        raise CatalogMissing(f"{path}: no catalog yet; ingest a dataset first (kdata ingest PATH)")
    if snapshot.exists():
        con = _open(snapshot, True, settings.lock_timeout)
        if _schema_version(con) >= latest_migration():
            return con
        con.close()
    with connect(settings):  # a writer migrates and publishes the snapshot on close
        pass
    return _open(snapshot, True, settings.lock_timeout)


def _open_live_reader(settings: Settings) -> duckdb.DuckDBPyConnection:
    """``catalog.duckdb`` itself, read-only (migrated first when older than this code)."""
    path = settings.catalog_path
    if not path.exists():
        raise CatalogMissing(f"{path}: no catalog yet; ingest a dataset first (kdata ingest PATH)")
    con = _open(path, True, settings.lock_timeout)
    if _schema_version(con) >= latest_migration():
        return con
    con.close()
    with connect(settings):
        pass
    return _open(path, True, settings.lock_timeout)


@contextmanager
def connect(
    settings: Settings, *, read_only: bool = False, changes_search: bool = True, live: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived catalog connection.

    A writer migrates the schema first and publishes the snapshot when its work succeeded; a
    reader opens the snapshot, so it never waits for (or blocks) a writer. A writer that only appends
    to the audit log passes ``changes_search=False``: it keeps the catalog token, so readers keep their
    search index (at 100,000 datasets a rebuild takes over a second, and every download is audited).
    ``live=True`` (with ``read_only``) reads the catalog itself, for access decisions.
    """
    if read_only:
        con = _open_live_reader(settings) if live else _open_reader(settings)
        try:
            yield con
        finally:
            con.close()
        return
    path = settings.catalog_path
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, False, settings.lock_timeout)
    source_fd = os.open(path, os.O_RDONLY)  # for the snapshot copy; closed after con (see publish_snapshot)
    try:
        check_wal(con, path)  # a damaged leftover WAL: alarm instead of DuckDB's silent drop
        migrate(con)
        if changes_search:
            con.execute("UPDATE catalog_generation SET token = CAST(uuid() AS VARCHAR)")  # a new catalog state
        yield con
        publish_snapshot(con, settings, source_fd)
        from catalog.audit import write_anchor

        write_anchor(con, settings.store)  # the newest audit link, outside the catalog file
    finally:
        con.close()
        os.close(source_fd)


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("catalog") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order, each in its own transaction; returns the schema version.

    A migration is pending when its number is not recorded yet, even if a higher one is (numbers
    are reserved per task, so 0004 may land before 0003).
    """
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    current = max(applied, default=0)
    for number, name, sql in _migrations():
        if number in applied:
            continue
        con.execute("BEGIN")
        try:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [number, name])
            if number == 1:
                con.executemany(
                    "INSERT INTO domains VALUES (?, ?, ?, ?, ?)",
                    [[d.id, d.name_ko, d.name_en, d.group_ko, d.group_en] for d in DOMAINS.values()],
                )
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        current = max(current, number)
    return current
