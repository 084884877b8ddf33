"""The whole path through the CLI: samples → ingest → catalog → search/show/sql/report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from ingest.chunks import sha256_file
from kdata.cli import app

pytestmark = pytest.mark.integration
runner = CliRunner()


def kdata(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    return result


def ingest_json(path: Path) -> tuple[int, dict[str, Any]]:
    result = kdata("ingest", str(path), "--json")
    return result.exit_code, json.loads(result.stdout)


def catalog_rows(home: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_ingest_publishes_every_item_with_verified_chunks(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=150)
    code, result = ingest_json(dataset)
    assert code == 0, result
    assert result["status"] == "published"
    assert result["rows"] == {"train": 120, "validation": 30}
    assert result["verdict"] == "passed"
    assert Path(result["report"]).is_file()
    manifest = json.loads(Path(result["manifest"]).read_text(encoding="utf-8"))
    assert len(manifest["chunks"]) == result["chunks"] > 2  # small chunk size in tests
    version_root = Path(result["manifest"]).parent
    total = 0
    for chunk in manifest["chunks"]:
        path = version_root / chunk["key"]
        assert sha256_file(path) == chunk["sha256"]
        assert path.stat().st_size == chunk["bytes"]
        assert pq.read_metadata(path).num_rows == chunk["rows"]
        total += chunk["rows"]
    assert total == 150
    # the catalog agrees with the store
    rows = catalog_rows(kdata_home, "SELECT split, record_count, chunk_count FROM splits ORDER BY split")
    assert rows == [
        ("train", 120, manifest["splits"]["train"]["chunks"]),
        ("validation", 30, manifest["splits"]["validation"]["chunks"]),
    ]
    assert catalog_rows(kdata_home, "SELECT count(*) FROM chunks")[0][0] == len(manifest["chunks"])
    ids = pq.read_table([version_root / c["key"] for c in manifest["chunks"]], columns=["dialogue_id"])
    assert len(ids.column("dialogue_id").unique()) == 150


def test_rerun_gives_identical_chunks_and_no_duplicate_rows(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=80)
    _, first = ingest_json(dataset)
    store_files = {p: p.read_bytes() for p in (kdata_home / "store").rglob("*.parquet")}
    counts = catalog_rows(
        kdata_home,
        "SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM chunks), (SELECT count(*) FROM datasets)",
    )
    code, again = ingest_json(dataset)
    assert code == 0 and again["already_published"] is True
    assert (
        catalog_rows(
            kdata_home,
            "SELECT (SELECT count(*) FROM versions), (SELECT count(*) FROM chunks), (SELECT count(*) FROM datasets)",
        )
        == counts
    )
    # A completely fresh home (new run folder, new store) produces byte-identical chunks.
    other = tmp_path / "other-home"
    os.environ["KDATA_HOME"] = str(other)
    _, fresh = ingest_json(dataset)
    assert fresh["run_id"] == first["run_id"]
    fresh_files = {p.relative_to(other): p.read_bytes() for p in (other / "store").rglob("*.parquet")}
    assert fresh_files == {p.relative_to(kdata_home): b for p, b in store_files.items()}
    assert (other / "store" / "korean-sns-dialogue" / "1.0" / "manifest.json").read_bytes() == (
        kdata_home / "store" / "korean-sns-dialogue" / "1.0" / "manifest.json"
    ).read_bytes()


def test_search_show_sql_report(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    ingest_json(sample_factory(items=60))
    found = json.loads(kdata("search", "대화", "--domain", "korean", "--json").stdout)
    assert [d["id"] for d in found] == ["korean-sns-dialogue"]
    assert {"id", "title", "domain", "license_status", "version"} <= set(found[0])
    assert (
        json.loads(kdata("search", "대화를", "--domain", "한국어", "--json").stdout)[0]["id"] == "korean-sns-dialogue"
    )
    assert json.loads(kdata("search", "dialogue", "--json").stdout)[0]["id"] == "korean-sns-dialogue"
    assert json.loads(kdata("search", "korean-sns-dialogue", "--json").stdout)[0]["id"] == "korean-sns-dialogue"
    assert json.loads(kdata("search", "대화", "--domain", "vision", "--json").stdout) == []
    assert json.loads(kdata("search", "자율주행", "--json").stdout) == []
    assert json.loads(kdata("search", "--license-status", "open", "--json").stdout) == []
    assert len(json.loads(kdata("search", "--license-status", "approval_required", "--json").stdout)) == 1
    assert kdata("search", "x", "--domain", "우주").exit_code == 2

    page = json.loads(kdata("show", "korean-sns-dialogue", "--json").stdout)
    assert page["latest_version"] == "1.0"
    assert page["license"]["status"] == "approval_required"
    assert [s["record_count"] for s in page["versions"][0]["splits"]] == [48, 12]
    assert page["quality"]["verdict"] == "passed"
    assert kdata("show", "nope").exit_code == 2

    count = "SELECT count(*) AS n FROM data.korean_sns_dialogue__train"
    assert kdata("sql", count).exit_code == 4  # approval_required: rows need an approval, in SQL too
    from catalog.db import connect
    from catalog.license import approve
    from kcore.config import load_settings

    with connect(load_settings()) as con:
        approve(con, "korean-sns-dialogue", "tester", "steward")
    rows = json.loads(kdata("sql", count, "--format", "json").stdout)
    assert rows == [{"n": 48}]
    csv_out = kdata("sql", "SELECT split, record_count FROM splits ORDER BY split", "--format", "csv").stdout
    assert csv_out.splitlines() == ["split,record_count", "train,48", "validation,12"]
    report = kdata("report", "korean-sns-dialogue").stdout.strip()
    assert report.endswith("summary.html") and Path(report).is_file()
    html = Path(report).read_text(encoding="utf-8")
    assert "구분" in html and "정량목표" in html and "결과값" in html


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM datasets",
        "CREATE TABLE x (a INT)",
        "COPY datasets TO '/tmp/x.csv'",
        "ATTACH '/tmp/other.db'",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SELECT * FROM read_parquet('http://127.0.0.1:9/x.parquet')",
        "INSTALL httpfs",
        "LOAD httpfs",
        "SET enable_external_access = true",
    ],
)
def test_sql_refuses_writes_and_outside_access(kdata_home: Path, sample_factory, query: str) -> None:  # type: ignore[no-untyped-def]
    ingest_json(sample_factory(items=20))
    result = kdata("sql", query)
    assert result.exit_code == 4, result.output
    assert catalog_rows(kdata_home, "SELECT count(*) FROM datasets")[0][0] == 1


def test_duplicate_id_is_refused_by_the_gate(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    code, result = ingest_json(sample_factory(items=60, inject="duplicate-id"))
    assert code == 3
    assert result["status"] == "quality_failed"
    assert Path(result["report"]).is_file()
    assert "dialogue_id_unique" in result["error"]
    assert not (kdata_home / "store" / "korean-sns-dialogue").exists()
    assert catalog_rows(kdata_home, "SELECT count(*) FROM versions")[0][0] == 0
    assert catalog_rows(kdata_home, "SELECT verdict FROM quality_runs") == [("failed",)]
    failed = catalog_rows(kdata_home, "SELECT key FROM quality_results WHERE NOT success")
    assert failed == [("dialogue_id_unique",)]
    assert list((kdata_home / "quarantine").glob("*.json"))


def test_bad_manifest_exit_2_and_nothing_published(kdata_home: Path, sample_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=20, copy_to=tmp_path / "ds")
    text = (dataset / "dataset.yaml").read_text(encoding="utf-8")
    (dataset / "dataset.yaml").write_text(text.replace("domain: korean", "domain: 우주"), encoding="utf-8")
    result = kdata("ingest", str(dataset))
    assert result.exit_code == 2
    assert "dataset.yaml" in result.output and "field 'domain'" in result.output
    assert not (kdata_home / "store").exists()
    assert kdata("ingest", str(tmp_path / "missing")).exit_code == 2


def test_cli_subprocess_json_is_one_document(kdata_home: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    dataset = sample_factory(items=20)
    proc = subprocess.run(
        [sys.executable, "-m", "kdata", "ingest", str(dataset), "--json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["rows"] == {"train": 16, "validation": 4}
    proc = subprocess.run(
        [sys.executable, "-m", "kdata", "search", "대화", "--json"],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        check=False,
    )
    assert json.loads(proc.stdout)[0]["id"] == "korean-sns-dialogue"


def test_one_catalog_write_records_quality_with_the_version_and_a_failed_publish_still_records_it(
    kdata_home: Path, sample_factory, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """An in-process ingest records its quality run in register's catalog write (one write, not two); when
    publish fails after the gate passed, the quality run is recorded on its own and no version exists."""
    from catalog import db
    from kcore.config import load_settings
    from kdata import pipeline

    dataset = sample_factory(items=20)
    real_connect = db.connect
    writes: list[bool] = []

    def counting(settings: Any, **kwargs: Any) -> Any:
        if not kwargs.get("read_only"):
            writes.append(True)
        return real_connect(settings, **kwargs)

    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("the store went away")

    with monkeypatch.context() as patch:
        patch.setattr(pipeline, "publish_run", failing)
        with pytest.raises(OSError, match="went away"):
            pipeline.ingest(load_settings(), str(dataset))
    assert catalog_rows(kdata_home, "SELECT verdict FROM quality_runs") == [("passed",)]
    assert catalog_rows(kdata_home, "SELECT count(*) FROM versions")[0][0] == 0
    monkeypatch.setattr(db, "connect", counting)
    result = pipeline.ingest(load_settings(), str(dataset))
    assert result["status"] == "published" and len(writes) == 1
    assert catalog_rows(kdata_home, "SELECT count(*) FROM quality_runs")[0][0] == 1
    assert catalog_rows(kdata_home, "SELECT count(*) FROM versions")[0][0] == 1
