"""Which backend a catalog connection is on, and SQL run where the catalog is (below :mod:`catalog.db`,
so that :mod:`catalog.audit`, which a writer's close calls, needs nothing of the connection module).
"""

from __future__ import annotations

import duckdb

from catalog.literal import sql_literal

__all__ = ["CATALOG_DATABASE", "is_postgres", "pushed_down"]

CATALOG_DATABASE = "kdata_catalog"
"""The name a reader's DuckDB session (and every PostgreSQL connection) gives the attached catalog."""


def is_postgres(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s default database is the shared catalog in PostgreSQL."""
    row = con.execute("SELECT type FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    return row is not None and str(row[0]) == "postgres"


def pushed_down(con: duckdb.DuckDBPyConnection, sql: str) -> duckdb.DuckDBPyConnection:
    """Run ``sql`` (valid in both dialects) where the catalog is: on PostgreSQL inside PostgreSQL, in the
    connection's transaction (``postgres_query``), so an ``ORDER BY ... LIMIT`` or ``count(*)`` uses its
    indexes instead of DuckDB copying the whole table over; on the embedded catalog as it is."""
    if is_postgres(con):
        sql = f"SELECT * FROM postgres_query({sql_literal(CATALOG_DATABASE)}, {sql_literal(sql)})"
    return con.execute(sql)
