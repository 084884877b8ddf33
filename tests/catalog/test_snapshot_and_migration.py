"""Readers never wait for the writer (published snapshot), and older catalogs migrate to v3."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from benchmarks import synthetic
from catalog import db
from catalog.korean_text import index_terms
from kcore.config import load_settings

pytestmark = pytest.mark.integration

HOLD_LOCK = """
import sys, time, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("BEGIN")
con.execute("INSERT INTO audit_log (occurred_at, actor, action) VALUES (now(), 'holder', 'never committed')")
print("locked", flush=True)
time.sleep(120)
"""


def kdata_process(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kdata", *args], capture_output=True, text=True, env=env, check=False, timeout=120
    )


def test_snapshot_is_published_after_each_write(kdata_home: Path) -> None:
    settings = load_settings()
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(settings, synthetic.manifest("snap-one"), parquet)
    snapshot = db.snapshot_path(settings)
    assert snapshot.is_file() and snapshot.name == "catalog.snapshot.duckdb"
    first = snapshot.stat().st_ino
    synthetic.register(settings, synthetic.manifest("snap-two"), parquet)
    assert snapshot.stat().st_ino != first  # replaced, not written in place
    with db.connect(settings, read_only=True) as con:
        assert con.execute("SELECT list(id ORDER BY id) FROM datasets").fetchone() == (["snap-one", "snap-two"],)
        # the session's default database is the snapshot, attached read-only (beside the `data` views)
        where = "database_name = current_database()"
        assert con.execute(f"SELECT path, readonly FROM duckdb_databases() WHERE {where}").fetchone() == (
            str(snapshot),
            True,
        )
    assert not list(kdata_home.glob(".catalog.snapshot.duckdb.*.tmp"))


def test_search_and_sql_answer_while_a_writer_holds_the_lock(
    kdata_home: Path, subprocess_env: Callable[..., dict[str, str]]
) -> None:
    settings = load_settings()
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(
        settings, synthetic.manifest("held-catalog", license={"id": "CC-BY-4.0", "status": "open"}), parquet
    )
    env = subprocess_env(kdata_home, KDATA_LOCK_TIMEOUT="1")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(settings.catalog_path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        # a writer really is locked out ...
        blocked = kdata_process(env, "license", "held-catalog", "--status", "restricted", "--reason", "x")
        assert blocked.returncode == 1 and "busy" in blocked.stderr
        # ... while readers answer from the snapshot
        found = kdata_process(env, "search", "합성", "--json")
        assert found.returncode == 0, found.stderr
        assert [(r["id"], r["license_status"]) for r in json.loads(found.stdout)] == [("held-catalog", "open")]
        rows = kdata_process(env, "sql", "SELECT count(*) AS n FROM datasets", "--format", "json")
        assert rows.returncode == 0, rows.stderr
        assert json.loads(rows.stdout) == [{"n": 1}]
    finally:
        holder.kill()
        holder.wait(timeout=30)
    changed = kdata_process(env, "license", "held-catalog", "--status", "restricted", "--reason", "x")
    assert changed.returncode == 0, changed.stderr
    found = kdata_process(env, "search", "합성", "--json")
    assert [r["license_status"] for r in json.loads(found.stdout)] == ["restricted"]


def _schema_v2_catalog(path: Path) -> None:
    """A catalog as the first release wrote it: migrations 0001-0002, PRIMARY KEYs, an FTS index."""
    con = duckdb.connect(str(path), config=db._config())
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    for number, name, sql in db._migrations():
        if number <= 2:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [number, name])
    con.execute("INSERT INTO domains VALUES ('korean', '한국어', 'Korean language', 'g', 'g')")
    terms = index_terms("old-dataset", "옛 대화 데이터", "Old dialogue", "메신저 대화입니다", "Chats")
    con.execute(
        "INSERT INTO datasets VALUES ('old-dataset', '옛 대화 데이터', 'Old dialogue', '메신저 대화입니다', 'Chats', "
        "'korean', 'text', 'korean_dialogue', 2021, '2021-05', 'NIA', NULL, ['json'], ['대화'], '1.0', ?)",
        [terms],
    )
    con.execute(
        "INSERT INTO licenses VALUES "
        "('old-dataset', 'aihub-standard', NULL, 'open', true, true, true, false, 'AI Hub', NULL)"
    )
    con.execute(
        "INSERT INTO versions VALUES "
        "('old-dataset', '1.0', 'published', 'first', 'abc', 'm', 10, 1, 100, 'passed', 'r1')"
    )
    con.execute("INSERT INTO splits VALUES ('old-dataset', '1.0', 'train', 10, 1, 100)")
    con.execute(
        "INSERT INTO chunks VALUES ('old-dataset', '1.0', 'train', 'train/p.parquet', '/x', 10, 100, 'h', 'a.zip')"
    )
    con.execute(
        "INSERT INTO audit_log (occurred_at, actor, action, dataset_id) VALUES (now(), 'old', 'publish', 'old-dataset')"
    )
    con.execute("INSERT INTO approvals VALUES ('old-dataset', 'kim', 'steward', now(), NULL, NULL)")
    con.execute("LOAD fts")
    con.execute(
        "PRAGMA create_fts_index('datasets', 'id', 'search_terms', stemmer='none', stopwords='none', "
        "ignore='\\s+', strip_accents=0, lower=1, overwrite=1)"
    )
    con.close()


def test_schema_v2_catalog_migrates_on_first_read(kdata_home: Path, cli_json: Callable[..., Any]) -> None:
    settings = load_settings()
    kdata_home.mkdir(parents=True)
    _schema_v2_catalog(settings.catalog_path)
    assert not db.snapshot_path(settings).exists()
    # a reader finds no current snapshot: the catalog is migrated and published once
    found = cli_json("search", "대화를", "--json")
    assert [(r["id"], r["license_status"], r["version"]) for r in found] == [("old-dataset", "open", "1.0")]
    with db.connect(settings, read_only=True) as con:
        assert {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()} >= {1, 2, 3}
        keys = con.execute(
            "SELECT table_name FROM duckdb_constraints() WHERE constraint_type IN ('PRIMARY KEY', 'UNIQUE') "
            "AND table_name IN ('datasets', 'licenses', 'versions', 'splits', 'chunks', 'quality_runs', "
            "'quality_results', 'column_docs', 'audit_log', 'approvals')"
        ).fetchall()
        assert keys == []
        assert con.execute(
            "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'fts_main_datasets'"
        ).fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM approvals").fetchone() == (1,)
        assert con.execute("SELECT release_status, search_length > 0 FROM datasets").fetchone() == ("open", True)
        assert con.execute("SELECT count(*) FROM chunks").fetchone() == (1,)
    page = cli_json("show", "old-dataset", "--json")
    assert page["license"]["status"] == "open" and page["versions"][0]["version_note"] == "first"
    # the audit log continues: new rows are chained after the old unchained ones
    assert cli_json("license", "old-dataset", "--status", "restricted", "--reason", "x", "--json")["to"] == "restricted"
    from catalog.audit import verify_audit_log

    with db.connect(settings, read_only=True) as con:
        assert verify_audit_log(con) == []
        assert con.execute("SELECT list(seq ORDER BY seq) FROM audit_log").fetchone() == ([1, 2],)


def test_a_skipped_lower_migration_is_still_applied(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "c.duckdb"), config=db._config())
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL)")
    for number, name, sql in db._migrations():
        if number <= 2:
            con.execute(sql)
            con.execute("INSERT INTO schema_migrations VALUES (?, ?)", [number, name])
    con.execute("INSERT INTO schema_migrations VALUES (99, 'a later task landed first')")
    db.migrate(con)
    applied = {r[0] for r in con.execute("SELECT version FROM schema_migrations").fetchall()}
    assert 3 in applied
    assert con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'search_postings'").fetchone() == (1,)
    con.close()


def test_catalog_file_does_not_grow_per_registration(kdata_home: Path) -> None:
    """DuckDB 1.4.4 added a never-merged row group per process and indexed table (see migration 0003)."""
    settings = load_settings()
    parquet = synthetic.tiny_parquet(kdata_home / "store" / "synthetic")
    synthetic.register(settings, synthetic.manifest("grow-0000"), parquet)
    start = settings.catalog_path.stat().st_size
    for i in range(1, 31):
        synthetic.register(settings, synthetic.manifest(f"grow-{i:04d}"), parquet)
    grown = settings.catalog_path.stat().st_size - start
    # with PRIMARY KEYs this was ~1.5 MiB per registration (45 MiB here)
    assert grown < 4 * 1024 * 1024, grown
