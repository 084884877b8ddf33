"""The security review's attacks on the licence rules, each written as the attacker's steps (issue 17).

Cast: ``uploader-lee`` ingests; ``auditor-kim`` sets licence statuses; ``steward-choi`` records
approvals; ``tester`` is an admin (``KDATA_ADMINS`` of the suite); ``mallory`` is any named user.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from kdata.cli import app

pytestmark = pytest.mark.integration

DATASET = "korean-sns-dialogue"
VIEW = "data.korean_sns_dialogue__train"
runner = CliRunner()


def kdata(user: str, *args: str, **env: str) -> Any:
    """``kdata ARGS`` as ``user`` (in-process; the environment of the test's KDATA_HOME)."""
    return runner.invoke(app, list(args), env={"KDATA_USER": user, **env})


def rows(result: Any) -> list[dict[str, Any]]:
    assert result.exit_code == 0, result.output
    found: list[dict[str, Any]] = json.loads(result.stdout)
    return found


def _publish(sample_factory: Any, tmp_path: Path) -> Path:
    """One ingested dataset (AI Hub terms: approval_required), and the cast's roles granted by an admin."""
    dataset = sample_factory(items=12, copy_to=tmp_path / "dataset")
    done = kdata("uploader-lee", "ingest", str(dataset), "--json")
    assert done.exit_code == 0, done.output
    for user, role in (("auditor-kim", "auditor"), ("steward-choi", "steward")):
        assert kdata("tester", "role", "grant", user, role).exit_code == 0
    return dataset


@pytest.fixture
def published(kdata_home: Path, catalog_backend: str, sample_factory: Any, tmp_path: Path) -> Path:
    """:func:`_publish` on each catalog backend: the embedded file and the shared PostgreSQL catalog."""
    return _publish(sample_factory, tmp_path)


@pytest.fixture
def published_embedded(kdata_home: Path, sample_factory: Any, tmp_path: Path) -> Path:
    """:func:`_publish` on the embedded catalog, for attacks on its files (snapshot, catalog.duckdb)."""
    return _publish(sample_factory, tmp_path)


def audit_actions(user: str) -> list[tuple[str, str]]:
    found = rows(
        kdata("tester", "sql", f"SELECT action, detail FROM audit_log WHERE actor = '{user}'", "--format", "json")
    )
    return [(r["action"], json.loads(r["detail"])["status"]) for r in found if r["action"] == "sql"]


def test_sql_reads_only_the_views_the_access_decision_allows(published: Path, kdata_home: Path) -> None:
    count = f"SELECT count(*) AS n FROM {VIEW}"
    refused = kdata("mallory", "sql", count)
    assert refused.exit_code == 4
    assert DATASET in refused.output and f"kdata approve {DATASET} --user mallory" in refused.output
    # the chunk files themselves, straight from the catalog's own listing
    url = rows(kdata("mallory", "sql", "SELECT content_url FROM chunks LIMIT 1", "--format", "json"))[0]["content_url"]
    for query in (
        f"SELECT count(*) FROM read_parquet('{url}')",
        f"SELECT count(*) FROM '{url}'",
        f"WITH x AS (SELECT 1) SELECT * FROM x, {VIEW}",
        "WITH approvals AS (SELECT * FROM approvals) SELECT * FROM approvals",  # a CTE named like the table
        "WITH a AS (SELECT 1 AS n), approvals AS (SELECT * FROM main.approvals) SELECT * FROM approvals",
        f"WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t, {VIEW} WHERE n < 2) SELECT * FROM t",
        # a recursive CTE's anchor reads the real table of its name (only its recursive part sees itself)
        "WITH RECURSIVE approvals AS (SELECT * FROM approvals UNION ALL SELECT * FROM approvals WHERE false) "
        "SELECT * FROM approvals",
        "WITH RECURSIVE audit_log AS (SELECT * FROM (SELECT * FROM audit_log) UNION SELECT * FROM audit_log) "
        "SELECT * FROM audit_log",
        f"SELECT (SELECT count(*) FROM {VIEW}) AS n",
        f"DESCRIBE SELECT * FROM {VIEW}",
        "SELECT * FROM approvals",
        "SELECT * FROM audit_log",
        "SELECT * FROM roles",
        f"SELECT * FROM glob('{kdata_home}/*')",
        "SELECT * FROM query_table('approvals')",
    ):
        result = kdata("mallory", "sql", query)
        assert result.exit_code == 4, (query, result.output)
        assert "KSNS_" not in result.output
    assert ("sql", "refused") in audit_actions("mallory")  # refusals of dataset reads are audited too
    # common table expressions that only name each other (and recursion) are fine
    chained = "WITH a AS (SELECT 1 AS n), b AS (SELECT n + 1 AS n FROM a), r(k) AS (SELECT 1) SELECT * FROM b, r"
    assert rows(kdata("mallory", "sql", chained, "--format", "json")) == [{"n": 2, "k": 1}]
    recursive = "WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT max(n) AS m FROM t"
    assert rows(kdata("mallory", "sql", recursive, "--format", "json")) == [{"m": 3}]

    assert kdata("steward-choi", "approve", DATASET, "--user", "mallory").exit_code == 0
    assert rows(kdata("mallory", "sql", count, "--format", "json")) == [{"n": 10}]
    logged = rows(
        kdata("tester", "sql", "SELECT dataset_id, detail FROM audit_log WHERE action = 'sql'", "--format", "json")
    )
    ok = [json.loads(r["detail"]) for r in logged if json.loads(r["detail"])["status"] == "ok"]
    assert ok[-1]["datasets"] == [DATASET] and ok[-1]["rows"] == 1
    assert ok[-1]["statement_sha256"] == hashlib.sha256(count.encode()).hexdigest()
    # the approval covers approval_required and restricted; a withdrawn dataset is read by nobody
    assert kdata("auditor-kim", "license", DATASET, "--status", "restricted", "--reason", "PII 재검토").exit_code == 0
    assert kdata("mallory", "sql", count).exit_code == 0
    assert kdata("auditor-kim", "license", DATASET, "--status", "withdrawn", "--reason", "권리 분쟁").exit_code == 0
    assert kdata("mallory", "sql", count).exit_code == 4


def test_an_approval_written_into_the_snapshot_is_not_honoured(published_embedded: Path, kdata_home: Path) -> None:
    snapshot = kdata_home / "catalog.snapshot.duckdb"
    con = duckdb.connect(str(snapshot))
    con.execute("INSERT INTO approvals VALUES (?, 'mallory', 'steward-choi', now(), NULL, 'forged')", [DATASET])
    con.execute("UPDATE licenses SET status = 'open'")
    con.close()
    out = kdata_home.parent / "out"
    assert kdata("mallory", "download", DATASET, "--out", str(out)).exit_code == 4
    assert not list(out.rglob("*.parquet"))
    assert kdata("mallory", "sql", f"SELECT count(*) FROM {VIEW}").exit_code == 4


def test_a_new_version_cannot_reopen_what_an_auditor_restricted(published: Path, kdata_home: Path) -> None:
    assert kdata("auditor-kim", "license", DATASET, "--status", "restricted", "--reason", "검토").exit_code == 0
    manifest = published / "dataset.yaml"
    text = manifest.read_text(encoding="utf-8")
    text = text.replace("version: '1.0'", "version: '1.1'").replace("id: aihub-standard", "id: cc0-1.0")
    manifest.write_text(text.replace("status: approval_required", "status: open"), encoding="utf-8")
    assert kdata("uploader-lee", "ingest", str(published)).exit_code == 0
    status = rows(kdata("mallory", "sql", "SELECT status FROM licenses", "--format", "json"))[0]["status"]
    assert status in ("restricted", "pending_review")  # proposed, never loosened
    for version in ("1.0", "1.1"):  # the restriction covers every version
        result = kdata("mallory", "download", DATASET, "--version", version, "--out", str(kdata_home.parent / "o"))
        assert result.exit_code == 4, result.output


def test_roles_and_separation_of_duties(published: Path, kdata_home: Path, sample_factory: Any) -> None:
    assert kdata("mallory", "approve", DATASET, "--user", "mallory").exit_code == 4  # no steward role
    assert kdata("mallory", "role", "grant", "mallory", "admin").exit_code == 4
    assert kdata("mallory", "license", DATASET, "--status", "open", "--reason", "mine").exit_code == 4
    assert kdata("tester", "role", "grant", "mallory", "steward").exit_code == 0
    own = kdata("mallory", "approve", DATASET, "--user", "mallory")
    assert own.exit_code == 4 and "own" in own.output  # a steward never approves themselves
    for variant in ("MALLORY", "ｍａｌｌｏｒｙ", " Mallory "):  # one person to a login ignoring case and width
        assert kdata("mallory", "approve", DATASET, "--user", variant).exit_code == 4, variant
    for hidden in ("mallory\u200b", "mal\u202elory", "mallory\x1b[2J"):  # invisible or control characters
        assert kdata("mallory", "approve", DATASET, "--user", hidden).exit_code == 2, hidden
    # the uploader (an admin here, so also an auditor) cannot loosen the licence of their own upload
    loosen = kdata("uploader-lee", "license", DATASET, "--status", "open", "--reason", "let me")
    assert loosen.exit_code == 4 and "separation of duties" in loosen.output
    assert kdata("uploader-lee", "license", DATASET, "--status", "restricted", "--reason", "tighten").exit_code == 0
    # no uploader role, no ingest
    other = sample_factory(items=12, seed=9, copy_to=kdata_home.parent / "other")
    assert kdata("mallory", "ingest", str(other)).exit_code == 4
    listed = rows(kdata("tester", "role", "list", "--json"))
    assert {"user": "mallory", "role": "steward"} in [{k: r[k] for k in ("user", "role")} for r in listed]
    huge = kdata("auditor-kim", "license", DATASET, "--status", "withdrawn", "--reason", "x" * 100_000)
    assert huge.exit_code == 2 and "2000" in huge.output  # the audit log keeps notes forever: they are short
    assert kdata("tester", "role", "revoke", "mallory", "steward").exit_code == 0
    assert kdata("mallory", "approve", DATASET, "--user", "someone").exit_code == 4
    # an actor that forges a line of the audit log, or looks like another user, is no user name
    forged = kdata("mallory\n2026-12-06 kim license open", "search", "대화")
    assert forged.exit_code == 2 and "KDATA_USER" in forged.output


def test_the_last_admin_stays_and_an_unreadable_audit_key_stops_an_ingest_before_it_publishes(
    published: Path, kdata_home: Path, sample_factory: Any
) -> None:
    assert kdata("tester", "role", "grant", "boss", "admin").exit_code == 0
    alone = {"KDATA_ADMINS": ""}  # a deployment naming no admins: boss is the only one
    last = kdata("boss", "role", "revoke", "boss", "admin", **alone)
    assert last.exit_code == 4 and "last admin" in last.output
    assert kdata("boss", "role", "grant", "boss2", "admin", **alone).exit_code == 0
    assert kdata("boss", "role", "revoke", "boss", "admin", **alone).exit_code == 0  # boss2 is still there
    assert kdata("boss2", "role", "revoke", "boss2", "admin", **alone).exit_code == 4

    other = sample_factory(items=12, seed=9, copy_to=kdata_home.parent / "other")
    versions = rows(kdata("tester", "sql", "SELECT dataset_id, version FROM versions", "--format", "json"))
    stored = sorted((kdata_home / "store").rglob("*"))
    missing = kdata("uploader-lee", "ingest", str(other), KDATA_AUDIT_KEY=f"file:{kdata_home.parent}/no-such-key")
    assert missing.exit_code == 2 and "KDATA_AUDIT_KEY" in missing.output and "Traceback" not in missing.output
    assert rows(kdata("tester", "sql", "SELECT dataset_id, version FROM versions", "--format", "json")) == versions
    assert sorted((kdata_home / "store").rglob("*")) == stored  # nothing published


def _tampered_copy(home: Path, name: str, sql: str) -> Path:
    copy = home.parent / name
    shutil.copytree(home, copy)
    con = duckdb.connect(str(copy / "catalog.duckdb"))
    con.execute(sql)
    con.close()
    return copy


def test_audit_verify_names_the_first_bad_row(published_embedded: Path, kdata_home: Path) -> None:
    assert kdata("steward-choi", "approve", DATASET, "--user", "mallory").exit_code == 0
    clean = kdata("tester", "audit", "verify", "--json")
    assert clean.exit_code == 0 and json.loads(clean.stdout)["ok"] and json.loads(clean.stdout)["anchored"]
    last = json.loads(clean.stdout)["rows"]
    forged_plain = (
        'UPDATE audit_log SET detail = \'{"user": "mallory", "until": null}\', '
        "row_sha256 = sha256(prev_sha256 || 'x') WHERE action = 'approve'"
    )
    cases = {
        "truncated": (f"DELETE FROM audit_log WHERE seq = {last}", f"audit row {last}: missing"),
        "nulled": ("UPDATE audit_log SET row_sha256 = NULL WHERE seq = 2", "audit row 2"),
        "recomputed": (forged_plain, "audit row"),
    }
    for name, (sql, expected) in cases.items():
        copy = _tampered_copy(kdata_home, name, sql)
        result = kdata("tester", "audit", "verify", KDATA_HOME=str(copy))
        assert result.exit_code == 1, (name, result.output)
        assert expected in result.output, (name, result.output)
    # the right chain recomputed with a key that is not the deployment's
    wrong = kdata("tester", "audit", "verify", KDATA_AUDIT_KEY="not-the-key")
    assert wrong.exit_code == 1 and "audit row 1" in wrong.output


def test_a_poisoned_store_manifest_writes_nothing_outside_out(published: Path, kdata_home: Path) -> None:
    assert kdata("auditor-kim", "license", DATASET, "--status", "open", "--reason", "공개").exit_code == 0
    manifest_path = kdata_home / "store" / DATASET / "1.0" / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    target = kdata_home.parent / "escaped.parquet"
    for key in (str(target), "../../../escaped.parquet", "train/../../../../escaped.parquet"):
        manifest["chunks"][0]["key"] = key
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")
        out = kdata_home.parent / "out"
        result = kdata("mallory", "download", DATASET, "--out", str(out))
        assert result.exit_code != 0, (key, result.output)
        assert not target.exists()
        assert "manifest" in result.output


def test_ids_that_collide_and_manifests_that_explode(published: Path, kdata_home: Path) -> None:
    manifest = published / "dataset.yaml"
    original = manifest.read_text(encoding="utf-8")
    manifest.write_text(original.replace(f"id: {DATASET}", "id: korean--sns-dialogue"), encoding="utf-8")
    collide = kdata("uploader-lee", "ingest", str(published))
    assert collide.exit_code == 2 and "'id'" in collide.output
    for mutation in ("id: Korean-SNS-Dialogue", "id: korean-sns-dialogue-"):
        manifest.write_text(original.replace(f"id: {DATASET}", mutation), encoding="utf-8")
        assert kdata("uploader-lee", "ingest", str(published)).exit_code == 2
    # YAML aliases: a 15 KiB file that would expand to millions of characters
    bomb = ["a: &a [" + ",".join(["'xxxxxxxxxx'"] * 10) + "]"]
    for level in "bcdefgh":
        prev = chr(ord(level) - 1)
        bomb.append(f"{level}: &{level} [" + ",".join([f"*{prev}"] * 10) + "]")
    manifest.write_text(original + "\nkeywords_bomb:\n  " + "\n  ".join(bomb) + "\n", encoding="utf-8")
    assert len(manifest.read_bytes()) < 16 * 1024
    exploded = kdata("uploader-lee", "ingest", str(published))
    assert exploded.exit_code == 2 and "alias" in exploded.output
    # a 2 MB title
    manifest.write_text(original.replace("ko: 한국어 SNS 대화 데이터", "ko: " + "가" * 700_000), encoding="utf-8")
    huge = kdata("uploader-lee", "ingest", str(published))
    assert huge.exit_code == 2
    titles = rows(kdata("mallory", "sql", "SELECT max(length(name_ko)) AS n FROM datasets", "--format", "json"))
    assert titles[0]["n"] < 300


def test_a_symlink_in_the_store_is_not_followed_by_sql(published: Path, kdata_home: Path) -> None:
    assert kdata("auditor-kim", "license", DATASET, "--status", "open", "--reason", "공개").exit_code == 0
    count = f"SELECT count(*) AS n FROM {VIEW}"
    assert rows(kdata("mallory", "sql", count, "--format", "json")) == [{"n": 10}]
    secret = kdata_home.parent / "secret.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT 'TOP-SECRET' AS s FROM range(3)) TO '{secret}' (FORMAT parquet)")
    con.close()
    chunk = next((kdata_home / "store" / DATASET / "1.0" / "train").glob("*.parquet"))
    chunk.unlink()
    os.symlink(secret, chunk)
    result = kdata("mallory", "sql", count)
    assert result.exit_code == 4 and "outside the store" in result.output
    assert "TOP-SECRET" not in result.output


