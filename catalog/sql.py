"""Read-only SQL for users: only SELECT over the catalog's tables and views.

The connection is read-only, file and network access is switched off except for the store (the local
folder, or ``s3://bucket/prefix/`` through httpfs, so the ``data.*`` views over published chunks work),
extensions cannot be installed or loaded, and the configuration is locked. Anything but one SELECT
statement is refused before it runs: writes, ``COPY``, ``ATTACH``, ``EXPORT`` / ``IMPORT DATABASE``,
``CALL``, ``PRAGMA`` statements that are not plain reads, ``SET``, ``INSTALL`` / ``LOAD``, and several
statements at once (exit 4; several SELECTs only: exit 2).

DuckDB always lets a connection read its own database file, whatever ``allowed_directories`` says,
and it resolves ``..`` before checking. So the text of a query is checked too: ``..`` path segments
and names of database files (``*.duckdb``, ``*.wal``) are refused, and the file a reader
opens is the published snapshot (:mod:`catalog.db`), never the live ``catalog.duckdb``. (A path
built at run time, e.g. by concatenation, can still reach the snapshot itself, whose content is the
catalog the query may read anyway.)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from kdata.errors import BadInput, NotAllowed

__all__ = ["check_query_text", "run_readonly", "store_access"]

_PARENT_SEGMENT = re.compile(r"(?:^|[/\\'\"])\.\.(?:[/\\'\"]|$)")
_DATABASE_FILE = re.compile(r"\.(?:duckdb|wal)\b", re.IGNORECASE)
# IMPORT DATABASE is refused before parsing: DuckDB's parser already reads the folder's schema.sql.
_IMPORT = re.compile(r"\bimport\s+database\b", re.IGNORECASE)


def store_access(con: duckdb.DuckDBPyConnection, store: str) -> list[Path | str]:
    """What the ``data.*`` views may read: the local store folder, or ``s3://bucket/prefix/`` (httpfs + secret)."""
    if store.startswith("s3://"):
        from storage.s3 import S3Store, enable_duckdb_s3

        root = S3Store.from_url(store).root_uri()
        enable_duckdb_s3(con, root)
        return [root]
    return [Path(store)] if "://" not in store else []


def _lock_down(con: duckdb.DuckDBPyConnection, allowed: Sequence[Path | str]) -> None:
    if allowed:
        listing = ", ".join("'" + (str(p).rstrip("/") + "/").replace("'", "''") + "'" for p in allowed)
        con.execute(f"SET allowed_directories = [{listing}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def check_query_text(query: str) -> None:
    """Refuse, before DuckDB sees it, a query whose text reaches outside the allowed files."""
    if _IMPORT.search(query):
        raise NotAllowed("IMPORT DATABASE is not allowed (읽기 전용 read-only)")
    if _PARENT_SEGMENT.search(query):
        raise NotAllowed("'..' in a path is not allowed: only the store folder can be read (경로 접근 거부)")
    if _DATABASE_FILE.search(query):
        raise NotAllowed("reading database files (*.duckdb, *.wal) is not allowed: query the tables instead")


def run_readonly(
    con: duckdb.DuckDBPyConnection, query: str, allowed: Sequence[Path | str]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query; :class:`NotAllowed` for anything else, :class:`BadInput` for bad SQL."""
    _lock_down(con, allowed)
    check_query_text(query)
    try:
        statements = con.extract_statements(query)
    except duckdb.PermissionException as error:
        raise NotAllowed(f"not allowed: {error}") from None
    except duckdb.Error as error:
        raise BadInput(f"SQL error: {error}") from None
    kinds = [str(statement.type).rsplit(".", 1)[-1] for statement in statements]
    refused = [kind for kind in kinds if kind != "SELECT"]
    if refused:
        raise NotAllowed(f"only SELECT queries are allowed (읽기 전용 read-only); got {', '.join(refused)}")
    if len(statements) != 1:
        raise BadInput(f"expected exactly one SQL statement, got {len(statements)}")
    try:
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        return columns, cur.fetchall()
    except duckdb.PermissionException as error:
        raise NotAllowed(f"not allowed: {error}") from None
    except duckdb.Error as error:
        raise BadInput(f"SQL error: {error}") from None
