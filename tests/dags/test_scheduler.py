"""The DAGs under a real scheduler: api-server + scheduler + dag-processor on PostgreSQL, triggered over
the REST API like a data team would (with Airflow's OpenLineage provider writing to a file transport); then
two Celery workers sharing one run's mapped tasks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.dags.airflow_cluster import AirflowCluster
from tests.openlineage_schema import event_validator

pytestmark = pytest.mark.integration


def _splits(home: Path) -> list[tuple[str, int]]:
    con = duckdb.connect(str(home / "catalog.duckdb"), read_only=True)
    try:
        return con.execute("SELECT split, record_count FROM splits ORDER BY split").fetchall()
    finally:
        con.close()


@pytest.fixture
def local_cluster(tmp_path: Path) -> Iterator[AirflowCluster]:
    transport = {"type": "file", "log_file_path": str(tmp_path / "lineage.jsonl"), "append": True}
    cluster = AirflowCluster(
        tmp_path / "cluster",
        tmp_path / "kdata-home",
        extra_env={
            "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(transport),
            "AIRFLOW__OPENLINEAGE__NAMESPACE": "kdata",
        },
    )
    cluster.root.mkdir()
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_rest_trigger_under_local_executor(local_cluster: AirflowCluster, sample_factory) -> None:  # type: ignore[no-untyped-def]
    cluster = local_cluster
    dataset = sample_factory(items=60)
    cluster.wait_dag("ingest_korean")
    # Bad params are refused by Airflow before a run starts.
    assert cluster.status("POST", "/api/v2/dags/ingest_korean/dagRuns", {"logical_date": None, "conf": {}}) == 400
    assert (
        cluster.status(
            "POST",
            "/api/v2/dags/ingest_korean/dagRuns",
            {"logical_date": None, "conf": {"dataset_path": str(dataset), "pii_policy": "shred"}},
        )
        == 400
    )
    run_id = cluster.trigger("ingest_korean", {"dataset_path": str(dataset), "version_note": "REST 트리거"})
    assert cluster.wait_run("ingest_korean", run_id) == "success", cluster.logs()
    assert _splits(cluster.kdata_home) == [("train", 48), ("validation", 12)]
    con = duckdb.connect(str(cluster.kdata_home / "catalog.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT version_note FROM versions").fetchone() == ("REST 트리거",)
    finally:
        con.close()
    # The catalog web page is mounted inside the api-server by the project's plugin.
    code, html = cluster.get_text("/kdata/")
    assert code == 200, html[:500]
    assert "korean-sns-dialogue" in html or "한국어 SNS 대화" in html, html[:500]
    events = cluster.request("GET", "/api/v2/assets/events?limit=10")["asset_events"]
    assert any(e["extra"].get("version") == "1.0" and "korean-sns-dialogue" in e["uri"] for e in events)
    # OpenLineage from the provider, in the scheduler (DAG run) and the task processes (tasks)
    lineage = cluster.root.parent / "lineage.jsonl"
    ol_events = [json.loads(line) for line in lineage.read_text(encoding="utf-8").splitlines() if line.strip()]
    validate = event_validator()
    for event in ol_events:
        validate(event)
    assert {e["job"]["namespace"] for e in ol_events} == {"kdata"}
    dag_run = [e["eventType"] for e in ol_events if e["job"]["name"] == "ingest_korean"]
    assert dag_run == ["START", "COMPLETE"]  # the scheduler sends the DAG run's START when the run starts
    [register] = [e for e in ol_events if e["job"]["name"] == "ingest_korean.register" and e["eventType"] == "COMPLETE"]
    assert register["inputs"][0]["name"] == str(dataset)
    assert register["outputs"][0]["outputFacets"]["outputStatistics"]["rowCount"] == 60


def test_celery_workers_share_mapped_tasks(tmp_path: Path, sample_factory) -> None:  # type: ignore[no-untyped-def]
    cluster = AirflowCluster(tmp_path / "cluster", tmp_path / "kdata-home", executor="CeleryExecutor", celery_workers=2)
    cluster.root.mkdir()
    try:
        cluster.start()
        dataset = sample_factory(items=200, seed=5)
        cluster.wait_dag("ingest_korean")
        run_id = cluster.trigger("ingest_korean", {"dataset_path": str(dataset)})
        assert cluster.wait_run("ingest_korean", run_id) == "success", cluster.logs()
        extract = [ti for ti in cluster.task_instances("ingest_korean", run_id) if ti["task_id"] == "extract"]
        hosts = {ti["hostname"] for ti in extract}
        assert len(extract) >= 4
        assert hosts == {"worker1", "worker2"}, hosts
        celery_rows = _splits(cluster.kdata_home)
        store = sorted(p.relative_to(cluster.kdata_home) for p in (cluster.kdata_home / "store").rglob("*.parquet"))
        store_bytes = {p: (cluster.kdata_home / p).read_bytes() for p in store}
    finally:
        cluster.stop()
    # The same input through the in-process path gives the same rows and byte-identical chunks.
    import os

    from kcore.config import load_settings
    from kdata import pipeline

    local_home = tmp_path / "local-home"
    settings = load_settings(
        {**os.environ, "KDATA_HOME": str(local_home), "KDATA_CHUNK_BYTES": "40000", "KDATA_ROW_GROUP_BYTES": "10000"}
    )
    pipeline.ingest(settings, str(dataset))
    assert _splits(local_home) == celery_rows
    assert {p: (local_home / p).read_bytes() for p in store} == store_bytes
