"""`kdata sql` stays read-only and inside the store: statements, path traversal, database files."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from benchmarks import synthetic
from catalog.db import connect
from catalog.license import approve
from catalog.sql import check_query_text
from kcore.config import load_settings
from kcore.errors import NotAllowed

pytestmark = pytest.mark.integration


@pytest.fixture
def catalog(kdata_home: Path, catalog_backend: str) -> Path:
    """One synthetic dataset, on each catalog backend (every refusal is checked on both)."""
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(load_settings(), synthetic.manifest("sql-guard"), parquet)
    (kdata_home / "store" / "note.txt").write_text("inside the store\n", encoding="utf-8")
    (kdata_home / "secret.txt").write_text("outside the store\n", encoding="utf-8")
    return kdata_home


def q(path: Path) -> str:
    return str(path).replace("'", "''")


@pytest.mark.parametrize(
    "make_query",
    [
        lambda h: f"SELECT * FROM read_text('{q(h / 'store')}/../catalog.duckdb')",
        lambda h: f"SELECT * FROM read_blob('{q(h / 'store')}/../catalog.duckdb')",
        lambda h: f"SELECT * FROM read_text('{q(h / 'store')}/../secret.txt')",
        lambda h: f"SELECT * FROM read_text('{q(h / 'store')}/synthetic/../../secret.txt')",
        lambda h: f"SELECT size FROM read_blob('{q(h / 'catalog.duckdb')}')",
        lambda h: f"SELECT size FROM read_blob('{q(h / 'catalog.snapshot.duckdb')}')",
        lambda h: f"SELECT size FROM read_blob('{q(h / 'catalog.duckdb')}.wal')",
        lambda h: f"SELECT * FROM read_text('{q(h / 'secret.txt')}')",
        lambda h: f"SELECT * FROM glob('{q(h)}/*')",
        lambda h: "PRAGMA enable_profiling",
        lambda h: "PRAGMA threads=1",
        lambda h: f"PRAGMA profiling_output='{q(h / 'store' / 'p.txt')}'",
        lambda h: f"EXPORT DATABASE '{q(h / 'store' / 'export')}'",
        lambda h: f"IMPORT DATABASE '{q(h / 'store')}'",
        lambda h: "CALL pragma_version()",
        lambda h: "CHECKPOINT",
        lambda h: "SELECT 1; DELETE FROM datasets",
        lambda h: "SELECT 1; ATTACH ':memory:' AS m",
        lambda h: "DETACH catalog",
        lambda h: "USE memory",
        lambda h: f"COPY (SELECT 1) TO '{q(h / 'store' / 'out.csv')}'",
        lambda h: "INSERT INTO audit_log (occurred_at, actor, action) VALUES (now(), 'me', 'forged')",
        # the shared catalog's way out: PostgreSQL itself, through the extension or another attachment
        lambda h: "SELECT * FROM postgres_query('kdata_catalog', 'SELECT * FROM audit_log')",
        lambda h: "SELECT * FROM postgres_scan('postgresql://postgres@127.0.0.1/postgres', 'public', 'x')",
        lambda h: "CALL postgres_execute('kdata_catalog', 'DROP TABLE datasets')",
        lambda h: "SELECT * FROM postgres_execute('kdata_catalog', 'DROP TABLE datasets')",
        lambda h: "SELECT * FROM pg_clear_cache()",
        lambda h: "ATTACH 'postgresql://postgres@127.0.0.1:5432/postgres' AS pg (TYPE postgres)",
        lambda h: "SELECT * FROM kdata_catalog.public.audit_log",
        lambda h: "SELECT * FROM kdata_catalog.pg_catalog.pg_authid",
        lambda h: "SELECT * FROM pg_catalog.pg_settings",
        lambda h: "SELECT * FROM information_schema.tables",
        lambda h: "SELECT * FROM public.audit_log",
        lambda h: "SELECT * FROM duckdb_databases()",
        lambda h: "SELECT getenv('KDATA_CATALOG')",
        lambda h: "SELECT getenv('KDATA_AUDIT_KEY')",
        lambda h: "SELECT current_setting('pg_connection_limit')",
        lambda h: "SET pg_debug_show_queries = true",
        lambda h: "UPDATE licenses SET status = 'open'",
        lambda h: "DELETE FROM audit_log",
        lambda h: "CREATE TABLE forged AS SELECT 1",
    ],
)
def test_refused_with_exit_4_and_nothing_written(catalog: Path, cli: Callable[..., Any], make_query: Any) -> None:
    before = sorted(p.name for p in (catalog / "store").iterdir())
    result = cli("sql", make_query(catalog))
    assert result.exit_code == 4, result.output
    assert sorted(p.name for p in (catalog / "store").iterdir()) == before
    assert "outside the store" not in result.output


def test_no_progress_bar_on_stdout(catalog: Path) -> None:
    """DuckDB draws a progress bar on stdout for statements over 2 s: it would corrupt `--format json`."""
    with connect(load_settings(), read_only=True) as con:
        assert con.execute("SELECT current_setting('enable_progress_bar')").fetchone() == (False,)


def test_several_selects_exit_2(catalog: Path, cli: Callable[..., Any]) -> None:
    result = cli("sql", "SELECT 1; SELECT 2")
    assert result.exit_code == 2
    assert "exactly one SQL statement" in result.output


def test_query_function_cannot_smuggle_statements(catalog: Path, cli: Callable[..., Any]) -> None:
    result = cli("sql", "SELECT * FROM query('DELETE FROM datasets')")
    assert result.exit_code == 4 and "query()" in result.output
    assert json.loads(cli("sql", "SELECT count(*) AS n FROM datasets", "--format", "json").stdout) == [{"n": 1}]


def test_reads_go_through_views_and_catalog_tables_only(catalog: Path, cli: Callable[..., Any]) -> None:
    store = catalog / "store"
    # even a file inside the store is read through a data.* view only (one access decision per dataset)
    refused = cli("sql", f"SELECT content FROM read_text('{q(store)}/note.txt')", "--format", "json")
    assert refused.exit_code == 4 and "read_text()" in refused.output
    view = "SELECT count(*) AS n FROM data.sql_guard__train"
    denied = cli("sql", view)  # approval_required and no approval yet: exit 4, naming the dataset and the way in
    assert denied.exit_code == 4 and "sql-guard" in denied.output and "kdata approve sql-guard" in denied.output
    with connect(load_settings()) as con:
        approve(con, "sql-guard", "tester", "steward")
    rows = json.loads(cli("sql", view, "--format", "json").stdout)
    assert rows == [{"n": 0}]  # the synthetic chunk is an empty file
    columns = json.loads(cli("sql", "DESCRIBE licenses", "--format", "json").stdout)
    assert "status_reason" in {c["column_name"] for c in columns}
    assert cli("sql", "PRAGMA table_info('licenses')").exit_code == 4
    assert cli("sql", "SELECT action FROM audit_log ORDER BY seq").exit_code == 0  # tester is an admin here


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * FROM read_text('/srv/store/../catalog.duckdb')",
        "SELECT * FROM read_blob('/srv/store/..')",
        'SELECT * FROM "../x.parquet"',
        "SELECT * FROM read_blob('/srv/kdata/catalog.snapshot.duckdb')",
        "select * from read_blob('/srv/kdata/CATALOG.DUCKDB.WAL')",
        "/* comment */ import   database '/srv/store'",
    ],
)
def test_text_check(query: str) -> None:
    with pytest.raises(NotAllowed):
        check_query_text(query)


@pytest.mark.parametrize(
    "query",
    ["SELECT 1.5", "SELECT * FROM data.korean_sns_dialogue__train", "SELECT * FROM datasets WHERE id LIKE '%..%'"],
)
def test_text_check_lets_ordinary_queries_through(query: str) -> None:
    check_query_text(query)


def test_a_chunk_changed_while_duckdb_reads_it_is_refused_not_a_traceback() -> None:
    """Attack trial 9: a chunk swapped between its check and DuckDB's read made DuckDB's "ETag changed" error
    escape as a traceback; it is refused as a damaged chunk is (exit 4)."""
    import duckdb

    from catalog.sql import _changed_while_read
    from kcore.errors import NotAllowed

    with pytest.raises(NotAllowed, match="kdata fsck"), _changed_while_read():
        raise duckdb.IOException('ETag on reading file "s3://b/x.parquet" was initially "a" and now it returned "b"')
    with pytest.raises(duckdb.IOException, match="No files found"), _changed_while_read():
        raise duckdb.IOException("No files found that match the pattern")
