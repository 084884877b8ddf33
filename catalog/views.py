"""The ``data.<dataset>__<split>`` views over published Parquet, created per reader session and lazily.

The catalog stores no views (migration 0010): a PostgreSQL catalog cannot hold views over Parquet, and
stored views cost every opening of an embedded catalog (~20,000 views, ~0.5 s at 10,000 datasets).
Instead each reader connection attaches an empty in-memory database named ``data`` (:func:`attach`),
and a statement's views are created there just before it runs (:func:`create_views`), only those it
names, each over the chunks of its split's latest version in key order (the version manifest's order,
so rows come back as they did from the stored views).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import duckdb

from catalog.literal import sql_literal
from catalog.names import view_name

__all__ = ["VIEWS_DATABASE", "attach", "create_views"]

VIEWS_DATABASE = "data"
"""The in-memory database (per connection) that holds a session's views: ``data.x`` resolves there."""


def attach(con: duckdb.DuckDBPyConnection) -> None:
    """Attach the session's empty ``data`` database (its views are created on demand)."""
    con.execute(f"ATTACH ':memory:' AS {VIEWS_DATABASE}")


def _bare(name: str) -> str:
    """``x__train`` from ``data."x__train"`` (the form :func:`catalog.names.view_name` returns)."""
    return name.split(".", 1)[1].strip('"')


def _chunk_files(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> dict[str, list[str]]:
    """Bare view name → chunk locations of the latest versions of ``datasets``, in key order."""
    listing = ", ".join(sql_literal(d) for d in datasets)
    rows = con.execute(
        "SELECT c.dataset_id, c.split, c.key, c.content_url FROM chunks c JOIN datasets d ON d.id = c.dataset_id "
        f"AND c.version = d.latest_version WHERE c.dataset_id IN ({listing})"
    ).fetchall()
    files: dict[str, list[tuple[str, str]]] = {}
    for dataset_id, split, key, url in rows:
        files.setdefault(_bare(view_name(str(dataset_id), str(split))), []).append((str(key), str(url)))
    return {name: [url for _, url in sorted(pairs)] for name, pairs in files.items()}


def create_views(con: duckdb.DuckDBPyConnection, views: Mapping[str, str] | Iterable[str]) -> list[str]:
    """Create the named ``data.*`` views (bare names, e.g. ``korean_sns_dialogue__train``; a mapping's
    values name their datasets) that do not exist yet in this session; returns the names created.

    Call before the connection is locked down: a view reads its chunks' footers when it is created (on
    S3 the caller has enabled httpfs and the store's secret, :func:`catalog.sql.store_access`)."""
    wanted = dict(views) if isinstance(views, Mapping) else {name: "" for name in views}
    existing = {
        str(r[0])
        for r in con.execute(
            f"SELECT view_name FROM duckdb_views() WHERE database_name = '{VIEWS_DATABASE}' AND NOT internal"
        ).fetchall()
    }
    missing = sorted(set(wanted) - existing)
    if not missing:
        return []
    datasets = sorted({d for name, d in wanted.items() if name in missing and d}) or _datasets_of(con, missing)
    files = _chunk_files(con, datasets) if datasets else {}
    created = []
    for name in missing:
        if name not in files:
            continue  # not a split of a latest version: the statement fails to bind, as before
        listing = ", ".join(sql_literal(f) for f in files[name])
        quoted = '"' + name.replace('"', '""') + '"'
        con.execute(f"CREATE VIEW {VIEWS_DATABASE}.main.{quoted} AS SELECT * FROM read_parquet([{listing}])")
        created.append(name)
    return created


def _datasets_of(con: duckdb.DuckDBPyConnection, names: list[str]) -> list[str]:
    """The datasets whose latest versions have splits with these view names."""
    wanted = set(names)
    rows = con.execute(
        "SELECT s.dataset_id, s.split FROM splits s JOIN datasets d ON d.id = s.dataset_id "
        "AND s.version = d.latest_version"
    ).fetchall()
    return sorted({str(d) for d, s in rows if _bare(view_name(str(d), str(s))) in wanted})
