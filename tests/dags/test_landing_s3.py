"""An S3 landing zone (moto's server over HTTP, real boto3): scan, trigger, and ``kdata ingest s3://...``.

The sample dataset is uploaded the way uploaders are told to: every archive first, ``dataset.yaml`` last.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from kdata.cli import app
from kdata.landing import mark_triggered, scan_landing
from tests.storage.conftest import SECRET, S3Env, s3_env, s3_server  # noqa: F401 - the moto server fixtures

runner = CliRunner()


def upload(env: S3Env, folder: Path, prefix: str) -> list[str]:
    """Upload a dataset folder under ``prefix`` (archives first, ``dataset.yaml`` last); returns the keys."""
    client = env.client()
    files = sorted((p for p in folder.rglob("*") if p.is_file()), key=lambda p: (p.name == "dataset.yaml", str(p)))
    keys = []
    for path in files:
        key = f"{prefix}/{path.relative_to(folder).as_posix()}"
        client.upload_file(str(path), env.bucket, key)
        keys.append(key)
    return keys


@pytest.fixture
def landing(s3_env: S3Env, monkeypatch: pytest.MonkeyPatch, sample_factory) -> tuple[S3Env, Path]:  # type: ignore[no-untyped-def]  # noqa: F811
    """A landing prefix ``s3://<bucket>/landing`` holding one complete sample dataset ``ds1``; the
    published chunks go to the local store (KDATA_STORE unset)."""
    monkeypatch.delenv("KDATA_STORE")
    dataset = Path(sample_factory(items=10))
    upload(s3_env, dataset, "landing/ds1")
    s3_env.server.reset()
    return s3_env, dataset


def _zip_gets(env: S3Env) -> list[str]:
    """Paths of archive downloads since the last reset (WSGI paths are UTF-8 bytes read as latin-1)."""
    paths = [r.path.encode("latin-1").decode("utf-8") for r in env.server.requests(f"/{env.bucket}/", "GET")]
    return [p for p in paths if p.endswith(".zip")]


def test_s3_scan_finds_new_and_changed_folders_once(landing: tuple[S3Env, Path], kdata_home: Path) -> None:
    env, dataset = landing
    client = env.client()
    url = f"s3://{env.bucket}/landing"
    # still being uploaded: archives without dataset.yaml are not a dataset folder yet
    client.put_object(Bucket=env.bucket, Key="landing/partial/TL_1.zip", Body=b"PK")
    client.put_object(Bucket=env.bucket, Key="landing/broken/dataset.yaml", Body=b"id: [")
    found = scan_landing(url, kdata_home, {"korean"})
    assert [(r["dataset_path"], r["domain"], r["dataset_id"]) for r in found["ready"]] == [
        (f"{url}/ds1", "korean", "korean-sns-dialogue")
    ]
    assert [p["path"] for p in found["problems"]] == [f"{url}/broken"]
    assert "invalid dataset manifest" in found["problems"][0]["error"]
    assert _zip_gets(env) == []  # the scan lists and reads manifests only: no archive is downloaded
    mark_triggered(kdata_home, found["ready"])
    assert scan_landing(url, kdata_home, {"korean"})["ready"] == []  # rescanning finds nothing new

    archive = next(p for p in dataset.rglob("TL_*.zip"))
    key = f"landing/ds1/{archive.relative_to(dataset).as_posix()}"
    client.put_object(Bucket=env.bucket, Key=key, Body=archive.read_bytes() + b"\0")  # one object, new bytes
    again = scan_landing(url, kdata_home, {"korean"})["ready"]
    assert [r["dataset_path"] for r in again] == [f"{url}/ds1"]
    assert again[0]["fingerprint"] != found["ready"][0]["fingerprint"]
    mark_triggered(kdata_home, again)
    assert scan_landing(url, kdata_home, {"korean"})["ready"] == []

    # an object key that leaves its folder is reported, never triggered
    client.put_object(Bucket=env.bucket, Key="landing/evil/dataset.yaml", Body=(dataset / "dataset.yaml").read_bytes())
    client.put_object(Bucket=env.bucket, Key="landing/evil/sub/../../x.zip", Body=b"PK")
    found = scan_landing(url, kdata_home, {"korean"})
    assert found["ready"] == []
    problem = next(p for p in found["problems"] if p["path"] == f"{url}/evil")
    assert "landing/evil/sub/../../x.zip" in problem["error"] and "[path_traversal]" in problem["error"]
    errors = [p["error"] for p in scan_landing(url, kdata_home, set())["problems"]]
    assert any(e.startswith("no ingest DAG") for e in errors)


def _ingest(*args: str) -> tuple[int, dict[str, Any], str]:
    result = runner.invoke(app, ["ingest", *args, "--json"])
    return result.exit_code, json.loads(result.stdout), result.stderr


def _catalog(home: Path, sql: str) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.integration
def test_ingest_from_s3_matches_the_local_ingest(
    landing: tuple[S3Env, Path], kdata_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env, dataset = landing
    location = f"s3://{env.bucket}/landing/ds1"
    code, result, stderr = _ingest(location + "/")
    assert code == 0, (result, stderr)
    assert result["status"] == "published" and result["rows"] == {"train": 8, "validation": 2}
    assert _zip_gets(env)  # the archives were downloaded once ...
    plan = json.loads((kdata_home / "runs" / result["run_id"] / "plan.json").read_text(encoding="utf-8"))
    assert plan["source"] == location
    copy = Path(plan["dataset_path"])
    assert copy.is_relative_to(kdata_home / "runs" / "_s3")  # under KDATA_HOME, shared by every worker
    assert sorted(p.relative_to(copy) for p in copy.rglob("*") if p.is_file()) == sorted(
        p.relative_to(dataset) for p in dataset.rglob("*") if p.is_file()
    )
    audit = _catalog(kdata_home, "SELECT detail->>'source' FROM audit_log WHERE action = 'publish'")
    assert audit == [(location,)]

    env.server.reset()  # ... and a rerun reuses the verified copy
    code, again, _ = _ingest(location)
    assert code == 0 and again["already_published"] and again["run_id"] == result["run_id"]
    assert _zip_gets(env) == []

    monkeypatch.setenv("KDATA_HOME", str(tmp_path / "local-home"))
    code, local, _ = _ingest(str(dataset))
    assert code == 0
    assert (local["rows"], local["chunks"], local["run_id"]) == (result["rows"], result["chunks"], result["run_id"])

    for path in kdata_home.rglob("*"):  # credentials never reach a plan, a report or the catalog
        if path.is_file():
            assert SECRET.encode() not in path.read_bytes(), path


@pytest.mark.integration
def test_ingest_from_s3_refuses_bad_locations_and_unsafe_keys(landing: tuple[S3Env, Path], kdata_home: Path) -> None:
    env, _ = landing
    client = env.client()
    missing = f"s3://{env.bucket}/landing/nothing"
    code, result, _ = _ingest(missing)
    assert code == 2 and result["status"] == "rejected"
    assert missing in result["error"] and "no such dataset folder" in result["error"]
    client.put_object(Bucket=env.bucket, Key="landing/half/TL_1.zip", Body=b"PK")
    code, result, _ = _ingest(f"s3://{env.bucket}/landing/half")
    assert code == 2 and f"s3://{env.bucket}/landing/half: no dataset.yaml" in result["error"]

    client.put_object(Bucket=env.bucket, Key="landing/ds1/../escape.zip", Body=b"PK")
    env.server.reset()
    location = f"s3://{env.bucket}/landing/ds1"
    code, result, _ = _ingest(location)
    assert code == 2 and result["status"] == "rejected"
    assert "[path_traversal]" in result["error"]
    assert location in result["error"] and "landing/ds1/../escape.zip" in result["error"]
    assert _zip_gets(env) == []  # refused before any archive was downloaded
    assert not (kdata_home / "store").exists() or not any((kdata_home / "store").rglob("*.parquet"))
    assert _catalog(kdata_home, "SELECT count(*) FROM versions") == [(0,)]
    rows = _catalog(kdata_home, "SELECT dataset_path, reason, archive, dataset_id FROM quarantine")
    assert rows == [(location, "path_traversal", "../escape.zip", "korean-sns-dialogue")]


@pytest.mark.integration
def test_discover_landing_dag_triggers_ingest_for_an_s3_landing(landing: tuple[S3Env, Path], kdata_home: Path) -> None:
    from airflow.dag_processing.dagbag import DagBag
    from airflow.models.dagrun import DagRun
    from airflow.utils.db import upgradedb
    from airflow.utils.session import create_session

    from kdata.airflow_env import DAGS_FOLDER

    env, _ = landing
    upgradedb()  # `airflow db migrate` in this process (the CLI costs 4 s more to start)
    url = f"s3://{env.bucket}/landing"
    dag = DagBag(dag_folder=str(DAGS_FOLDER)).dags["discover_landing"]

    def triggered() -> dict[str, Any]:
        with create_session() as session:
            runs = session.query(DagRun).filter(DagRun.dag_id == "ingest_korean").all()
            return {r.run_id: r.conf for r in runs if r.run_id.startswith("landing__")}

    before = triggered()
    run = dag.test(run_conf={"landing": url})
    assert str(run.state) == "success"
    new = {k: v for k, v in triggered().items() if k not in before}
    assert list(new.values()) == [{"dataset_path": f"{url}/ds1"}]
    assert next(iter(new)).startswith("landing__korean-sns-dialogue__1.0__")
    again = dag.test(run_conf={"landing": url})
    assert str(again.state) == "success"
    assert {k for k in triggered() if k not in before} == set(new)  # rescanning triggers nothing new


def test_fetch_copies_once_and_relinks_unchanged_objects(landing: tuple[S3Env, Path], kdata_home: Path) -> None:
    from kcore.config import load_settings
    from storage.s3_input import fetch_dataset

    env, dataset = landing
    settings = load_settings()
    location = f"s3://{env.bucket}/landing/ds1"
    first = fetch_dataset(settings, location)
    zips = sorted(p.relative_to(dataset).as_posix() for p in dataset.rglob("*.zip"))
    assert len(_zip_gets(env)) == len(zips)
    env.server.reset()
    assert fetch_dataset(settings, location) == first and _zip_gets(env) == []  # complete: nothing downloaded

    changed = next(z for z in zips if "/TL_" in f"/{z}")
    env.client().put_object(
        Bucket=env.bucket, Key=f"landing/ds1/{changed}", Body=(dataset / changed).read_bytes() + b"\0"
    )
    second = fetch_dataset(settings, location)
    assert second != first and second.parent == first.parent  # a new copy: a running ingest keeps its files
    assert _zip_gets(env) == [f"/{env.bucket}/landing/ds1/{changed}"]  # only the new object is downloaded
    assert (second / changed).read_bytes() == (dataset / changed).read_bytes() + b"\0"
    assert (first / changed).read_bytes() == (dataset / changed).read_bytes()
    same = next(z for z in zips if z != changed)
    assert (second / same).stat().st_ino == (first / same).stat().st_ino  # hard-linked, not downloaded again
