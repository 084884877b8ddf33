"""Read-only SQL for users (``kdata sql``): one SELECT over the catalog tables and the ``data.*`` views
a user may read, inside time and memory limits, audited.

What a statement may touch is decided on DuckDB's own syntax tree (``json_serialize_sql``), before it
runs, by :func:`plan_query`:

- **tables**: the catalog's tables, except ``approvals`` (stewards, auditors), ``audit_log``,
  ``pii_findings`` (auditors) and ``roles`` (auditors, admins); names of common table expressions;
- **views** ``data.<dataset>__<split>``: only of datasets the access decision (:mod:`catalog.access`)
  lets the user read; any other is refused with exit 4, naming the dataset and how to apply;
- **table functions**: ``range``, ``generate_series``, ``unnest`` only: no ``read_parquet`` of chunk
  paths, ``read_blob`` of the snapshot, ``glob``, ``query``; scalar functions that read files or
  settings (``getenv``, ``current_setting``, ``read_*``, ``duckdb_*``) neither;
- only a plain SELECT (also ``FROM x``, ``DESCRIBE``, ``SHOW``): writes, ``COPY``, ``ATTACH``,
  ``PRAGMA``, ``SET``, ``INSTALL``/``LOAD``, ``PIVOT`` statements are refused (exit 4); several
  statements at once: exit 2.

Then, as a second wall, the connection itself is locked down: external access off except the store
folders (or ``s3://`` prefixes) of the datasets the statement reads, configuration locked, a memory
limit (``KDATA_SQL_MEMORY``, default 1GB), no spilling to disk, and a statement timeout
(``KDATA_SQL_TIMEOUT_S``, default 30 s; exit 4 when reached). On a local store every chunk file a
statement reads must resolve (symlinks followed) inside the store. Each statement that reads dataset
rows is written to the audit log (user, datasets, sha256 of the statement, rows returned); so is each
refusal by the access decision.

The connection reads the readers' snapshot (:mod:`catalog.db`), or the shared PostgreSQL catalog
through a read-only attachment; access decisions and roles come from the catalog itself. The
``data.*`` views a statement names are created in the session just before it runs (:mod:`catalog.views`),
after the plan accepted them and before the lock-down. On the shared catalog the same walls hold: the
extension's ``postgres_query``/``postgres_execute``/``postgres_scan`` are table functions (refused),
other databases (``kdata_catalog.pg_catalog...``) are catalog-qualified names (refused), ATTACH, SET and
CALL are not SELECT, and the attachment itself is read-only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Container, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from catalog.literal import sql_literal
from catalog.views import create_views
from kcore.errors import BadInput, NotAllowed
from kcore.limits import SqlLimits

__all__ = [
    "RESTRICTED_TABLES",
    "SqlPlan",
    "check_query_text",
    "plan_query",
    "run_readonly",
    "run_user_query",
    "store_access",
]

RESTRICTED_TABLES: dict[str, frozenset[str]] = {
    "approvals": frozenset({"steward", "auditor"}),
    "audit_log": frozenset({"auditor"}),
    "pii_findings": frozenset({"auditor"}),
    "roles": frozenset({"auditor", "admin"}),
}
"""Catalog tables that only some roles read (the rest are the public catalog)."""

ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
DENIED_FUNCTIONS = (
    "read_",
    "glob",
    "query",
    "parquet_",
    "sniff_",
    "current_setting",
    "getenv",
    "duckdb_",
    "pragma_",
    "postgres_",  # the shared catalog's extension: postgres_query/_execute/_scan reach PostgreSQL itself
    "pg_clear_cache",
    "which_secret",
    "iceberg_",
    "delta_",
    "http",
    "json_serialize",
    "load",
    "install",
)
"""Name prefixes of functions no user statement may call (files, settings, the catalog's own database,
extensions): one list for ``kdata sql`` and a download's ``--where`` filter."""

_PARENT_SEGMENT = re.compile(r"(?:^|[/\\'\"])\.\.(?:[/\\'\"]|$)")
_DATABASE_FILE = re.compile(r"\.(?:duckdb|wal)\b", re.IGNORECASE)
# IMPORT DATABASE is refused before parsing: DuckDB's parser already reads the folder's schema.sql.
_IMPORT = re.compile(r"\bimport\s+database\b", re.IGNORECASE)


