"""Read-only SQL for users: only SELECT over the catalog's tables and views.

The connection is read-only, file and network access is switched off except for the local store
(so the ``data.*`` views over published chunks work), extensions cannot be installed or loaded,
and the configuration is locked. Anything but a SELECT statement is refused before it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from kdata.errors import BadInput, NotAllowed

__all__ = ["run_readonly"]


def _lock_down(con: duckdb.DuckDBPyConnection, allowed: list[Path]) -> None:
    if allowed:
        listing = ", ".join("'" + (str(p).rstrip("/") + "/").replace("'", "''") + "'" for p in allowed)
        con.execute(f"SET allowed_directories = [{listing}]")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def run_readonly(
    con: duckdb.DuckDBPyConnection, query: str, allowed: list[Path]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one read-only query; :class:`NotAllowed` for anything else, :class:`BadInput` for bad SQL."""
    _lock_down(con, allowed)
    try:
        statements = con.extract_statements(query)
    except duckdb.Error as error:
        raise BadInput(f"SQL error: {error}") from None
    if len(statements) != 1:
        raise BadInput(f"expected exactly one SQL statement, got {len(statements)}")
    kind = str(statements[0].type).rsplit(".", 1)[-1]
    if kind != "SELECT":
        raise NotAllowed(f"only SELECT queries are allowed (읽기 전용 read-only); got {kind}")
    try:
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        return columns, cur.fetchall()
    except duckdb.PermissionException as error:
        raise NotAllowed(f"not allowed: {error}") from None
    except duckdb.Error as error:
        raise BadInput(f"SQL error: {error}") from None
