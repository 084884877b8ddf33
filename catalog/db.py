"""Open the DuckDB catalog: migrations, the offline FTS extension, bounded retries on the file lock.

DuckDB allows one read-write process per file, and while it is open any other process, even a
reader, gets a lock error. Writers keep transactions short; everyone retries the open for up to
``lock_timeout`` seconds, then fails with a clear message.
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

import duckdb

from kdata.config import Settings
from kdata.errors import TransientError
from schemas.domains import DOMAINS

__all__ = ["SCHEMA_VERSION", "CatalogMissing", "connect", "extension_directory", "migrate"]

SCHEMA_VERSION = 1


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
            break
        except duckdb.IOException as error:
            if "lock" not in str(error).lower():
                raise
            if time.monotonic() >= deadline:
                raise TransientError(
                    f"{path}: the catalog is busy (another process is writing) and stayed busy for "
                    f"{timeout:g} s; try again shortly"
                ) from None
            time.sleep(delay)
            delay = min(delay * 2, 1.0)
    con.execute("LOAD fts")
    return con


@contextmanager
def connect(settings: Settings, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """A short-lived catalog connection; a writer migrates the schema first."""
    path = settings.catalog_path
    if read_only and not path.exists():
        raise CatalogMissing(f"{path}: no catalog yet; ingest a dataset first (kdata ingest PATH)")
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _open(path, read_only, settings.lock_timeout)
    try:
        if not read_only:
            migrate(con)
        yield con
    finally:
        con.close()


def _migrations() -> list[tuple[int, str, str]]:
    folder = resources.files("catalog") / "migrations"
    found = []
    for entry in folder.iterdir():
        if entry.name.endswith(".sql"):
            number = int(entry.name.split("_", 1)[0])
            found.append((number, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def migrate(con: duckdb.DuckDBPyConnection) -> int:
    """Apply pending migrations in order, each in its own transaction; returns the schema version."""
    con.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_migrations").fetchone()
    current = int(row[0]) if row else 0
    for number, name, sql in _migrations():
        if number <= current:
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
        current = number
    return current