@dataclass
class SqlPlan:
    """What a statement reads: catalog tables and ``data.*`` views (view name → dataset id)."""

    tables: set[str] = field(default_factory=set)
    views: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def datasets(self) -> list[str]:
        return sorted(set(self.views.values()))


def store_access(con: duckdb.DuckDBPyConnection, store: str) -> list[Path | str]:
    """The whole store, for trusted callers (checks, not users); on S3 this also enables httpfs with a
    secret scoped to the store."""
    if "://" in store and not store.startswith("s3://"):
        return []
    from storage.stores import open_store

    opened = open_store(store)
    opened.enable_duckdb(con)
    return [opened.root_uri()]


def _lock_down(con: duckdb.DuckDBPyConnection, allowed: Sequence[Path | str], limits: SqlLimits | None) -> None:
    if allowed:
        listing = ", ".join("'" + (str(p).rstrip("/") + "/").replace("'", "''") + "'" for p in allowed)
        con.execute(f"SET allowed_directories = [{listing}]")
    if limits is not None:
        con.execute(f"SET memory_limit = '{limits.memory}'")
        con.execute("SET max_temp_directory_size = '0B'")
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


def _statement_kinds(con: duckdb.DuckDBPyConnection, query: str) -> None:
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


def _syntax_tree(con: duckdb.DuckDBPyConnection, query: str) -> dict[str, Any]:
    # inlined as a literal, not bound: DuckDB's first bound parameter imports pandas (catalog.literal)
    row = con.execute(f"SELECT json_serialize_sql({sql_literal(query)})").fetchone()
    parsed: dict[str, Any] = json.loads(row[0]) if row else {"error": True}
    if parsed.get("error"):
        message = str(parsed.get("error_message", ""))
        if "Only SELECT" in message:
            raise NotAllowed(
                "only plain SELECT statements are allowed (PRAGMA, PIVOT and the like are not; "
                "use DESCRIBE table or SELECT ... FROM duckdb-free tables)"
            )
        raise BadInput(f"SQL error: {message}")
    return parsed


