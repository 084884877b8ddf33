"""The shared catalog (``KDATA_CATALOG=postgresql://...``) against a real PostgreSQL: migrations applied
once by hosts that start together, transactions retried on conflicts, one audit chain under concurrent
writers, the catalog token, the same search results as the embedded catalog, and ``data.*`` views that
exist only in a reader's session and only when a statement names them (both backends)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from benchmarks import synthetic
from catalog import db, relevance, search_index
from catalog.audit import audit, verify_audit_log
from catalog.backend import is_postgres
from catalog.search import SearchQuery, find, search_page
from catalog.sql import run_readonly, store_access
from kcore.config import Settings, load_settings
from kcore.errors import TransientError
from kdata.cli import app
from schemas.domains import DOMAINS
from tests.pg import ADMIN_URL, fresh_database

pytestmark = pytest.mark.integration


@pytest.fixture
def shared(kdata_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings of a fresh shared catalog (its own PostgreSQL database) and the test's KDATA_HOME."""
    with fresh_database() as url:
        monkeypatch.setenv("KDATA_CATALOG", url)
        yield load_settings()


def _in_threads(count: int, work: Callable[[int], Any]) -> list[BaseException]:
    """Run ``work(i)`` in ``count`` threads started together; the errors they raised."""
    errors: list[BaseException] = []
    start = threading.Barrier(count)

    def run(i: int) -> None:
        start.wait()
        try:
            work(i)
        except BaseException as error:  # reported by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_every_migration_has_a_postgresql_text() -> None:
    embedded = [(number, name) for number, name, _ in db._migrations()]
    shared = [(number, name) for number, name, _ in db._migrations("postgres")]
    assert shared == embedded  # same numbers, same names: both record the same rows in schema_migrations


def _tables(settings: Settings) -> dict[str, list[str]]:
    """Each catalog table's columns, in order, as a writer connection of ``settings`` sees them."""
    with db.connect(settings) as con:
        rows = con.execute(
            "SELECT table_name, column_name FROM duckdb_columns() "
            "WHERE database_name = current_database() AND schema_name IN ('main', 'public') "
            "ORDER BY table_name, column_index"
        ).fetchall()
    tables: dict[str, list[str]] = {}
    for table, column in rows:
        tables.setdefault(str(table), []).append(str(column))
    return tables


