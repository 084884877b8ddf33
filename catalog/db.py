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

**The shared catalog** (``KDATA_CATALOG=postgresql://USER@HOST:PORT/DB``): the same tables live in
PostgreSQL and every connection is an in-memory DuckDB that attaches them through DuckDB's postgres
extension (installed offline from the ``duckdb-ext-postgres`` package) as ``kdata_catalog`` and makes it
the default database, so the same SQL reads and writes them. Migrations are the same numbers with a
PostgreSQL text each (``migrations/postgres/``), applied under a table lock so hosts that start at once
apply each one once. There is no file lock and no snapshot: writers run real transactions (PostgreSQL's
repeatable read, as the extension opens them) and :func:`transaction` retries one that conflicted with
another host's (serialization failure, deadlock, a key taken meanwhile) a bounded number of times, then
raises :class:`TransientError`; readers read PostgreSQL itself, through a read-only attachment. The
``catalog_generation`` token is replaced by a trigger in the transaction that changes a catalog table.

Readers of either backend get a per-session database ``data`` for the ``data.*`` views over Parquet,
empty until a statement names some (:mod:`catalog.views`).
"""

from __future__ import annotations

import functools
import importlib.util
import os
import random
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import resources
from pathlib import Path
from typing import TypeVar

import duckdb

from catalog.backend import CATALOG_DATABASE, is_postgres
from catalog.bound import bind
from catalog.literal import sql_literal
from catalog.wal import check_wal, raise_if_damaged
from kcore.config import Settings, redact_url
from kcore.errors import TransientError
from schemas.domains import DOMAINS

__all__ = [
    "SCHEMA_VERSION",
    "SNAPSHOT_NAME",
    "CatalogMissing",
    "connect",
    "extension_directory",
    "in_transaction",
    "latest_migration",
    "migrate",
    "publish_snapshot",
    "snapshot_path",
    "transaction",
]

SCHEMA_VERSION = 1

SNAPSHOT_NAME = "catalog.snapshot.duckdb"
"""The read-only copy readers open, beside ``catalog.duckdb``."""

CONFLICT_ATTEMPTS = 12
"""Tries of a transaction that conflicts with another host's on the shared catalog (backoff up to 1 s)."""

_CONFLICTS = (
    "could not serialize access",
    "deadlock detected",
    "duplicate key value violates unique constraint",
)


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
    """``path`` opened directly (a writer, or a live reader), retrying while another process holds it."""

    def once() -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(str(path), read_only=read_only, config=_config())
        con.execute("SET enable_progress_bar = false")  # drawn on stdout after 2 s: corrupts `--format json`
        return con

    return _retry_lock(path, timeout, once)


def _retry_lock(path: Path, timeout: float, once: Callable[[], duckdb.DuckDBPyConnection]) -> duckdb.DuckDBPyConnection:
    """``once()`` until it does not fail on the file lock of ``path``, for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        try:
            return once()
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


T = TypeVar("T")


@contextmanager
def in_transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block as one transaction, once: BEGIN, then COMMIT when it ends, ROLLBACK when it raises.

    The only place the catalog writes BEGIN, COMMIT and ROLLBACK. No retry: catalog writes that may meet
    another host's on the shared catalog go through :func:`transaction`, which repeats the work."""
    con.execute("BEGIN")
    try:
        yield
        con.execute("COMMIT")
    except BaseException:
        _rollback(con)
        raise


def transaction(con: duckdb.DuckDBPyConnection, work: Callable[[], T]) -> T:
    """Run ``work()`` in one transaction (:func:`in_transaction`): COMMIT when it returns, ROLLBACK when it raises.

    On the shared (PostgreSQL) catalog a transaction that conflicted with another writer's (serialization
    failure, deadlock, a key another host inserted meanwhile) is rolled back and ``work()`` runs again,
    up to :data:`CONFLICT_ATTEMPTS` times; then :class:`TransientError`. ``work`` must therefore only
    change the catalog (or be safe to repeat); that is why it is a function, not a ``with`` block."""
    delay = 0.05
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):
        try:
            with in_transaction(con):
                return work()
        except Exception as error:
            if not (_is_conflict(error) and is_postgres(con)):
                raise
            if attempt == CONFLICT_ATTEMPTS:
                raise TransientError(
                    f"카탈로그 쓰기 충돌 the shared catalog stayed busy: {attempt} tries of one transaction "
                    f"conflicted with other writers ({_error_text(error)}); try again shortly"
                ) from None
        time.sleep(delay * (1 + random.random()))
        delay = min(delay * 2, 1.0)
    raise AssertionError("unreachable")


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """ROLLBACK, quietly when a failed COMMIT already ended the transaction."""
    with suppress(duckdb.Error):
        con.execute("ROLLBACK")