def _children(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        yield from node.values()
    elif isinstance(node, list):
        yield from node


def _walk(node: Any, ctes: frozenset[str], plan: SqlPlan, views: Mapping[str, str], tables: Container[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, ctes, plan, views, tables)
        return
    if not isinstance(node, dict):
        return
    cte_map = node.get("cte_map")
    entries = cte_map.get("map") if isinstance(cte_map, dict) else None
    if entries:
        # A CTE's name is visible in the query and in later CTEs, never in its own body (where the same
        # name means the real table: `WITH approvals AS (SELECT * FROM approvals)`); a recursive CTE sees
        # itself in its recursive part only: its anchor (`left`) binds the name to the real table
        # (`WITH RECURSIVE approvals AS (SELECT * FROM approvals UNION ALL ...)` read the table).
        for entry in entries:
            name = str(entry.get("key", "")).lower()
            body = entry.get("value") or {}
            inner = (body.get("query") or {}).get("node") or {}
            recursive = inner.get("type") == "RECURSIVE_CTE_NODE" and str(inner.get("cte_name", "")).lower() == name
            if recursive:
                _walk(inner.get("right"), ctes | {name}, plan, views, tables)
                rest = {k: v for k, v in inner.items() if k != "right"}
                _walk({**body, "query": {**body["query"], "node": rest}}, ctes, plan, views, tables)
            else:
                _walk(body, ctes, plan, views, tables)
            ctes = ctes | {name}
        node = {k: v for k, v in node.items() if k != "cte_map"}
    kind, klass = node.get("type"), node.get("class")
    if kind == "BASE_TABLE":
        _base_table(node, ctes, plan, views, tables)
    elif kind == "TABLE_FUNCTION":
        name = str((node.get("function") or {}).get("function_name", "")).lower()
        if name not in ALLOWED_TABLE_FUNCTIONS:
            plan.problems.append(f"table function {name}() is not allowed (파일·질의 함수 불가)")
    elif klass == "FUNCTION":
        name = str(node.get("function_name", "")).lower()
        if name.startswith(DENIED_FUNCTIONS):
            plan.problems.append(f"function {name}() is not allowed (파일·설정 접근 함수 불가)")
    for child in _children(node):
        _walk(child, ctes, plan, views, tables)


def _base_table(
    node: dict[str, Any], ctes: frozenset[str], plan: SqlPlan, views: Mapping[str, str], tables: Container[str]
) -> None:
    catalog = str(node.get("catalog_name") or "").lower()
    schema = str(node.get("schema_name") or "").lower()
    name = str(node.get("table_name") or "").lower()
    if catalog:
        plan.problems.append(f"{catalog}.{schema}.{name}: other databases are not readable")
    elif schema == "data":
        if name in views:
            plan.views[name] = views[name]
        else:
            plan.problems.append(f"data.{name}: no such view (kdata show ID lists a dataset's splits)")
    elif not schema and name in ctes:
        return
    elif schema in ("", "main") and name in tables:
        plan.tables.add(name)
    else:
        plan.problems.append(f"{(schema + '.') if schema else ''}{name}: not a catalog table or data.* view")


class _DataViews(Mapping[str, str]):
    """``data.*`` view name → dataset id (of the latest version), listed on first use: a statement that
    names no ``data.*`` view (``SELECT 1``, the catalog tables) never lists them (20,000 views at 10,000
    datasets of two splits each)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._views: dict[str, str] | None = None

    def _listing(self) -> dict[str, str]:
        if self._views is None:
            from catalog.names import view_name

            views: dict[str, str] = {}
            for dataset_id, split in self._con.execute(
                "SELECT s.dataset_id, s.split FROM splits s JOIN datasets d ON d.id = s.dataset_id "
                "AND s.version = d.latest_version"
            ).fetchall():
                views[view_name(str(dataset_id), str(split)).split(".", 1)[1].strip('"')] = str(dataset_id)
            self._views = views
        return self._views

    def __getitem__(self, name: str) -> str:
        return self._listing()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._listing())

    def __len__(self) -> int:
        return len(self._listing())


class _MainNames:
    """The main schema's tables and views (lower case), looked up on first use: base tables first (a
    short list), the views only for a name that is no table (listing views walks every ``data.*`` view)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._tables: frozenset[str] | None = None
        self._views: frozenset[str] | None = None

    def _names(self, function: str, column: str, extra: str = "") -> frozenset[str]:
        rows = self._con.execute(
            f"SELECT {column} FROM {function}() WHERE database_name = current_database() "
            f"AND schema_name = current_schema(){extra}"  # main; public on the shared PostgreSQL catalog
        ).fetchall()
        return frozenset(str(r[0]).lower() for r in rows)

    def __contains__(self, name: object) -> bool:
        if self._tables is None:
            self._tables = self._names("duckdb_tables", "table_name")
        if name in self._tables:
            return True
        if self._views is None:
            self._views = self._names("duckdb_views", "view_name", " AND NOT internal")
        return name in self._views


def _catalog_names(con: duckdb.DuckDBPyConnection) -> tuple[_MainNames, Mapping[str, str]]:
    """Main-schema tables and views, and ``data.*`` view name → dataset id (of the latest version); both
    looked up only for the names a statement uses."""
    return _MainNames(con), _DataViews(con)


def plan_query(con: duckdb.DuckDBPyConnection, query: str) -> SqlPlan:
    """What ``query`` reads, or :class:`NotAllowed`/:class:`BadInput` for a statement of another kind."""
    check_query_text(query)
    _statement_kinds(con, query)
    tree = _syntax_tree(con, query)
    tables, views = _catalog_names(con)
    plan = SqlPlan()
    _walk(tree.get("statements", []), frozenset(), plan, views, tables)
    if plan.problems:
        raise NotAllowed("; ".join(dict.fromkeys(plan.problems)))
    return plan


def _execute(
    con: duckdb.DuckDBPyConnection, query: str, limits: SqlLimits | None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    timer = threading.Timer(limits.timeout_s, con.interrupt) if limits is not None else None
    if timer is not None:
        timer.daemon = True
        timer.start()
    try:
        cur = con.execute(query)
        columns = [d[0] for d in cur.description or []]
        if limits is None:
            return columns, cur.fetchall()
        return columns, _fetch(cur, limits, time.monotonic() + limits.timeout_s)
    except duckdb.InterruptException:
        assert limits is not None
        raise NotAllowed(
            f"the statement ran longer than {limits.timeout_s:g} s and was stopped (KDATA_SQL_TIMEOUT_S; 시간 제한)"
        ) from None
    except duckdb.OutOfMemoryException:
        assert limits is not None
        raise NotAllowed(
            f"the statement needed more than {limits.memory} of memory and was stopped (KDATA_SQL_MEMORY; 메모리 제한)"
        ) from None
    except duckdb.PermissionException as error:
        raise NotAllowed(f"not allowed: {error}") from None
    except duckdb.Error as error:
        raise BadInput(f"SQL error: {error}") from None
    finally:
        if timer is not None:
            timer.cancel()


def _fetch(cur: duckdb.DuckDBPyConnection, limits: SqlLimits, deadline: float) -> list[tuple[Any, ...]]:
    """The result's rows, fetched in batches within the statement's limits: at most ``max_rows`` rows, their
    text and bytes at most ``KDATA_SQL_MEMORY`` (3,000 rows of a 1 MB string took the process to 5.4 GB),
    done by the statement's deadline (the timer interrupts DuckDB, not the fetching)."""
    rows: list[tuple[Any, ...]] = []
    size, batch_rows = 0, 64
    while batch := cur.fetchmany(batch_rows):
        rows.extend(batch)
        size += sum(len(v) if isinstance(v, str | bytes) else 8 for row in batch for v in row)
        if len(rows) > limits.max_rows:
            raise NotAllowed(
                f"the result has more than {limits.max_rows:,} rows (KDATA_SQL_MAX_ROWS; 행 수 제한): add a "
                "LIMIT or an aggregate, or take the rows as Parquet with kdata download --where"
            )
        if size > limits.memory_bytes:
            raise NotAllowed(
                f"the result holds more than {limits.memory} (KDATA_SQL_MEMORY; 메모리 제한): select fewer or "
                "shorter values, or take them as Parquet with kdata download --where"
            )
        if time.monotonic() > deadline:
            raise duckdb.InterruptException("fetching ran past the statement's time limit")
        # batches of about 1/64 of what is left of the bound (at least one row, at most 10,000)
        per_row = max(1, size // len(rows))
        batch_rows = max(1, min(10_000, (limits.memory_bytes - size) // 64 // per_row))
    return rows


def run_readonly(
    con: duckdb.DuckDBPyConnection, query: str, allowed: Sequence[Path | str], limits: SqlLimits | None = None
) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Run one statement that :func:`plan_query` accepts, with only ``allowed`` locations readable. No
    access decision here: callers that expose dataset rows use :func:`run_user_query`."""
    plan = plan_query(con, query)
    create_views(con, plan.views)
    _lock_down(con, allowed, limits)
    return _execute(con, query, limits)


_ChunkUrl = tuple[str, str, int, str, str | None]
"""A chunk a statement reads: dataset id, content_url, size, sha256 and registered ETag (or ``None``)."""


def _chunk_urls(con: duckdb.DuckDBPyConnection, datasets: list[str]) -> list[_ChunkUrl]:
    """(dataset id, chunk location, size, sha256) of the latest versions of ``datasets``: what their views
    read, as the catalog registered it."""
    if not datasets:
        return []
    listing = ", ".join("'" + d.replace("'", "''") + "'" for d in datasets)
    rows = con.execute(
        "SELECT c.dataset_id, c.content_url, c.content_size, c.sha256, c.etag FROM chunks c "
        "JOIN datasets d ON d.id = c.dataset_id "
        f"AND c.version = d.latest_version WHERE c.dataset_id IN ({listing}) ORDER BY 1, 2"
    ).fetchall()
    return [(str(d), str(u), int(n), str(h), None if e is None else str(e)) for d, u, n, h, e in rows]


def _check_chunk_files(settings: Any, urls: list[_ChunkUrl]) -> None:
    """Every chunk a statement reads must be in the store (on a local store: resolved, symlinks followed,
    inside it) and be the one the catalog registered (size and sha256, checked once per stored object,
    :mod:`storage.verify`)."""
    if not urls:
        return
    from storage.stores import open_store
    from storage.verify import ChunkRef, Damaged, check_chunks, store_key, verified_memo

    opened = open_store(settings.store)
    refs = []
    for dataset_id, url, size, sha256, etag in urls:  # the object each view reads: its content_url
        key = store_key(opened, url)
        if key is None:
            raise NotAllowed(
                f"{dataset_id}: a chunk file of this dataset leads outside the store (symbolic link?); "
                "refused — run `kdata fsck`"
            )
        refs.append(ChunkRef(key, size, sha256, etag))
    try:
        check_chunks(opened, refs, verified_memo(Path(settings.home)))
    except Damaged as error:
        raise NotAllowed(str(error)) from None


def _allowed_locations(con: duckdb.DuckDBPyConnection, store: str, urls: list[_ChunkUrl]) -> list[Path | str]:
    """The folders (or ``s3://`` prefixes) holding exactly the chunks a statement reads."""
    if not urls:
        return []
    if store.startswith("s3://"):
        store_access(con, store)  # httpfs and a secret scoped to the store
        return sorted({u.rsplit("/", 1)[0] for _, u, *_ in urls})
    return sorted({os.path.realpath(os.path.dirname(u)) for _, u, *_ in urls})


def run_user_query(settings: Any, query: str, user: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """``kdata sql``: plan, decide access (the catalog itself, not the snapshot), run, audit."""
    from catalog.access import decide
    from catalog.db import connect
    from catalog.roles import roles_of

    limits: SqlLimits = settings.sql  # KDATA_SQL_TIMEOUT_S, KDATA_SQL_MEMORY
    with connect(settings, read_only=True) as con:
        plan = plan_query(con, query)
        decisions: dict[str, Any] = {}
        held: frozenset[str] = frozenset()
        if plan.datasets or plan.tables & RESTRICTED_TABLES.keys():  # public catalog tables need no decision
            with connect(settings, read_only=True, live=True) as live:
                decisions = decide(live, plan.datasets, user)
                held = roles_of(live, user)
        for table in sorted(plan.tables):
            needed = RESTRICTED_TABLES.get(table)
            if needed is not None and not needed & held:
                raise NotAllowed(
                    f"table {table} is readable by the {' or '.join(sorted(needed))} role only "
                    f"({user!r} holds {', '.join(sorted(held)) or 'no role'})"
                )
        refused = [d for d in decisions.values() if not d.allowed]
        if refused:
            _audit_sql(settings, user, query, plan, "refused", reason=refused[0].reason)
            raise NotAllowed(" ".join(d.reason for d in refused))
        urls = _chunk_urls(con, plan.datasets)
        _check_chunk_files(settings, urls)
        allowed = _allowed_locations(con, settings.store, urls)
        with _changed_while_read():
            create_views(con, plan.views)  # only the views this statement names, in this session
            _lock_down(con, allowed, limits)
            columns, rows = _execute(con, query, limits)
    if plan.datasets:
        _audit_sql(settings, user, query, plan, "ok", rows=len(rows))
    return columns, rows


@contextlib.contextmanager
def _changed_while_read() -> Iterator[None]:
    """A chunk replaced in the store between its check and DuckDB's read (DuckDB sees its ETag change) is
    refused as a damaged one is, not shown as a traceback (attack trial 9)."""
    try:
        yield
    except (duckdb.IOException, duckdb.HTTPException) as error:
        if "etag" not in str(error).lower():
            raise
        raise NotAllowed(
            "a chunk changed in the store while it was read (손상된 청크 damaged chunk): its rows are not served "
            "— run `kdata fsck`"
        ) from None


def _audit_sql(settings: Any, user: str, query: str, plan: SqlPlan, status: str, **extra: Any) -> None:
    from catalog.audit import audit
    from catalog.db import connect, transaction

    detail = {
        "status": status,
        "datasets": plan.datasets,
        "views": sorted(plan.views),
        "statement_sha256": hashlib.sha256(query.encode("utf-8")).hexdigest(),
        **extra,
    }

    def work() -> None:
        for dataset_id in plan.datasets or [None]:  # type: ignore[list-item]
            audit(con, user or "anonymous", "sql", dataset_id, None, detail)

    with connect(settings, changes_search=False) as con:  # the audit log only: search indexes stay
        transaction(con, work)