def test_both_migration_chains_give_the_same_tables_and_columns(
    shared: Settings, kdata_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The PostgreSQL texts repeat the DuckDB migrations by hand (keys, types and triggers differ on purpose):
    what the catalog code reads and writes, the tables and their columns in order, must not drift."""
    on_postgres = _tables(shared)
    monkeypatch.delenv("KDATA_CATALOG")
    embedded = _tables(load_settings())
    assert {"datasets", "versions", "chunks", "audit_log", "roles", "record_schemas"} <= set(embedded)
    assert on_postgres == embedded


def test_hosts_that_start_together_apply_each_migration_once(shared: Settings) -> None:
    def open_writer(_: int) -> None:
        with db.connect(shared):
            pass

    assert _in_threads(4, open_writer) == []
    with db.connect(shared, read_only=True) as con:
        assert is_postgres(con)
        applied = con.execute("SELECT version, name FROM schema_migrations ORDER BY 1").fetchall()
        assert applied == [(number, name) for number, name, _ in db._migrations()]
        assert con.execute("SELECT count(*) FROM domains").fetchone() == (len(DOMAINS),)


def test_a_reader_of_an_empty_shared_catalog_is_told_to_ingest(shared: Settings) -> None:
    with pytest.raises(db.CatalogMissing, match="ingest a dataset first"), db.connect(shared, read_only=True):
        pass


def test_concurrent_writers_keep_one_audit_chain(shared: Settings) -> None:
    """Writers on several hosts append at once: UNIQUE (prev_sha256) makes the later ones retry."""

    def append(i: int) -> None:
        with db.connect(shared, changes_search=False) as con:
            for n in range(3):
                db.transaction(con, lambda n=n: audit(con, f"host-{i}", "download", None, None, {"n": n}))

    assert _in_threads(4, append) == []
    with db.connect(shared, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM audit_log").fetchone() == (12,)
        assert verify_audit_log(con) == []


def test_concurrent_registrations_are_retried_not_lost(shared: Settings, kdata_home: Path) -> None:
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")

    def register(i: int) -> None:
        for n in range(3):
            assert synthetic.register(shared, synthetic.manifest(f"host-{i}-set-{n}"), parquet)

    assert _in_threads(3, register) == []
    with db.connect(shared, read_only=True) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM datasets ORDER BY id").fetchall()]
        assert ids == sorted(f"host-{i}-set-{n}" for i in range(3) for n in range(3))
        assert verify_audit_log(con) == []
        publishes = con.execute("SELECT count(*) FROM audit_log WHERE action = 'publish'").fetchone()
        assert publishes == (9,)


def test_a_transaction_that_keeps_conflicting_gives_up_with_a_transient_error(
    shared: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "CONFLICT_ATTEMPTS", 3)
    tries: list[int] = []

    def conflicting() -> None:
        tries.append(1)
        raise duckdb.Error("ERROR:  could not serialize access due to concurrent update")

    with db.connect(shared) as con, pytest.raises(TransientError, match="3 tries"):
        db.transaction(con, conflicting)
    assert len(tries) == 3

    def broken() -> None:  # not a conflict: no retry
        tries.append(1)
        raise duckdb.Error("ERROR:  column does not exist")

    with db.connect(shared) as con, pytest.raises(duckdb.Error, match="does not exist"):
        db.transaction(con, broken)
    assert len(tries) == 4


def test_the_token_changes_with_the_catalog_not_with_the_audit_log(shared: Settings, kdata_home: Path) -> None:
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(shared, synthetic.manifest("token-one"), parquet)

    def token() -> str | None:
        with db.connect(shared, read_only=True) as con:
            return search_index.catalog_token(con)

    first = token()
    assert first is not None
    with db.connect(shared, changes_search=False) as con:  # a download's audit row
        db.transaction(con, lambda: audit(con, "tester", "download", "token-one", None, {}))
        assert search_index.catalog_token(con) is None  # a writer has no token to cache by
    assert token() == first
    synthetic.register(shared, synthetic.manifest("token-two"), parquet)
    assert token() not in (None, first)


def test_bad_catalog_settings_name_the_variable_and_hide_the_password(kdata_home: Path) -> None:
    runner = CliRunner()
    wrong = runner.invoke(app, ["search", "x"], env={"KDATA_CATALOG": "mysql://me@db/catalog"})
    assert wrong.exit_code == 2 and "KDATA_CATALOG" in wrong.output
    down = runner.invoke(app, ["search", "x"], env={"KDATA_CATALOG": "postgresql://me:hunter2@127.0.0.1:1/catalog"})
    assert down.exit_code == 1 and "KDATA_CATALOG" in down.output
    assert "hunter2" not in down.output and "me:***@127.0.0.1:1" in down.output
    # a server that answers and refuses: DuckDB's message names the URL, the password stays hidden
    url = f"{ADMIN_URL.rsplit('/', 1)[0].replace('postgres@', 'nobody-here:hunter2@')}/catalog"
    refused = runner.invoke(app, ["search", "x"], env={"KDATA_CATALOG": url})
    assert refused.exit_code == 1 and "nobody-here" in refused.output, refused.output
    assert "hunter2" not in refused.output


def test_the_same_queries_give_the_same_results_on_both_backends(
    kdata_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The relevance corpus (55 real AI Hub titles, 150 queries) registered in each backend: every query's
    results (ids, scores, shown columns), both search paths, and the facet counts are identical."""
    datasets, queries = relevance.load()
    manifests = synthetic.relevance_manifests(datasets)
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    monkeypatch.delenv("KDATA_CATALOG", raising=False)
    embedded = load_settings()
    synthetic.register_many(embedded, manifests, parquet)
    with fresh_database() as url:
        monkeypatch.setenv("KDATA_CATALOG", url)
        shared = load_settings()
        synthetic.register_many(shared, manifests, parquet)
        texts = sorted({q["query"] for q in queries})
        results = {}
        for name, settings in (("embedded", embedded), ("shared", shared)):
            with db.connect(settings, read_only=True) as con:
                results[name] = _all_results(con, texts)
    search_index.reset()
    assert results["shared"] == results["embedded"]


def _all_results(con: duckdb.DuckDBPyConnection, texts: list[str]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for index in (False, True):
        old = search_index.set_enabled(index)
        search_index.reset()
        try:
            for text in texts:
                found[f"{index}:{text}"] = find(con, SearchQuery(text, limit=20).validated())
            found[f"{index}:page"] = search_page(con, SearchQuery("데이터", limit=10).validated())
            found[f"{index}:facets"] = search_page(con, SearchQuery(None, domain="korean").validated())
        finally:
            search_index.set_enabled(old)
    return found


def _session_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT view_name FROM duckdb_views() WHERE database_name = 'data' AND NOT internal")
    return sorted(str(r[0]) for r in rows.fetchall())


def test_views_exist_only_in_a_session_and_only_when_named(catalog_backend: str, kdata_home: Path) -> None:
    settings = load_settings()
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    for n in range(3):
        synthetic.register(settings, synthetic.manifest(f"lazy-{n}"), parquet)
    with db.connect(settings, read_only=True) as con:
        assert _session_views(con) == []
        run_readonly(con, "SELECT count(*) FROM datasets", [])
        assert _session_views(con) == []  # a statement over the catalog tables creates no view
    with db.connect(settings, read_only=True) as con:
        _, rows = run_readonly(con, "SELECT count(*) FROM data.lazy_1__train", store_access(con, settings.store))
        assert rows == [(0,)]  # the synthetic chunk holds no rows
        assert _session_views(con) == ["lazy_1__train"]
    with db.connect(settings) as con:  # the catalog itself stores none (migration 0010)
        stored = con.execute("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchone()
        assert stored == (0,)


def test_audit_verify_names_the_first_bad_row_on_the_shared_catalog(shared: Settings, kdata_home: Path) -> None:
    """Someone with a writing PostgreSQL role edits or cuts the log: ``kdata audit verify`` says where."""
    import psycopg2

    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    for n in range(2):
        synthetic.register(shared, synthetic.manifest(f"audited-{n}"), parquet)
    runner = CliRunner()
    clean = runner.invoke(app, ["audit", "verify", "--json"])
    assert clean.exit_code == 0 and json.loads(clean.stdout)["anchored"], clean.output
    last = json.loads(clean.stdout)["rows"]
    assert shared.catalog_url is not None
    with psycopg2.connect(shared.catalog_url) as pg, pg.cursor() as cur:
        cur.execute("UPDATE audit_log SET detail = '{\"forged\": true}' WHERE seq = 2")
    edited = runner.invoke(app, ["audit", "verify"])
    assert edited.exit_code == 1 and "audit row 2" in edited.output, edited.output
    with psycopg2.connect(shared.catalog_url) as pg, pg.cursor() as cur:
        cur.execute("DELETE FROM audit_log WHERE seq >= 2")
    cut = runner.invoke(app, ["audit", "verify"])
    assert cut.exit_code == 1 and "audit row 2: missing" in cut.output and f"names row {last}" in cut.output


def test_backup_and_restore_point_to_postgresql_tools(shared: Settings, kdata_home: Path) -> None:
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(shared, synthetic.manifest("backed-up"), parquet)
    runner = CliRunner()
    for args in (["backup", str(kdata_home.parent / "b.duckdb")], ["restore", str(kdata_home.parent / "b.duckdb")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and "pg_dump" in result.output, result.output
    assert not (kdata_home.parent / "b.duckdb").exists()