def test_sql_statements_have_a_time_and_a_memory_limit(published: Path) -> None:
    slow = kdata("mallory", "sql", "SELECT count(*) FROM range(100000000000) a", KDATA_SQL_TIMEOUT_S="1")
    assert slow.exit_code == 4 and "KDATA_SQL_TIMEOUT_S" in slow.output
    big = kdata("mallory", "sql", "SELECT list(i) FROM range(60000000) t(i)", KDATA_SQL_MEMORY="32MB")
    assert big.exit_code == 4 and "KDATA_SQL_MEMORY" in big.output
    assert kdata("mallory", "sql", "SELECT 1", KDATA_SQL_MEMORY="lots").exit_code == 2
    # attack trial: range(200000000) became 200M Python tuples past DuckDB's limit (7.6 GB, then a crash)
    many = kdata("mallory", "sql", "SELECT range FROM range(25000)", "--format", "csv", KDATA_SQL_MAX_ROWS="20000")
    assert many.exit_code == 4 and "KDATA_SQL_MAX_ROWS" in many.output and "24999" not in many.output
    enough = kdata("mallory", "sql", "SELECT range FROM range(20000)", "--format", "csv", KDATA_SQL_MAX_ROWS="20000")
    assert enough.exit_code == 0 and enough.stdout.splitlines()[-1] == "19999"
    assert kdata("mallory", "sql", "SELECT 1", KDATA_SQL_MAX_ROWS="0").exit_code == 2
    # attack trial: 3,000 rows of a 1 MB string took 5.4 GB past KDATA_SQL_MEMORY (rows are Python objects)
    wide = kdata("mallory", "sql", "SELECT repeat('x', 100000) AS s FROM range(300)", KDATA_SQL_MEMORY="10MB")
    assert wide.exit_code == 4 and "KDATA_SQL_MEMORY" in wide.output and "xxxxxxxxxx" not in wide.output
    fits = kdata("mallory", "sql", "SELECT repeat('x', 1000) AS s FROM range(300)", "--format", "csv")
    assert fits.exit_code == 0 and len(fits.stdout.splitlines()) == 301