def _is_conflict(error: BaseException) -> bool:
    """A PostgreSQL error that retrying the transaction resolves (another writer got there first)."""
    return isinstance(error, duckdb.Error) and any(text in str(error) for text in _CONFLICTS)


def _error_text(error: BaseException) -> str:
    """The gist of a DuckDB/PostgreSQL error on one line (PostgreSQL's own ``ERROR:`` text when there is one:
    the extension prefixes it with the whole statement)."""
    text = " ".join(line.strip() for line in str(error).splitlines() if line.strip()) or type(error).__name__
    return text.rsplit("ERROR:", 1)[1].strip() if "ERROR:" in text else text


def _without_secret(text: str, url: str) -> str:
    """``text`` with the catalog URL's password (DuckDB names the URL in connection errors) replaced."""
    credentials = url.partition("://")[2].rpartition("@")[0]
    secret = credentials.partition(":")[2]
    text = text.replace(url, redact_url(url))
    return text.replace(secret, "***") if secret else text


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
        con = _open_snapshot(snapshot, settings.lock_timeout)
        if _schema_version(con) >= latest_migration():
            return con
        con.close()
    with connect(settings):  # a writer migrates and publishes the snapshot on close
        pass
    return _open_snapshot(snapshot, settings.lock_timeout)


def _session() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB session (offline extensions, no progress bar) to attach a catalog to."""
    con = duckdb.connect(":memory:", config=_config())
    con.execute("SET enable_progress_bar = false")
    return con


def _open_snapshot(snapshot: Path, timeout: float) -> duckdb.DuckDBPyConnection:
    """The snapshot attached read-only as the session's default database, beside the ``data`` views
    (retried like a writer's open while another process holds the file)."""
    from catalog import views

    def once() -> duckdb.DuckDBPyConnection:
        con = _session()
        try:
            con.execute(f"ATTACH {sql_literal(str(snapshot))} AS {CATALOG_DATABASE} (READ_ONLY)")
        except duckdb.Error:
            con.close()
            raise
        con.execute(f"USE {CATALOG_DATABASE}")
        views.attach(con)
        return con

    return _retry_lock(snapshot, timeout, once)


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

    With ``KDATA_CATALOG`` set, the connection is to the shared catalog in PostgreSQL (see the module
    docstring): readers read it directly (always live), writers need no lock and publish no snapshot.
    """
    if settings.catalog_url:
        with _connect_postgres(settings, read_only) as con:
            yield con
        return
    if read_only:
        con = _open_live_reader(settings) if live else _open_reader(settings)
        bind(con, settings)
        try:
            yield con
        finally:
            con.close()
        return
    path = settings.catalog_path
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, False, settings.lock_timeout)
    bind(con, settings)  # the admins and the audit key travel with the connection (catalog.bound)
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


def _attach_postgres(settings: Settings, read_only: bool) -> duckdb.DuckDBPyConnection:
    """An in-memory session with the PostgreSQL catalog attached as its default database."""
    assert settings.catalog_url is not None
    con = _session()
    mode = ", READ_ONLY" if read_only else ""
    try:
        con.execute("LOAD postgres")
        con.execute(f"ATTACH {sql_literal(settings.catalog_url)} AS {CATALOG_DATABASE} (TYPE postgres{mode})")
    except duckdb.Error as error:
        con.close()
        raise TransientError(
            f"KDATA_CATALOG={redact_url(settings.catalog_url)}: cannot open the shared catalog "
            f"(공유 카탈로그 연결 실패): {_without_secret(_error_text(error), settings.catalog_url)}"
        ) from None
    con.execute(f"USE {CATALOG_DATABASE}")
    bind(con, settings)
    return con


@contextmanager
def _connect_postgres(settings: Settings, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the shared catalog: a reader (read-only attachment, ``data`` views) or a writer."""
    from catalog import views

    if not read_only:
        con = _attach_postgres(settings, read_only=False)
        try:
            migrate(con)
            yield con
            from catalog.audit import write_anchor

            write_anchor(con, settings.store)  # the newest audit link, outside the catalog
        finally:
            con.close()
        return
    con = _attach_postgres(settings, read_only=True)
    try:
        # Read the version without the attachment's table cache (which would be loaded now, possibly before
        # another host's migration commits, and kept after a version read a moment later says "current").
        version = max(_pg_applied(con), default=0)
        if version == 0:
            raise CatalogMissing(
                f"KDATA_CATALOG={redact_url(settings.catalog_url or '')}: no catalog yet; "
                "ingest a dataset first (kdata ingest PATH)"
            )
        if version < latest_migration():
            con.close()
            with _connect_postgres(settings, read_only=False):  # a writer migrates
                pass
            con = _attach_postgres(settings, read_only=True)
        views.attach(con)
        yield con
    finally:
        con.close()


@functools.cache
def _migrations(variant: str = "") -> list[tuple[int, str, str]]:
    """(number, file name, SQL) of the migrations, in order: DuckDB's, or a ``variant`` folder's (``postgres``)."""
    folder = resources.files("catalog") / "migrations"
    if variant:
        folder = folder / variant
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order, each in its own transaction; returns the schema version.

    A migration is pending when its number is not recorded yet, even if a higher one is (numbers
    are reserved per task, so 0004 may land before 0003). On PostgreSQL the ``postgres/`` text of each
    number is applied (:func:`_migrate_postgres`).
    """
    if is_postgres(con):
        return _migrate_postgres(con)
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    applied = {int(r[0]) for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    current = max(applied, default=0)
    for number, name, sql in _migrations():
        if number in applied:
            continue
        with in_transaction(con):
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [number, name])
            if number == 1:
                con.executemany(
                    "INSERT INTO domains VALUES (?, ?, ?, ?, ?)",
                    [[d.id, d.name_ko, d.name_en, d.group_ko, d.group_en] for d in DOMAINS.values()],
                )
        current = max(current, number)
    return current


_PG_BOOTSTRAP = "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)"


def _pg_execute(con: duckdb.DuckDBPyConnection, sql: str) -> None:
    """Run PostgreSQL SQL as it is, in one PostgreSQL transaction (``postgres_execute``)."""
    con.execute(f"CALL postgres_execute({sql_literal(CATALOG_DATABASE)}, {sql_literal(sql)})")


def _domain_rows() -> str:
    values = ",\n".join(
        "(" + ", ".join(sql_literal(v) for v in (d.id, d.name_ko, d.name_en, d.group_ko, d.group_en)) + ")"
        for d in DOMAINS.values()
    )
    return f"INSERT INTO domains VALUES\n{values};\n"


def _guarded(number: int, name: str, sql: str) -> str:
    """One migration as one PostgreSQL transaction that applies it only if no other host did: the lock
    on ``schema_migrations`` orders concurrent migrators, and the check runs after it (a repeatable-read
    snapshot starts at the first query, not at LOCK)."""
    if number == 1:
        sql += "\n" + _domain_rows()
    return (
        "LOCK TABLE schema_migrations IN SHARE ROW EXCLUSIVE MODE;\n"
        "DO $kdata_migration$ BEGIN\n"
        f"IF NOT EXISTS (SELECT 1 FROM schema_migrations WHERE version = {number}) THEN\n"
        f"{sql}\n"
        f"INSERT INTO schema_migrations VALUES ({number}, {sql_literal(name)});\n"
        "END IF;\nEND $kdata_migration$;"
    )


def _migrate_postgres(con: duckdb.DuckDBPyConnection) -> int:
    """Apply the pending PostgreSQL migrations, each in its own transaction, once across hosts."""
    known = {number: (name, sql) for number, name, sql in _migrations("postgres")}
    missing = sorted(set(n for n, _, _ in _migrations()) - set(known))
    if missing:
        raise RuntimeError(f"migrations {missing} have no PostgreSQL text under catalog/migrations/postgres/")
    applied = _pg_applied(con)
    if applied >= set(known):  # the usual case: one query, no lock, no DDL
        con.execute("CALL pg_clear_cache()")  # nothing read through the attachment predates the check
        return max(applied)
    for attempt in range(1, CONFLICT_ATTEMPTS + 1):  # two hosts creating the table at once: one wins
        try:
            _pg_execute(con, _PG_BOOTSTRAP)
            break
        except duckdb.Error:
            if attempt == CONFLICT_ATTEMPTS:
                raise
            time.sleep(0.05 * attempt)
    for number, (name, sql) in sorted(known.items()):
        if number not in applied:
            _pg_execute(con, _guarded(number, name, sql))
    con.execute("CALL pg_clear_cache()")  # the session's view of the tables is stale after DDL
    return max(_pg_applied(con), default=0)


def _pg_applied(con: duckdb.DuckDBPyConnection) -> set[int]:
    """The migration numbers recorded in PostgreSQL (none before the first migration)."""
    query = f"SELECT * FROM postgres_query({sql_literal(CATALOG_DATABASE)}, 'SELECT version FROM schema_migrations')"
    try:
        return {int(r[0]) for r in con.execute(query).fetchall()}
    except duckdb.Error as error:
        if "schema_migrations" in str(error) and "does not exist" in str(error):
            return set()  # a new database: nothing applied yet
        raise
